"""The intake's buttons: what each press carries (ids and codes, never names) and the keyboards."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.cases import DisputeKind
from bot.intake.draft import Draft
from bot.intake.questions import AnswerType, Question
from handlers.intake.texts import choice_label, field_label, kind_label, large_count_button


class PrivacyConsent(CallbackData, prefix="ic"):
    agreed: bool


class Answer(CallbackData, prefix="ia"):
    q: str   # question code
    v: str   # choice code


class Step(CallbackData, prefix="is"):
    act: str         # back, skip, edit, submit
    q: str = ""


class HealthConsent(CallbackData, prefix="iz"):
    agreed: bool


class UseLocation(CallbackData, prefix="il"):
    # The coordinates ride on the button, so nothing is kept before the worker agrees.
    lat: float
    lon: float


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[index:index + 2] for index in range(0, len(buttons), 2)]


def consent_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("✅ I agree"), callback_data=PrivacyConsent(agreed=True).pack()),
        InlineKeyboardButton(text=_("No, thanks"), callback_data=PrivacyConsent(agreed=False).pack()),
    ]])


def kind_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=kind_label(kind), callback_data=Answer(q="kind", v=kind).pack())]
        for kind in DisputeKind
    ])


def question_keyboard(question: Question, draft: Draft) -> InlineKeyboardMarkup:
    code = question.code
    values = ("yes", "no") if question.type is AnswerType.YES_NO else question.choices
    buttons = [
        InlineKeyboardButton(text=_("Yes") if value == "yes" else _("No") if value == "no"
                             else choice_label(code, value), callback_data=Answer(q=code, v=value).pack())
        for value in values
    ]
    navigation = [InlineKeyboardButton(text=_("⬅️ Back"), callback_data=Step(act="back").pack())]
    if question.optional(draft.kind):
        navigation.append(InlineKeyboardButton(text=_("Skip ➡️"), callback_data=Step(act="skip", q=code).pack()))
    return InlineKeyboardMarkup(inline_keyboard=[*_pairs(buttons), navigation])


def large_count_keyboard(question: Question, count: int) -> InlineKeyboardMarkup:
    """The one button that confirms an implausibly large head count."""
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=large_count_button(count), callback_data=Answer(q=question.code, v=str(count)).pack())]])


def summary_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    edits = [
        InlineKeyboardButton(text="✏️ " + field_label(question.code, draft.kind),
                             callback_data=Step(act="edit", q=question.code).pack())
        for question in draft.questions()
    ]
    rows = _pairs(edits)
    rows.append([InlineKeyboardButton(text=_("✅ Submit the complaint"), callback_data=Step(act="submit").pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def reply_keyboard(question: Question) -> ReplyKeyboardMarkup:
    if question.type is AnswerType.PHONE:
        button = KeyboardButton(text=_("📱 Share my phone number"), request_contact=True)
    else:
        button = KeyboardButton(text=_("📍 Share my location"), request_location=True)
    return ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True, one_time_keyboard=True)


def health_consent_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("Yes, I agree"), callback_data=HealthConsent(agreed=True).pack()),
        InlineKeyboardButton(text=_("No, skip this question"), callback_data=HealthConsent(agreed=False).pack()),
    ]])


def location_consent_keyboard(where: UseLocation) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=_("Yes, use my location"), callback_data=where.pack())]])
