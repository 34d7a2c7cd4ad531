"""The supervisors' events in words, and the button that opens a low rating's follow-up. Kept apart from
handlers/overdue.py (the journeys) so that handlers/case_texts.py (the timeline) and handlers/outcomes.py
(the low-rating alert) can use them without an import cycle."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.cases.model import CaseEvent
from bot.overdue import FollowUpStep, SupervisionEvent, Watch


class FollowUpOpen(CallbackData, prefix="fo"):
    id: int   # the case


class FollowUpDo(CallbackData, prefix="fd"):
    id: int
    s: str    # a FollowUpStep


def watch_name(watch: Watch) -> str:
    return {
        Watch.ACKNOWLEDGEMENT: _("acceptance by a mediator"),
        Watch.MEDIATION_PERIOD: _("15-day mediation period (Art. 14)"),
        Watch.PLATFORM_MEDIATION_CLOSE: _("platform-work mediation limit"),
        Watch.ACCEPTANCE_DECISION: _("decision on accepting the arbitration application"),
        Watch.ARBITRATION_CLOSE: _("arbitration limit (Art. 43)"),
        Watch.INSPECTION_CLOSE: _("labour inspection limit"),
        Watch.PAYMENT_CHECK: _("payment check (the worker has not said the payment came)"),
    }[watch]


def step_label(step: FollowUpStep) -> str:
    return {
        FollowUpStep.CALLED_WORKER: _("📞 Called the worker"),
        FollowUpStep.REVIEWED_MEDIATOR: _("🔍 Reviewed the mediator's handling"),
        FollowUpStep.CLOSED: _("✅ Follow-up closed"),
        FollowUpStep.NOTE: _("✍️ Add a note"),
    }[step]


def follow_up_keyboard(case_id: int) -> InlineKeyboardMarkup:
    """The low-rating alert's button: the case and its follow-up."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔎 Open the case to follow up"), callback_data=FollowUpOpen(id=case_id))
    return builder.as_markup()


def supervision_event_text(event: CaseEvent) -> str | None:
    """A timeline line for this module's events (None: not one of them). A note stays off the timeline."""
    if event.type == SupervisionEvent.REMINDED:
        return _("A supervisor reminded the staff of a time limit")
    if event.type == SupervisionEvent.FOLLOWED_UP:
        step = event.payload.get("step")
        return {
            FollowUpStep.CALLED_WORKER: _("A supervisor called the worker about the rating"),
            FollowUpStep.REVIEWED_MEDIATOR: _("A supervisor reviewed how the case was handled"),
            FollowUpStep.CLOSED: _("A supervisor closed the follow-up of the rating"),
        }.get(step, _("A supervisor added a note on the follow-up"))
    return None
