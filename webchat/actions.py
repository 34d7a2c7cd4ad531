"""What a page may send on its socket, read as pydantic models.

Frames come from anyone who can open the socket, so reading one never raises: a frame that is not
JSON (or nests deeper than the parser goes) or names no known action is ignored, as a page never
sends one; a known action with wrong values is `Invalid`, so the person can be told what was wrong.
A lone UTF-16 surrogate (which JSON can carry but UTF-8 cannot) becomes U+FFFD, so the words still
reach the bot and the store.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{3,30}$")
NAME_LIMIT = 64


def _whole_characters(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


PersonText = Annotated[str, Field(strict=True), AfterValidator(_whole_characters)]
Coordinate = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class TextAction(_Action):
    type: Literal["text"]
    text: PersonText


class PressAction(_Action):
    type: Literal["press"]
    message_id: Annotated[int, Field(strict=True)]
    data: Annotated[str, Field(strict=True)]


class LocationAction(_Action):
    type: Literal["location"]
    latitude: Annotated[Coordinate, Field(ge=-90, le=90)]
    longitude: Annotated[Coordinate, Field(ge=-180, le=180)]


class ContactAction(_Action):
    type: Literal["contact"]
    phone_number: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, pattern=PHONE.pattern)]
    first_name: Annotated[PersonText, AfterValidator(lambda name: name.strip()[:NAME_LIMIT])] = ""


class OlderAction(_Action):
    """The page scrolled back: the messages before `before`."""

    type: Literal["older"]
    before: Annotated[int, Field(strict=True)]


class SeenAction(_Action):
    """A visible page has shown its person the chat up to `message_id` (read marks, for the SMS port)."""

    type: Literal["seen"]
    message_id: Annotated[int, Field(strict=True, ge=0, lt=2**53)]


Action = TextAction | PressAction | LocationAction | ContactAction | OlderAction | SeenAction
ACTIONS: dict[str, type[Action]] = {
    "text": TextAction, "press": PressAction, "location": LocationAction, "contact": ContactAction,
    "older": OlderAction, "seen": SeenAction,
}


@dataclass(frozen=True)
class Invalid:
    """A known action whose values are wrong."""

    kind: type[Action]


def read_action(frame: str) -> Action | Invalid | None:
    try:
        data = json.loads(frame)
    except (ValueError, RecursionError):
        return None
    kind = ACTIONS.get(data.get("type")) if isinstance(data, dict) and isinstance(data.get("type"), str) else None
    if kind is None:
        return None
    try:
        return kind.model_validate(data)
    except ValidationError:
        return Invalid(kind)
