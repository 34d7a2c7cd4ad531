"""Collective disputes: escalated at once (DOMAIN.md: collective wage claims must be escalated).

Art. 7: ten or more workers with a common claim form a collective case. Several separate
complaints against one employer within a month point the same way, so they raise the same alert.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

COLLECTIVE_WORKERS = 10
REPEAT_WINDOW_DAYS = 30
REPEAT_COMPLAINTS = 3

# Legal-form words that workers include or leave out at will ("XX建筑" vs "XX建筑有限公司").
_LEGAL_FORMS = ("有限责任公司", "股份有限公司", "有限公司", "分公司", "公司", "co ltd", "company", "ltd", "inc")
_NOT_A_NAME_CHAR = re.compile(r"[\W_]+")


class AlertReason(StrEnum):
    COLLECTIVE = "collective"              # ten or more workers affected
    REPEATED_EMPLOYER = "repeated_employer"  # the third complaint against one employer in 30 days


def employer_key(name: str) -> str:
    """A name as compared between complaints: width, case, spaces, punctuation and legal form ignored."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    folded = _NOT_A_NAME_CHAR.sub(" ", folded).strip()
    for form in _LEGAL_FORMS:
        if folded.endswith(form) and len(folded) > len(form):
            folded = folded[: -len(form)]
            break
    return folded.replace(" ", "")


def alert_reasons(workers_affected: int | None, earlier_complaints_against_employer: int) -> list[AlertReason]:
    reasons = []
    if workers_affected is not None and workers_affected >= COLLECTIVE_WORKERS:
        reasons.append(AlertReason.COLLECTIVE)
    if earlier_complaints_against_employer + 1 >= REPEAT_COMPLAINTS:
        reasons.append(AlertReason.REPEATED_EMPLOYER)
    return reasons
