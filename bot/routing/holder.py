"""The registry in use, swapped whole on reload so a bad file never replaces a good one."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.routing.registry import Registry, RegistryError, load_registry


class ReloadResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    ok: bool
    source: str
    centres: int  # in the registry now in use (the old one when the reload failed)
    sample: bool
    error: str | None = None


class RegistryHolder:
    """Readers take `holder.registry` once per decision; the spatial index travels with it, so a
    reload between two reads never mixes centres of two files."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    @classmethod
    def from_file(cls, path: Path | str) -> RegistryHolder:
        return cls(load_registry(path))

    @property
    def registry(self) -> Registry:
        return self._registry

    def reload(self, path: Path | str | None = None) -> ReloadResult:
        """Load `path` (default: the current file again); on any error keep the current registry."""
        source = str(path) if path is not None else self._registry.source
        try:
            fresh = load_registry(source)
        except RegistryError as error:
            current = self._registry
            return ReloadResult(ok=False, source=source, centres=len(current), sample=current.sample, error=str(error))
        self._registry = fresh
        return ReloadResult(ok=True, source=source, centres=len(fresh), sample=fresh.sample)
