"""Reading the routing data files (registry, gazetteer) in JSON or YAML, chosen by extension."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

# libyaml's parser when PyYAML was built with it: the same documents, about ten times faster (the registry
# is read at every start and reload).
FAST_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_structured_file(path: Path, *, error: type[Exception],
                         yaml_loader: type[yaml.SafeLoader] = FAST_SAFE_LOADER) -> Any:
    """Parse a .json, .yaml or .yml file; any failure is raised as `error` naming the file."""
    suffix = path.suffix.lower()
    if suffix not in {".json", ".yaml", ".yml"}:
        raise error(f"{path}: unsupported file type {suffix or '(none)'!r}; use .json, .yaml or .yml")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return json.loads(text) if suffix == ".json" else yaml.load(text, Loader=yaml_loader)
    except (ValueError, yaml.YAMLError) as exc:  # ValueError: PyYAML's for an impossible date such as 2027-13-01
        raise error(f"{path}: not valid {suffix[1:].upper()}: {exc}") from None
