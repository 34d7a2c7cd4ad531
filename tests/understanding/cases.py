"""The example tables in tests/data, read once for the understanding tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT_TODAY = date(2026, 11, 24)
FIELDS = ("kind", "platform", "employer", "amount_yuan", "own_amount_yuan", "period_start", "period_end",
          "workers_affected", "street")


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def as_json(value: Any) -> Any:
    """YAML reads dates as dates; the understanding's JSON has ISO strings."""
    return value.isoformat() if isinstance(value, date) else value
