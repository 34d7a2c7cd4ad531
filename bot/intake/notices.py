"""Advice an answer calls for, given once: the limitation estimate, the occupational-injury scheme
for platform workers and work-injury recognition (工伤认定) beside it, the crowdsourcing caveat, and
the collective-dispute escalation."""

from __future__ import annotations

from datetime import date

from bot.cases import DisputeKind
from bot.intake.collective import COLLECTIVE_WORKERS
from bot.intake.draft import Draft, Notice
from bot.intake.limitation import estimate


def due_notices(draft: Draft, today: date) -> list[Notice]:
    """Notices now called for and not yet given; marks them as given."""
    answers = draft.answers
    platform = draft.kind is DisputeKind.PLATFORM
    called_for = {
        Notice.LIMITATION: estimate(draft, today) is not None,
        Notice.INJURY_SCHEME: platform and answers.get("platform_issue") == "injury",
        # After the injury's date, so the notice can count the year from it; a skipped date gives none.
        Notice.WORK_INJURY: platform and answers.get("platform_issue") == "injury"
        and ("incident_date" in answers or "incident_date" in draft.skipped),
        Notice.CROWDSOURCED: platform and answers.get("relation") == "crowd",
        Notice.COLLECTIVE: isinstance(workers := answers.get("workers_affected"), int)
        and workers >= COLLECTIVE_WORKERS,
    }
    due = [notice for notice, needed in called_for.items() if needed and notice not in draft.notices]
    draft.notices.extend(due)
    return due
