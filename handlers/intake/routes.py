"""The intake's handlers: each reads one message or press, then moves the flow or calls one service.

While a draft is open, plain messages go to it; a filter supplies the draft (and the question on
screen) to the handlers that need one, and a chat state without them is answered, never an error.
Nothing of the complaint is kept before the worker consents.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from bot.accounts import AccountService
from bot.chat.conversations import ForgetChat, abandon_draft
from bot.chat.drafts import ChatDraftSlot
from bot.chat.filters import HasRole
from bot.chat.outbound import send_text
from bot.chat.outbox_sender import OutboxSender
from bot.chat.telegram_html import escape
from bot.clock import Clock
from bot.evidence import EvidenceService
from bot.intake.draft import PRIVACY_NOTICE_VERSION, ConsentPurpose, Draft
from bot.intake.questions import QUESTIONS, AnswerType, Question
from bot.intake.validation import check_coordinates, check_phone
from bot.intake_service import IntakeService
from bot.people import Front, Person, Role
from bot.settings import Settings
from bot.understanding import understand
from handlers.case_step import leave_case_step
from handlers.intake.answers import button_value, read_answer
from handlers.intake.flow import (
    DRAFT_STATES,
    FIRST_WORDS_KEY,
    Intake,
    answered,
    ask,
    ask_health_consent,
    invite_description,
    load_draft,
    offer_notice,
    on_behalf,
    proceed,
    resume,
    show,
    show_summary,
    take_description,
    take_first_words,
    today_of,
)
from handlers.intake.keyboards import (
    Answer,
    HealthConsent,
    PrivacyConsent,
    Step,
    UseLocation,
    consent_keyboard,
    large_count_keyboard,
    location_consent_keyboard,
)
from handlers.intake.texts import (
    answer_text,
    declined_text,
    evidence_from,
    evidence_received_text,
    evidence_refusal_text,
    first_words_offer,
    large_count_text,
    location_consent_text,
    lost_draft_text,
    not_text_problem,
    notice_reminder,
    problem_text,
    stale_button_text,
    summary_hint,
    unknown_command_text,
    warning,
    wording,
)
from handlers.menu import MenuAction


class OpenDraft(Filter):
    """Passes when the chat state holds a draft, and supplies it as `draft`; with `asking`, only while a
    question is on screen, supplied as `question`."""

    def __init__(self, *, asking: bool = False) -> None:
        self.asking = asking

    async def __call__(self, event: TelegramObject, state: FSMContext) -> bool | dict[str, Any]:
        draft = await load_draft(state)
        if draft is None:
            return False
        if not self.asking:
            return {"draft": draft}
        if draft.pending is None:
            return False
        return {"draft": draft, "question": QUESTIONS[draft.pending]}


async def reads_as_complaint(message: Message, clock: Clock, settings: Settings) -> bool:
    """A message that tells a dispute of a kind the intake knows (unpaid wages, a contract, platform work)."""
    return message.text is not None and understand(message.text, today_of(clock, settings)).kind is not None


def front_of(bot: Bot, fronts: dict[int, Front]) -> Front:
    return fronts.get(bot.id, Front.TELEGRAM)


def router() -> Router:
    r = Router(name="intake")

    async def start(bot: Bot, chat_id: int, state: FSMContext, clock: Clock, settings: Settings, front: Front,
                    starts_at: int | None) -> None:
        await leave_case_step(state)
        draft = await load_draft(state)
        if draft is not None:
            await send_text(bot, chat_id, _("Welcome back: your complaint is as you left it."))
            await resume(bot, chat_id, state, draft, today_of(clock, settings))
            return
        await offer_notice(bot, chat_id, state, front, starts_at=starts_at)

    @r.message(Command("new"))
    async def new_command(message: Message, bot: Bot, state: FSMContext, clock: Clock, settings: Settings,
                          fronts: dict[int, Front]) -> None:
        await start(bot, message.chat.id, state, clock, settings, front_of(bot, fronts), message.message_id)

    @r.callback_query(MenuAction.filter(F.action == "new"))
    async def new_button(callback: CallbackQuery, bot: Bot, state: FSMContext, clock: Clock, settings: Settings,
                         fronts: dict[int, Front]) -> None:
        await callback.answer()
        await start(bot, callback.from_user.id, state, clock, settings, front_of(bot, fronts), None)

    @r.message(StateFilter(None), F.text & ~F.text.startswith("/"), HasRole(Role.WORKER), reads_as_complaint)
    async def complaint_before_new(message: Message, bot: Bot, state: FSMContext, fronts: dict[int, Front]) -> None:
        """A complaint written before /new: offered to be filed as it is, once the worker consents."""
        await state.update_data({FIRST_WORDS_KEY: message.text})
        await offer_notice(bot, message.chat.id, state, front_of(bot, fronts), starts_at=message.message_id,
                           first=first_words_offer())

    # --- consent -----------------------------------------------------------------------------
    @r.callback_query(PrivacyConsent.filter(F.agreed), Intake.consent)
    async def agreed(callback: CallbackQuery, bot: Bot, state: FSMContext, person: Person, accounts: AccountService,
                     clock: Clock, settings: Settings) -> None:
        await callback.answer()
        await accounts.record_consent(person, ConsentPurpose.PRIVACY, PRIVACY_NOTICE_VERSION)
        await answered(callback, state)
        draft = Draft.new(clock.now())
        words = await take_first_words(state)
        if words is None:
            await invite_description(bot, callback.from_user.id, state, draft)
        else:
            await take_description(bot, callback.from_user.id, state, draft, words, today_of(clock, settings))

    @r.callback_query(PrivacyConsent.filter(~F.agreed), Intake.consent)
    async def declined(callback: CallbackQuery, bot: Bot, state: FSMContext, person: Person,
                       conversations: dict[Front, ForgetChat]) -> None:
        await callback.answer()
        await answered(callback, state)
        await abandon_draft(state, conversations, person)
        await send_text(bot, callback.from_user.id, declined_text())

    @r.message(Intake.consent)
    async def before_consent(message: Message, bot: Bot, state: FSMContext) -> None:
        await show(bot, message.chat.id, state, notice_reminder(), consent_keyboard())

    # --- evidence, at any point of a draft (before the other message handlers) ----------------
    @r.message(StateFilter(*DRAFT_STATES), F.photo | F.document, OpenDraft())
    async def evidence(message: Message, bot: Bot, state: FSMContext, draft: Draft, clock: Clock,
                       settings: Settings) -> None:
        number = len(draft.evidence) + 1
        item = evidence_from(message, number)
        refusal = draft.add_evidence(item)
        received = evidence_received_text(item, number) if refusal is None else evidence_refusal_text(
            refusal, item, number)
        # The receipt comes with the screen the worker was on, so what to do next is right below it.
        await resume(bot, message.chat.id, state, draft, today_of(clock, settings), received)

    # --- the worker's own words ---------------------------------------------------------------
    @r.message(StateFilter(Intake.describe, Intake.answering), F.text.startswith("/"))
    async def unknown_command(message: Message, bot: Bot) -> None:
        """A mistyped command is not an answer (the known ones are handled before this)."""
        await send_text(bot, message.chat.id, unknown_command_text(message.text.split()[0]))

    @r.message(Intake.describe, F.text, OpenDraft())
    async def described(message: Message, bot: Bot, state: FSMContext, draft: Draft, clock: Clock,
                        settings: Settings) -> None:
        await take_description(bot, message.chat.id, state, draft, message.text, today_of(clock, settings))

    @r.message(Intake.describe, OpenDraft())
    async def described_without_words(message: Message, bot: Bot, state: FSMContext, draft: Draft) -> None:
        await invite_description(bot, message.chat.id, state, draft, warning(not_text_problem()))

    # --- answers --------------------------------------------------------------------------------
    @r.message(Intake.answering, F.text, OpenDraft(asking=True))
    async def typed_answer(message: Message, bot: Bot, state: FSMContext, draft: Draft, question: Question,
                           clock: Clock, settings: Settings) -> None:
        today = today_of(clock, settings)
        verdict = read_answer(question, message.text, today, draft)
        if not verdict.ok:
            await ask(bot, message.chat.id, state, draft, question, warning(problem_text(verdict)))
            return
        if verdict.unsure and isinstance(verdict.value, int):  # an implausibly large count: confirmed first
            await show(bot, message.chat.id, state, large_count_text(verdict.value),
                       large_count_keyboard(question, verdict.value))
            return
        draft.answer(question.code, verdict.value)
        await proceed(bot, message.chat.id, state, draft, today)

    @r.message(Intake.answering, F.contact, OpenDraft(asking=True))
    async def shared_contact(message: Message, bot: Bot, state: FSMContext, draft: Draft, question: Question,
                             clock: Clock, settings: Settings) -> None:
        verdict = check_phone(message.contact.phone_number)
        if question.type is not AnswerType.PHONE or not verdict.ok:
            problem = problem_text(verdict) if question.type is AnswerType.PHONE else not_text_problem()
            await ask(bot, message.chat.id, state, draft, question, warning(problem))
            return
        draft.answer(question.code, verdict.value)
        await proceed(bot, message.chat.id, state, draft, today_of(clock, settings))

    @r.message(Intake.answering, F.location, OpenDraft(asking=True))
    async def shared_location(message: Message, bot: Bot, state: FSMContext, draft: Draft,
                              question: Question) -> None:
        if question.type is not AnswerType.PLACE:
            await ask(bot, message.chat.id, state, draft, question,
                      warning(_("A location does not answer this question; please type the answer.")))
            return
        point = check_coordinates(message.location.latitude, message.location.longitude)
        if not isinstance(point.value, dict):
            await ask(bot, message.chat.id, state, draft, question, warning(problem_text(point)))
            return
        await show(bot, message.chat.id, state, location_consent_text(),
                   location_consent_keyboard(UseLocation(**point.value)))

    @r.message(Intake.answering, OpenDraft(asking=True))
    async def unusable_answer(message: Message, bot: Bot, state: FSMContext, draft: Draft,
                              question: Question) -> None:
        await ask(bot, message.chat.id, state, draft, question, warning(not_text_problem()))

    @r.callback_query(Answer.filter(), StateFilter(Intake.describe, Intake.answering), OpenDraft())
    async def pressed_answer(callback: CallbackQuery, callback_data: Answer, bot: Bot, state: FSMContext,
                             draft: Draft, clock: Clock, settings: Settings) -> None:
        expected = draft.pending if await state.get_state() == Intake.answering.state else "kind"
        question = QUESTIONS.get(callback_data.q)
        value = button_value(question, callback_data.v) if question else None
        if question is None or callback_data.q != expected or value is None:
            await callback.answer(stale_button_text())
            return
        await callback.answer()
        await answered(callback, state, f"{escape(wording(question.code, draft.kind).prompt)}\n"
                                        f"✓ <b>{answer_text(question.code, value)}</b>")
        draft.answer(question.code, value)
        await proceed(bot, callback.from_user.id, state, draft, today_of(clock, settings))

    @r.callback_query(UseLocation.filter(), Intake.answering, OpenDraft(asking=True))
    async def location_agreed(callback: CallbackQuery, callback_data: UseLocation, bot: Bot, state: FSMContext,
                              draft: Draft, question: Question, person: Person, accounts: AccountService,
                              clock: Clock, settings: Settings) -> None:
        point = check_coordinates(callback_data.lat, callback_data.lon)  # the button's data can be forged
        if question.type is not AnswerType.PLACE or not point.ok:
            await callback.answer(stale_button_text())
            return
        await callback.answer()
        if not await on_behalf(state):
            await accounts.record_consent(person, ConsentPurpose.LOCATION, PRIVACY_NOTICE_VERSION)
        await answered(callback, state)
        draft.answer(question.code, point.value)
        await proceed(bot, callback.from_user.id, state, draft, today_of(clock, settings))

    # --- the separate consent for injury and health details -------------------------------------
    @r.callback_query(HealthConsent.filter(), Intake.sensitive, OpenDraft())
    async def health_consent(callback: CallbackQuery, callback_data: HealthConsent, bot: Bot, state: FSMContext,
                             draft: Draft, person: Person, accounts: AccountService, clock: Clock,
                             settings: Settings) -> None:
        await callback.answer()
        await answered(callback, state)
        draft.sensitive_consent = callback_data.agreed
        if callback_data.agreed and not await on_behalf(state):
            await accounts.record_consent(person, ConsentPurpose.HEALTH, PRIVACY_NOTICE_VERSION)
        await proceed(bot, callback.from_user.id, state, draft, today_of(clock, settings))

    @r.message(Intake.sensitive, OpenDraft())
    async def health_consent_pending(message: Message, bot: Bot, state: FSMContext, draft: Draft) -> None:
        await ask_health_consent(bot, message.chat.id, state, draft, _("Please tap one of the buttons first."))

    # --- back, skip, edit -------------------------------------------------------------------------
    @r.callback_query(Step.filter(F.act == "back"), StateFilter(*DRAFT_STATES), OpenDraft())
    async def back(callback: CallbackQuery, bot: Bot, state: FSMContext, draft: Draft) -> None:
        await callback.answer()
        previous = draft.step_back()
        if previous is None:
            await invite_description(bot, callback.from_user.id, state, draft)
        else:
            await ask(bot, callback.from_user.id, state, draft, QUESTIONS[previous])

    @r.callback_query(Step.filter(F.act == "skip"), Intake.answering, OpenDraft(asking=True))
    async def skip(callback: CallbackQuery, callback_data: Step, bot: Bot, state: FSMContext, draft: Draft,
                   question: Question, clock: Clock, settings: Settings) -> None:
        if callback_data.q != question.code or not question.optional(draft.kind):
            await callback.answer(stale_button_text())
            return
        await callback.answer()
        draft.skip(question.code)
        await proceed(bot, callback.from_user.id, state, draft, today_of(clock, settings))

    @r.callback_query(Step.filter(F.act == "edit"), Intake.summary, OpenDraft())
    async def edit(callback: CallbackQuery, callback_data: Step, bot: Bot, state: FSMContext, draft: Draft) -> None:
        if callback_data.q not in {question.code for question in draft.questions()}:
            await callback.answer(stale_button_text())
            return
        await callback.answer()
        await ask(bot, callback.from_user.id, state, draft, QUESTIONS[callback_data.q])

    # --- the summary and submission ---------------------------------------------------------------
    @r.callback_query(Step.filter(F.act == "submit"), Intake.summary, OpenDraft())
    async def submit(callback: CallbackQuery, bot: Bot, state: FSMContext, draft: Draft, person: Person,
                     intake: IntakeService, clock: Clock, settings: Settings, outbox: OutboxSender,
                     evidence: EvidenceService) -> None:
        await callback.answer()
        today = today_of(clock, settings)
        if draft.next_question() is not None:
            await proceed(bot, callback.from_user.id, state, draft, today)
            return
        await answered(callback, state)
        # One transaction files the case, removes the draft and queues every notice, the worker's
        # confirmation among them: a second tap, a redelivered update or a restart after the commit
        # files nothing more, and a confirmation that could not be sent now is sent by the outbox.
        submission = await intake.submit(draft, person, ChatDraftSlot(state), today=today)
        await outbox.deliver_now(submission.replies)
        if draft.evidence:
            evidence.fetch_soon(submission.case.id)  # into the evidence store; its job retries what fails

    @r.message(Intake.summary, OpenDraft())
    async def message_at_summary(message: Message, bot: Bot, state: FSMContext, draft: Draft, clock: Clock,
                                 settings: Settings) -> None:
        await show_summary(bot, message.chat.id, state, draft, today_of(clock, settings), summary_hint())

    # --- a draft state without its draft (or "answering" without a question): answered, not an error
    @r.message(StateFilter(*DRAFT_STATES))
    async def out_of_step(message: Message, bot: Bot, state: FSMContext, clock: Clock, settings: Settings) -> None:
        draft = await load_draft(state)
        if draft is None:
            await state.clear()
            await send_text(bot, message.chat.id, lost_draft_text())
            return
        await resume(bot, message.chat.id, state, draft, today_of(clock, settings))

    return r
