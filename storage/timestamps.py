"""Instants as stored: ISO 8601 in UTC, so that text order is time order in comparisons."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_text(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("a stored instant needs a time zone")
    return at.astimezone(UTC).isoformat()
