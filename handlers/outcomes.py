"""The worker's side of what follows a mediation: the agreement's papers (DOCX and PDF), the question
whether each agreed payment came, and the rating of the service with an optional comment. The notices
these flows start are rendered here too (`templates()`, merged into the outbox sender's)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.cases import Payment, Refusal
from bot.chat.outbound import remove_keyboard, send_text
from bot.chat.outbox_sender import OutboxSender, Template
from bot.chat.telegram_html import escape
from bot.documents import CLAIM_KIND_LABELS, ClaimKind, files, punctuation
from bot.outcomes import (
    ANSWERS,
    COMMENT_LIMIT,
    AgreementEffectiveParams,
    Declined,
    OutcomeNotice,
    OutcomeRefusal,
    OutcomeResult,
    OutcomeService,
    PaymentAnsweredParams,
    PaymentMissedParams,
    PaymentQuestionParams,
    Rating,
    RatingParams,
    Remedy,
    TermFacts,
)
from bot.people import Person
from bot.routing.service import RoutingService
from handlers.case_texts import answer_label, rating_label, refusal_text
from handlers.followup import follow_up_keyboard
from handlers.intake.texts import locale as current_locale
from handlers.intake.texts import show_date, show_money


class PaymentReply(CallbackData, prefix="op"):
    term: int
    a: str    # paid, partly_paid, not_paid


class RateCase(CallbackData, prefix="or"):
    case: int
    r: str    # a Rating


class RatingNote(CallbackData, prefix="oc"):
    case: int


class PapersButton(CallbackData, prefix="od"):
    case: int


class RatingStep(StatesGroup):
    comment = State()


COMMENT_KEY = "rating_comment_case"


# --- Words ------------------------------------------------------------------------------------------

def term_line(term: TermFacts) -> str:
    what = escape(term.description)
    if term.kind is not ClaimKind.OTHER:
        what = punctuation(current_locale()).bracketed(what, _(CLAIM_KIND_LABELS[term.kind]))
    if term.amount is not None and term.due_on is not None:
        return _("{what}: {amount}, due by {date}").format(what=what, amount=show_money(term.amount),
                                                           date=show_date(term.due_on))
    return what


def remedy_text(remedy: Remedy) -> str:
    return {
        Remedy.PAYMENT_ORDER: _(
            "• <b>Payment order (支付令)</b>: take the mediation agreement to the basic-level people's court with "
            "jurisdiction (usually where the employer is) and apply for a payment order (Labour Dispute Mediation "
            "and Arbitration Law, Art. 16)."),
        Remedy.ARBITRATION: _(
            "• <b>Arbitration</b>: you may apply to the labour dispute arbitration committee because the "
            "agreement was not performed (Art. 15). Your mediator has been told and can help you prepare the "
            "application."),
    }[remedy]


def outcome_refusal_text(reason: Refusal | OutcomeRefusal, declined: Declined) -> str:
    if isinstance(reason, Refusal):
        return refusal_text(reason, declined.case)
    return {
        OutcomeRefusal.NO_AGREEMENT: _("No agreement has been recorded for this case yet."),
        OutcomeRefusal.BAD_DATE: _("That date cannot be right: not in the future, nor before the agreement was "
                                   "made."),
        OutcomeRefusal.NOT_ASKED: _("There is nothing to rate here yet."),
        OutcomeRefusal.ALREADY_RATED: _("You have already rated this case. Thank you!"),
        OutcomeRefusal.ALREADY_ANSWERED: _("Your answer was already recorded."),
    }[reason]


# --- Keyboards --------------------------------------------------------------------------------------

def payment_keyboard(term_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for answer in ANSWERS:
        builder.button(text=answer_label(answer), callback_data=PaymentReply(term=term_id, a=answer))
    return builder.adjust(1).as_markup()


def rating_keyboard(case_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for rating in Rating:
        builder.button(text=rating_label(rating), callback_data=RateCase(case=case_id, r=rating))
    return builder.adjust(1).as_markup()


def papers_keyboard(case_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📄 The agreement (DOCX and PDF)"), callback_data=PapersButton(case=case_id))
    return builder.as_markup()


# --- Notices ----------------------------------------------------------------------------------------

def agreement_effective_text(notice: AgreementEffectiveParams) -> tuple[str, InlineKeyboardMarkup]:
    confirm_by = show_date(notice.confirm_by)
    if notice.provisional:
        confirm_by = _("{date} (provisional: next year's holidays are not published yet)").format(date=confirm_by)
    lines = [_("✅ The mediation agreement of case {number} took effect on {date}. It binds you and the employer."
               ).format(number=notice.number, date=show_date(notice.effective_on)),
             _("You and the employer may apply together to the labour dispute arbitration committee to review and "
               "confirm it (仲裁审查确认) by {date}. Once confirmed, the committee issues a mediation statement "
               "(调解书) that a court can enforce. Your mediator can tell you how.").format(date=confirm_by)]
    if notice.payments:
        lines.append(_("I will ask you whether each payment came:"))
        lines += [_("• {term}: I will ask on {date}").format(term=term_line(term), date=show_date(asked))
                  for term, asked in zip(notice.payments, notice.asked_on, strict=True)]
    return "\n".join(lines), papers_keyboard(notice.case_id)


def payment_question_text(notice: PaymentQuestionParams) -> tuple[str, InlineKeyboardMarkup]:
    return _("💰 Case {number}: under the agreement — {term}. Did the employer pay it?").format(
        number=notice.number, term=term_line(notice.term)), payment_keyboard(notice.term.term_id)


def payment_answered_text(notice: PaymentAnsweredParams) -> str:
    if notice.answer is Payment.PAID:
        return _("Thank you: recorded as paid ({term}).").format(term=term_line(notice.term))
    lines = [_("Recorded: {answer} ({term}). What you can do now:").format(
        answer=answer_label(notice.answer), term=term_line(notice.term))]
    lines += [remedy_text(remedy) for remedy in notice.remedies]
    return "\n".join(lines)


def payment_missed_text(notice: PaymentMissedParams) -> str:
    return _("⚠️ Case {number}: the worker says this term of the agreement was not (fully) paid — {term}: "
             "{answer}. They were told how to apply for arbitration and, for wages, injury medical costs, "
             "compensation or damages, for a payment order. Please contact the employer.").format(
        number=notice.number, term=term_line(notice.term), answer=answer_label(notice.answer))


def rating_question_text(notice: RatingParams) -> tuple[str, InlineKeyboardMarkup]:
    return _("How satisfied are you with how case {number} was handled? Your answer helps the district "
             "improve the service.").format(number=notice.number), rating_keyboard(notice.case_id)


def rated_text(notice: RatingParams) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✍️ Add a comment"), callback_data=RatingNote(case=notice.case_id))
    return _("Thank you for rating case {number}: {rating}. You may add a comment if you like.").format(
        number=notice.number, rating=rating_label(notice.rating or Rating.SATISFIED)), builder.as_markup()


def low_rating_text(notice: RatingParams) -> tuple[str, InlineKeyboardMarkup]:
    """With the button that opens the case and its follow-up (handlers/overdue.py)."""
    rating = rating_label(notice.rating or Rating.DISSATISFIED)
    if notice.commented:
        return _("⚠️ The worker of case {number} (rated “{rating}”) added a comment; it is on the case.").format(
            number=notice.number, rating=rating), follow_up_keyboard(notice.case_id)
    return _("⚠️ Case {number} was rated “{rating}” by the worker. Please follow it up.").format(
        number=notice.number, rating=rating), follow_up_keyboard(notice.case_id)


def templates() -> Mapping[str, Template]:
    """This module's notices, by key, for the outbox sender (beside handlers.notices.templates)."""
    return {
        OutcomeNotice.AGREEMENT_EFFECTIVE: lambda params, _locale: agreement_effective_text(
            AgreementEffectiveParams.model_validate(params)),
        OutcomeNotice.PAYMENT_QUESTION: lambda params, _locale: payment_question_text(
            PaymentQuestionParams.model_validate(params)),
        OutcomeNotice.PAYMENT_ANSWERED: lambda params, _locale: payment_answered_text(
            PaymentAnsweredParams.model_validate(params)),
        OutcomeNotice.PAYMENT_MISSED: lambda params, _locale: payment_missed_text(
            PaymentMissedParams.model_validate(params)),
        OutcomeNotice.RATING_QUESTION: lambda params, _locale: rating_question_text(
            RatingParams.model_validate(params)),
        OutcomeNotice.RATED: lambda params, _locale: rated_text(RatingParams.model_validate(params)),
        OutcomeNotice.LOW_RATING: lambda params, _locale: low_rating_text(RatingParams.model_validate(params)),
    }


# --- Handlers ---------------------------------------------------------------------------------------

def router() -> Router:
    r = Router(name="outcomes")

    async def declined(callback: CallbackQuery, result: Declined) -> None:
        await callback.answer(outcome_refusal_text(result.reason, result)[:200], show_alert=True)

    async def answered(callback: CallbackQuery, result: OutcomeResult, outbox: OutboxSender) -> None:
        """A worker's one-tap answer: refused with the reason, or its question closed and the replies sent."""
        if isinstance(result, Declined):
            await declined(callback, result)
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        await outbox.deliver_now(result.replies)

    @r.callback_query(PaymentReply.filter(F.a.in_(tuple(ANSWERS))))
    async def payment_answered(callback: CallbackQuery, callback_data: PaymentReply, person: Person,
                               outcomes: OutcomeService, outbox: OutboxSender) -> None:
        await answered(callback, await outcomes.answer_payment(person, callback_data.term, Payment(callback_data.a)),
                       outbox)

    @r.callback_query(RateCase.filter(F.r.in_(tuple(Rating))))
    async def rated(callback: CallbackQuery, callback_data: RateCase, person: Person, outcomes: OutcomeService,
                    outbox: OutboxSender) -> None:
        await answered(callback, await outcomes.rate(person, callback_data.case, Rating(callback_data.r)), outbox)

    @r.callback_query(RatingNote.filter())
    async def ask_comment(callback: CallbackQuery, callback_data: RatingNote, bot: Bot, state: FSMContext) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        await state.update_data({COMMENT_KEY: {"case": callback_data.case, "resume": await state.get_state()}})
        await state.set_state(RatingStep.comment)
        await send_text(bot, callback.from_user.id, _(
            "Please write your comment in one message (at most {limit} characters), or send /cancel.").format(
            limit=COMMENT_LIMIT))

    async def leave_comment_step(state: FSMContext) -> None:
        data = await state.get_data()
        step = data.pop(COMMENT_KEY, {})
        await state.set_data(data)
        await state.set_state(step.get("resume"))  # back to what the chat was doing (an open draft, say)

    @r.message(RatingStep.comment, Command("cancel"))
    async def no_comment(message: Message, state: FSMContext) -> None:
        await leave_comment_step(state)
        await message.answer(_("No comment added. Thank you for your rating."))

    @r.message(RatingStep.comment, F.text & ~F.text.startswith("/"))
    async def commented(message: Message, bot: Bot, state: FSMContext, person: Person,
                        outcomes: OutcomeService) -> None:
        text = (message.text or "").strip()
        if len(text) > COMMENT_LIMIT:
            await send_text(bot, message.chat.id, _("Please keep the comment to at most {limit} characters.").format(
                limit=COMMENT_LIMIT))
            return
        case_id = (await state.get_data()).get(COMMENT_KEY, {}).get("case")
        await leave_comment_step(state)
        result = await outcomes.comment(person, case_id, text) if case_id is not None else None
        if result is None or isinstance(result, Declined):
            await send_text(bot, message.chat.id, _("This case was not found."))
            return
        await send_text(bot, message.chat.id, _("Thank you: your comment was recorded."))

    @r.message(RatingStep.comment, ~F.text)
    async def comment_not_text(message: Message, bot: Bot) -> None:
        await send_text(bot, message.chat.id, _("Please type the comment as text, or send /cancel."))

    @r.callback_query(PapersButton.filter())
    async def papers(callback: CallbackQuery, callback_data: PapersButton, bot: Bot, person: Person,
                     outcomes: OutcomeService, routing: RoutingService, locale: str) -> None:
        found = await outcomes.papers(person, callback_data.case, lambda centre: routing.centre_name(centre, locale),
                                      locale)
        if found is None:
            await callback.answer(_("This case was not found."), show_alert=True)
            return
        await callback.answer(_("Preparing the documents…"))
        # The PDF's font takes about half a second to subset: off the event loop, so other chats go on.
        documents = await asyncio.to_thread(files, found.layout, found.stem)
        for document in documents:
            await bot.send_document(callback.from_user.id, BufferedInputFile(document.content, filename=document.name))

    return r
