"""Moving through the intake: the draft in the chat state and one screen at a time — the privacy
notice, the invitation to describe, a question, a consent, the summary.

The draft lives in the chat state (`{"draft": Draft}`), so it survives restarts. Beside it the chat
state keeps which message carries the draft's live buttons: putting a new screen on takes the old
screen's buttons away (they would answer nothing now), so the chat never fills with dead buttons.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from bot.chat.conversations import mark_draft_start
from bot.chat.outbound import edit_text, remove_keyboard, send_text
from bot.clock import Clock, local_today
from bot.intake.draft import DESCRIPTION_LIMIT, Draft
from bot.intake.limitation import estimate, work_injury_deadline
from bot.intake.notices import due_notices
from bot.intake.prefill import prefill
from bot.intake.questions import QUESTIONS, AnswerType, Question
from bot.intake.validation import Problem, Verdict
from bot.people import Front
from bot.settings import Settings
from bot.understanding import understand
from handlers.intake.keyboards import (
    consent_keyboard,
    health_consent_keyboard,
    kind_keyboard,
    question_keyboard,
    reply_keyboard,
    summary_keyboard,
)
from handlers.intake.texts import (
    description_invitation,
    first_words_offer,
    health_consent_text,
    notice_text,
    privacy_notice,
    problem_text,
    question_text,
    summary_text,
    understood_text,
    warning,
)

# Beside the draft in the chat state: the message whose inline buttons are live, and a complaint the
# worker wrote before the notice (kept only until they answer the notice).
LIVE_KEYBOARD_KEY = "live_keyboard"
FIRST_WORDS_KEY = "first_words"
# Beside a draft staff fill in for a worker who is not in this chat (a case taken at the counter, see
# handlers/counter.py): what of the taking the filing records. Its presence means the person typing
# is not the worker: nothing is offered to share from this phone, and the worker's consents are
# recorded for the worker when the case is filed, not for the person typing.
ON_BEHALF_KEY = "on_behalf"


class Intake(StatesGroup):
    consent = State()    # the privacy notice is on screen; nothing of the complaint is kept yet
    describe = State()   # waiting for the worker's own words (or a kind button)
    answering = State()  # one question on screen: the draft's `pending`
    sensitive = State()  # the separate consent for sensitive details is on screen
    summary = State()    # every answer with an edit button; submit


DRAFT_STATES = (Intake.describe, Intake.answering, Intake.sensitive, Intake.summary)


def today_of(clock: Clock, settings: Settings) -> date:
    return local_today(clock, settings.zone)


def before(first: str | None, text: str) -> str:
    """A screen's text after what must be said first (what was wrong, what was received), if anything."""
    return f"{first}\n\n{text}" if first else text


# --- the chat state ---------------------------------------------------------------------------------

async def load_draft(state: FSMContext) -> Draft | None:
    data = await state.get_data()
    return Draft.model_validate(data["draft"]) if "draft" in data else None


async def save_draft(state: FSMContext, draft: Draft) -> None:
    await state.update_data(draft=draft.model_dump(mode="json"))


async def on_behalf(state: FSMContext) -> bool:
    """The draft is filled in by staff for a worker who is not in this chat."""
    return ON_BEHALF_KEY in await state.get_data()


async def take_first_words(state: FSMContext) -> str | None:
    """The complaint written before the notice, once: it leaves the chat state as it is used."""
    data = await state.get_data()
    words = data.pop(FIRST_WORDS_KEY, None)
    if words is not None:
        await state.set_data(data)
    return words


# --- one live keyboard ------------------------------------------------------------------------------

async def show(bot: Bot, chat_id: int, state: FSMContext, text: str, keyboard: InlineKeyboardMarkup) -> Message:
    """Put a screen with buttons on; the previous screen's buttons go."""
    live = (await state.get_data()).get(LIVE_KEYBOARD_KEY)
    if live is not None:
        # Too old to edit, or gone: either way its buttons answer nothing any more.
        with suppress(TelegramBadRequest):
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=live, reply_markup=None)
    sent = await send_text(bot, chat_id, text, reply_markup=keyboard)
    await state.update_data({LIVE_KEYBOARD_KEY: sent.message_id})
    return sent


async def answered(callback: CallbackQuery, state: FSMContext, text: str | None = None) -> None:
    """The pressed screen shows what was chosen (`text`) or just loses its buttons."""
    if not isinstance(callback.message, Message):
        return
    if text is None:
        await remove_keyboard(callback.message)
    else:
        await edit_text(callback.message, text)
    if (await state.get_data()).get(LIVE_KEYBOARD_KEY) == callback.message.message_id:
        await state.update_data({LIVE_KEYBOARD_KEY: None})


# --- screens ----------------------------------------------------------------------------------------

async def offer_notice(bot: Bot, chat_id: int, state: FSMContext, front: Front, *, starts_at: int | None = None,
                       first: str | None = None) -> None:
    """The privacy notice with its consent buttons; `starts_at`: the message the draft's part of the
    conversation begins with (the notice itself when not given)."""
    await state.set_state(Intake.consent)
    sent = await show(bot, chat_id, state, before(first, privacy_notice(front)), consent_keyboard())
    await mark_draft_start(state, starts_at if starts_at is not None else sent.message_id)


async def drop_reply_keyboard(bot: Bot, chat_id: int, draft: Draft) -> None:
    """The share-contact or share-location keyboard goes away once its question is left."""
    if draft.reply_keyboard:
        await send_text(bot, chat_id, _("Thank you."), reply_markup=ReplyKeyboardRemove())
        draft.reply_keyboard = False


async def ask(bot: Bot, chat_id: int, state: FSMContext, draft: Draft, question: Question,
              first: str | None = None) -> None:
    """Put `question` on screen, after `first` (what was wrong with the last answer, say)."""
    draft.pending = question.code
    # Asked again (Back, or an edit from the summary) after a refusal: the consent comes first again.
    if question.sensitive and draft.sensitive_consent is not True:
        await ask_health_consent(bot, chat_id, state, draft, first)
        return
    needs_reply_keyboard = question.type in (AnswerType.PHONE, AnswerType.PLACE) and not await on_behalf(state)
    if not needs_reply_keyboard:
        await drop_reply_keyboard(bot, chat_id, draft)
    await state.set_state(Intake.answering)
    await show(bot, chat_id, state, before(first, question_text(question.code, draft)),
               question_keyboard(question, draft))
    if needs_reply_keyboard:
        hint = (_("Or tap the button below to share the number of this phone.")
                if question.type is AnswerType.PHONE else
                _("Or tap the button below to share your location."))
        await send_text(bot, chat_id, hint, reply_markup=reply_keyboard(question))
        draft.reply_keyboard = True
    await save_draft(state, draft)


async def ask_health_consent(bot: Bot, chat_id: int, state: FSMContext, draft: Draft,
                             first: str | None = None) -> None:
    await state.set_state(Intake.sensitive)
    await save_draft(state, draft)
    await show(bot, chat_id, state, before(first, health_consent_text()), health_consent_keyboard())


async def proceed(bot: Bot, chat_id: int, state: FSMContext, draft: Draft, today: date,
                  first: str | None = None) -> None:
    """After a change: the advice it calls for, then the next open question, or the summary."""
    limitation = estimate(draft, today)
    for notice in due_notices(draft, today):
        if text := notice_text(notice, limitation, injury_deadline=work_injury_deadline(draft)):
            await send_text(bot, chat_id, text)
    while (question := draft.next_question()) is not None:
        if question.sensitive and draft.sensitive_consent is False:
            draft.skip(question.code)
            continue
        await ask(bot, chat_id, state, draft, question, first)
        return
    await show_summary(bot, chat_id, state, draft, today, first)


async def show_summary(bot: Bot, chat_id: int, state: FSMContext, draft: Draft, today: date,
                       first: str | None = None) -> None:
    await drop_reply_keyboard(bot, chat_id, draft)
    draft.pending = None
    await state.set_state(Intake.summary)
    await save_draft(state, draft)
    await show(bot, chat_id, state, before(first, summary_text(draft, today)), summary_keyboard(draft))


async def invite_description(bot: Bot, chat_id: int, state: FSMContext, draft: Draft,
                             first: str | None = None) -> None:
    await drop_reply_keyboard(bot, chat_id, draft)
    draft.pending = None
    await state.set_state(Intake.describe)
    await save_draft(state, draft)
    await show(bot, chat_id, state, before(first, description_invitation()), kind_keyboard())


async def resume(bot: Bot, chat_id: int, state: FSMContext, draft: Draft, today: date,
                 first: str | None = None) -> None:
    """Put the draft back on screen where the worker left it (after `first`, if given)."""
    current = await state.get_state()
    if current == Intake.summary.state:
        await show_summary(bot, chat_id, state, draft, today, first)
    elif current == Intake.describe.state:
        await invite_description(bot, chat_id, state, draft, first)
    elif draft.pending is not None:
        await ask(bot, chat_id, state, draft, QUESTIONS[draft.pending], first)
    elif draft.kind is None and not draft.answers:
        await invite_description(bot, chat_id, state, draft, first)
    else:
        await proceed(bot, chat_id, state, draft, today, first)


async def filling_in_a_complaint(state: FSMContext) -> bool:
    return await state.get_state() in Intake.__all_states_names__


async def take_up_again(bot: Bot, chat_id: int, state: FSMContext, today: date, front: Front,
                        first: str | None = None) -> bool:
    """Put an open intake back on screen (after /cancel was not confirmed, say); False when the chat
    is not filling in a complaint."""
    current = await state.get_state()
    if current == Intake.consent.state:
        offered = first_words_offer() if FIRST_WORDS_KEY in await state.get_data() else None
        await offer_notice(bot, chat_id, state, front, first=first or offered)
        return True
    draft = await load_draft(state)
    if draft is None or current not in {step.state for step in DRAFT_STATES}:
        return False
    await resume(bot, chat_id, state, draft, today, first)
    return True


async def take_description(bot: Bot, chat_id: int, state: FSMContext, draft: Draft, text: str,
                           today: date) -> None:
    """The worker's own words: what can be read from them is filled in, then only the rest is asked."""
    text = text.strip()
    if not text or len(text) > DESCRIPTION_LIMIT:
        problem = Verdict(problem=Problem.TOO_LONG if text else Problem.EMPTY, limit=DESCRIPTION_LIMIT)
        await invite_description(bot, chat_id, state, draft, warning(problem_text(problem)))
        return
    draft.description = text
    filled = prefill(draft, understand(text, today), today)
    await send_text(bot, chat_id, understood_text(draft, filled))
    await proceed(bot, chat_id, state, draft, today)
