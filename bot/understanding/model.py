"""The fields understood from one message. Every field is optional: absent means not found, never guessed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from bot.understanding.parties import Kind


def _yuan_for_json(value: Decimal) -> int | float:
    """Whole yuan as a JSON integer; fen (rare) as a number with two decimals."""
    return int(value) if value == value.to_integral_value() else float(value)


Yuan = Annotated[Decimal, Field(ge=0), PlainSerializer(_yuan_for_json, when_used="json")]


class Understanding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind | None = None
    platform: str | None = None
    employer: str | None = None
    amount_yuan: Yuan | None = None       # the total claimed: the group's when several workers are owed
    own_amount_yuan: Yuan | None = None   # the writer's own share, when the message tells it apart
    period_start: date | None = None
    period_end: date | None = None
    workers_affected: int | None = Field(default=None, ge=1)
    street: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        """Only the fields found, in JSON types (ISO dates, numbers)."""
        return self.model_dump(mode="json", exclude_none=True)
