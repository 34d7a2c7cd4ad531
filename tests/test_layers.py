"""Dependencies point one way: handlers call services, which reach the store through ports."""

from __future__ import annotations

import ast

import pytest

from bot.settings import PROJECT_ROOT

HANDLERS = sorted((PROJECT_ROOT / "handlers").rglob("*.py"))


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", HANDLERS, ids=lambda path: str(path.relative_to(PROJECT_ROOT)))
def test_no_handler_imports_the_store(path) -> None:
    store = {module for module in imported_modules(path.read_text(encoding="utf-8"))
             if module == "storage" or module.startswith("storage.")}
    assert not store, f"{path.name} imports {sorted(store)}: go through a service"

