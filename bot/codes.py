"""One-time codes people read out or type (staff invitations, recovery): Crockford's base 32, shown in
groups of four, read back whatever the case, dashes or spaces, and O or I typed for 0 or 1."""

from __future__ import annotations

import secrets

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O or U to misread
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def read_code(typed: str, length: int) -> str | None:
    """The code of `length` characters in what a person typed or pasted, or None if it cannot be one."""
    code = "".join(typed.split()).replace("-", "").upper().translate(_MISREAD)
    if len(code) != length or not set(code) <= set(CODE_ALPHABET):
        return None
    return code


def shown_code(code: str) -> str:
    """In groups of four, to read out or type: K7M2-9QXD."""
    return "-".join(code[start:start + 4] for start in range(0, len(code), 4))
