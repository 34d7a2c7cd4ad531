"""Worker intake by chat: the privacy notice and consent, the worker's own words first, then only
the missing questions, one at a time, a summary with an edit button per answer, and submission.

The draft lives in the chat state (`{"draft": Draft}`), so it survives restarts; while it is open,
plain messages go to it. Nothing of the complaint is kept before the worker consents.
"""

from __future__ import annotations

import logging
from datetime import date

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _

from bot.cases import DisputeKind
from bot.chat.conversations import ForgetChat, forget_conversation
from bot.chat.drafts import ChatDraftSlot
from bot.chat.outbound import edit_text, remove_keyboard, send_text
from bot.chat.outbox_sender import OutboxSender
from bot.chat.telegram_html import escape
from bot.clock import Clock, local_today
from bot.intake.draft import (
    DESCRIPTION_LIMIT,
    EVIDENCE_COUNT_LIMIT,
    PRIVACY_NOTICE_VERSION,
    ConsentPurpose,
    Draft,
)
from bot.intake.limitation import estimate, work_injury_deadline
from bot.intake.notices import due_notices
from bot.intake.prefill import platform_choice, prefill
from bot.intake.questions import QUESTIONS, AnswerType, Question
from bot.intake.service import IntakeService
from bot.intake.validation import (
    Problem,
    Verdict,
    check,
    check_coordinates,
    check_phone,
    check_words,
    confirmed_count,
)
from bot.people import Front, Person
from bot.settings import Settings
from bot.understanding import understand
from handlers.intake_texts import (
    answer_text,
    choice_label,
    evidence_from,
    evidence_line,
    evidence_refusal_text,
    field_label,
    kind_label,
    large_count_button,
    large_count_text,
    limitation_text,
    not_text_problem,
    notice_text,
    problem_text,
    question_text,
    wording,
)
from handlers.menu import MenuAction
from handlers.mycases import leave_case_step
from storage.people import PeopleRepository

log = logging.getLogger(__name__)
DESCRIPTION_EXCERPT = 300


class Intake(StatesGroup):
    consent = State()    # the privacy notice is on screen; nothing of the complaint is kept yet
    describe = State()   # waiting for the worker's own words (or a kind button)
    answering = State()  # one question on screen: the draft's `pending`
    sensitive = State()  # the separate consent for sensitive details is on screen
    summary = State()    # every answer with an edit button; submit


DRAFT_STATES = (Intake.describe, Intake.answering, Intake.sensitive, Intake.summary)


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


# ---------------------------------------------------------------------------------------------
# The draft in the chat state


async def load_draft(state: FSMContext) -> Draft | None:
    data = await state.get_data()
    return Draft.model_validate(data["draft"]) if "draft" in data else None


async def save_draft(state: FSMContext, draft: Draft) -> None:
    await state.update_data(draft=draft.model_dump(mode="json"))


# ---------------------------------------------------------------------------------------------
# Keyboards


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
    rows = [buttons[index:index + 2] for index in range(0, len(buttons), 2)]
    navigation = [InlineKeyboardButton(text=_("⬅️ Back"), callback_data=Step(act="back").pack())]
    if question.optional(draft.kind):
        navigation.append(InlineKeyboardButton(text=_("Skip ➡️"), callback_data=Step(act="skip", q=code).pack()))
    return InlineKeyboardMarkup(inline_keyboard=[*rows, navigation])


def summary_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    edits = [
        InlineKeyboardButton(text="✏️ " + field_label(question.code, draft.kind),
                             callback_data=Step(act="edit", q=question.code).pack())
        for question in draft.questions()
    ]
    rows = [edits[index:index + 2] for index in range(0, len(edits), 2)]
    rows.append([InlineKeyboardButton(text=_("✅ Submit the complaint"), callback_data=Step(act="submit").pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def reply_keyboard(question: Question) -> ReplyKeyboardMarkup:
    if question.type is AnswerType.PHONE:
        button = KeyboardButton(text=_("📱 Share my phone number"), request_contact=True)
    else:
        button = KeyboardButton(text=_("📍 Share my location"), request_location=True)
    return ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True, one_time_keyboard=True)


# ---------------------------------------------------------------------------------------------
# What the worker reads


def privacy_notice(front: Front) -> str:
    lines = [
        _("<b>Before you start: your personal information</b>"),
        _("<b>What we collect:</b> what you tell us about the dispute, your name, phone number, employer, "
          "workplace and where you are, and the photos and files you send. An ID number is asked only if the "
          "case goes to arbitration."),
        _("<b>Who sees it:</b> the mediators of the centre that takes your case, and the district HR bureau "
          "(区人社局) staff who supervise mediation. Every time staff open your details it is recorded."),
        _("<b>How long we keep it:</b> while the case is handled and for 3 years after it closes, in case "
          "arbitration or a court needs it; then it is deleted. A draft you cancel with /cancel is deleted at once."),
        _("<b>Your rights:</b> to get a copy of your information, correct it or have it deleted, tell your "
          "mediator in this chat or ask the district HR bureau."),
        _("Injury and health details and your precise location are sensitive: we ask for them separately, "
          "only if needed."),
    ]
    if front is Front.TELEGRAM:
        lines.append(_("Messages sent through Telegram pass through servers outside China. If you prefer, "
                       "use the district's web chat instead."))
    lines.append(_("Without your consent nothing about a complaint is kept. Do you agree?"))
    return "\n\n".join(lines)


def description_invitation() -> str:
    return "\n".join([
        _("<b>Tell me in your own words what happened.</b>"),
        _("Who you work for, what is owed or what went wrong, since when, and how many of you. I will fill in "
          "what I can and ask only for what is missing."),
        "<i>" + _("For example: {example}").format(example=escape(_(
            "武汉某某建筑公司欠我们12个人3月到8月的工资，我自己被欠了一万二，工地在东西湖区吴家山街道"))) + "</i>",
        _("Or choose what it is about:"),
    ])


def understood_text(draft: Draft, filled: list[str]) -> str:
    if not filled:
        return _("Thank you, I have noted your description. Now a few questions, one at a time.")
    lines = [_("Thank you. This is what I understood:")]
    # Short placeholder names: the Chinese colon differs, and nothing else in the text is to translate.
    lines += ["• " + _("{key}: {val}").format(key=escape(field_label(code, draft.kind)),
                                             val=answer_text(code, draft.answers[code]))
              for code in filled]
    if draft.street:
        lines.append("• " + _("Street: {street}").format(street=escape(draft.street)))
    lines.append(_("I will ask only for what is missing; you can correct anything in the summary at the end."))
    return "\n".join(lines)


def summary_text(draft: Draft, today: date) -> str:
    lines = [_("<b>Please check your complaint</b>"), ""]
    for question in draft.questions():
        code = question.code
        value = answer_text(code, draft.answers[code]) if code in draft.answers else _("(skipped)")
        lines.append(_("<b>{key}:</b> {val}").format(key=escape(field_label(code, draft.kind)), val=value))
    if draft.description:
        excerpt = draft.description if len(draft.description) <= DESCRIPTION_EXCERPT else (
            draft.description[:DESCRIPTION_EXCERPT] + "…")
        lines.append(_("<b>{key}:</b> {val}").format(key=escape(_("In your words")), val=escape(excerpt)))
    lines.append("")
    if draft.evidence:
        lines.append(_("<b>Evidence attached:</b> {count}").format(count=len(draft.evidence)))
        lines += [evidence_line(item) for item in draft.evidence]
    else:
        lines.append(_("No photos or files attached yet: you can send them now, or later from /mycases."))
    if limitation := estimate(draft, today):
        lines += ["", limitation_text(limitation)]
    lines += ["", _("Tap a button to change an answer, or submit.")]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Moving through the questions


async def drop_reply_keyboard(bot: Bot, chat_id: int, draft: Draft) -> None:
    """The share-contact or share-location keyboard goes away once its question is left."""
    if draft.reply_keyboard:
        await send_text(bot, chat_id, _("Thank you."), reply_markup=ReplyKeyboardRemove())
        draft.reply_keyboard = False


async def ask(bot: Bot, chat_id: int, state: FSMContext, draft: Draft, question: Question,
              problem: str | None = None) -> None:
    """Put `question` on screen (after what was wrong with the last answer, if anything)."""
    draft.pending = question.code
    # Asked again (Back, or an edit from the summary) after a refusal: the consent comes first again.
    if question.sensitive and draft.sensitive_consent is not True:
        await state.set_state(Intake.sensitive)
        await save_draft(state, draft)
        await send_text(bot, chat_id, health_consent_text(), reply_markup=health_consent_keyboard())
        return
    needs_reply_keyboard = question.type in (AnswerType.PHONE, AnswerType.PLACE)
    if not needs_reply_keyboard:
        await drop_reply_keyboard(bot, chat_id, draft)
    text = question_text(question.code, draft)
    if problem:
        text = f"⚠️ {problem}\n\n{text}"
    await state.set_state(Intake.answering)
    await send_text(bot, chat_id, text, reply_markup=question_keyboard(question, draft))
    if needs_reply_keyboard:
        hint = (_("Or tap the button below to share the number of this phone.")
                if question.type is AnswerType.PHONE else
                _("Or tap the button below to share your location."))
        await send_text(bot, chat_id, hint, reply_markup=reply_keyboard(question))
        draft.reply_keyboard = True
    await save_draft(state, draft)


async def proceed(bot: Bot, chat_id: int, state: FSMContext, draft: Draft, today: date) -> None:
    """After a change: the advice it calls for, then the next open question, or the summary."""
    limitation = estimate(draft, today)
    for notice in due_notices(draft, today):
        await send_text(bot, chat_id, notice_text(notice, limitation, injury_deadline=work_injury_deadline(draft)))
    while (question := draft.next_question()) is not None:
        if question.sensitive and draft.sensitive_consent is False:
            draft.skip(question.code)
            continue
        await ask(bot, chat_id, state, draft, question)
        return
    await show_summary(bot, chat_id, state, draft, today)


async def show_summary(bot: Bot, chat_id: int, state: FSMContext, draft: Draft, today: date) -> None:
    await drop_reply_keyboard(bot, chat_id, draft)
    draft.pending = None
    await state.set_state(Intake.summary)
    await save_draft(state, draft)
    await send_text(bot, chat_id, summary_text(draft, today), reply_markup=summary_keyboard(draft))


async def invite_description(bot: Bot, chat_id: int, state: FSMContext, draft: Draft) -> None:
    await drop_reply_keyboard(bot, chat_id, draft)
    draft.pending = None
    await state.set_state(Intake.describe)
    await save_draft(state, draft)
    await send_text(bot, chat_id, description_invitation(), reply_markup=kind_keyboard())


async def resume(bot: Bot, chat_id: int, state: FSMContext, draft: Draft, today: date) -> None:
    """Put the draft back on screen where the worker left it."""
    current = await state.get_state()
    if current == Intake.summary.state:
        await show_summary(bot, chat_id, state, draft, today)
    elif draft.pending is not None:
        await ask(bot, chat_id, state, draft, QUESTIONS[draft.pending])
    elif draft.kind is None and not draft.answers:
        await invite_description(bot, chat_id, state, draft)
    else:
        await proceed(bot, chat_id, state, draft, today)


def health_consent_text() -> str:
    return _(
        "The next question is about your injury or health. The law treats this as sensitive personal "
        "information: we ask for it only with your separate consent, use it only for this case (the mediator "
        "and, if you wish, an occupational-injury claim) and keep it like the rest of the case. Do you agree?")


def health_consent_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("Yes, I agree"), callback_data=HealthConsent(agreed=True).pack()),
        InlineKeyboardButton(text=_("No, skip this question"), callback_data=HealthConsent(agreed=False).pack()),
    ]])


def typed_choice(question: Question, text: str) -> Verdict:
    """A typed answer to a button question: a button's label (or the platform's name) is taken."""
    folded = text.strip().casefold()
    if question.type is AnswerType.YES_NO:
        yes, no = (_("Yes"), "yes", "是", "对", "有"), (_("No"), "no", "否", "没有", "不")
        for value, labels in ((True, yes), (False, no)):
            if folded in {label.casefold() for label in labels}:
                return Verdict(value=value)
        return Verdict(problem=Problem.NOT_A_CHOICE)
    if question.code == "platform":  # a platform without a button, typed: a name, not only invisible characters
        named = check_words(text)
        return Verdict(value=platform_choice(named.value)) if isinstance(named.value, str) else named
    for value in question.choices:
        if folded in (value, choice_label(question.code, value).casefold()):
            return Verdict(value=int(value) if question.type is AnswerType.COUNT else value)
    return Verdict(problem=Problem.NOT_A_CHOICE)


def read_answer(question: Question, text: str, today: date, draft: Draft) -> Verdict:
    if question.type in (AnswerType.CHOICE, AnswerType.YES_NO):
        return typed_choice(question, text)
    if question.choices and (chosen := typed_choice(question, text)).ok:
        return chosen  # "Only me" typed instead of pressed
    start = draft.date_answer("start_date") if question.code == "end_date" else None
    return check(question, text, today, start=start)


def button_value(question: Question, value: str) -> bool | int | str | None:
    if question.type is AnswerType.YES_NO:
        return {"yes": True, "no": False}.get(value)
    if question.type is AnswerType.COUNT:
        return confirmed_count(value)  # "Only me", or a large count the worker confirms
    return value if value in question.choices else None


# ---------------------------------------------------------------------------------------------
# The router


def router() -> Router:
    r = Router(name="intake")

    def today_of(clock: Clock, settings: Settings) -> date:
        return local_today(clock, settings.zone)

    async def start(bot: Bot, chat_id: int, state: FSMContext, clock: Clock, settings: Settings,
                    front: Front) -> None:
        await leave_case_step(state)
        draft = await load_draft(state)
        if draft is not None:
            await send_text(bot, chat_id, _("Welcome back: your complaint is as you left it."))
            await resume(bot, chat_id, state, draft, today_of(clock, settings))
            return
        await state.set_state(Intake.consent)
        await send_text(bot, chat_id, privacy_notice(front), reply_markup=consent_keyboard())

    def front_of(bot: Bot, fronts: dict[int, Front]) -> Front:
        return fronts.get(bot.id, Front.TELEGRAM)

    @r.message(Command("new"))
    async def new_command(message: Message, bot: Bot, state: FSMContext, clock: Clock, settings: Settings,
                          fronts: dict[int, Front]) -> None:
        await start(bot, message.chat.id, state, clock, settings, front_of(bot, fronts))

    @r.callback_query(MenuAction.filter(F.action == "new"))
    async def new_button(callback: CallbackQuery, bot: Bot, state: FSMContext, clock: Clock, settings: Settings,
                         fronts: dict[int, Front]) -> None:
        await callback.answer()
        await start(bot, callback.from_user.id, state, clock, settings, front_of(bot, fronts))

    # --- consent -----------------------------------------------------------------------------
    @r.callback_query(PrivacyConsent.filter(F.agreed), Intake.consent)
    async def agreed(callback: CallbackQuery, bot: Bot, state: FSMContext, person: Person,
                     people: PeopleRepository, clock: Clock) -> None:
        await callback.answer()
        await people.record_consent(person, ConsentPurpose.PRIVACY, PRIVACY_NOTICE_VERSION, at=clock.now())
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        await invite_description(bot, callback.from_user.id, state, Draft.new(clock.now()))

    @r.callback_query(PrivacyConsent.filter(~F.agreed), Intake.consent)
    async def declined(callback: CallbackQuery, bot: Bot, state: FSMContext, person: Person,
                       conversations: dict[Front, ForgetChat]) -> None:
        await callback.answer()
        await state.clear()
        await forget_conversation(conversations, person)
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        await send_text(bot, callback.from_user.id, _(
            "Understood: nothing about a complaint has been kept. Your chat profile (name and language) is kept "
            "only so that we can talk. You can start again at any time with /new."))

    @r.message(Intake.consent)
    async def before_consent(message: Message, bot: Bot) -> None:
        await send_text(bot, message.chat.id, _(
            "Before you tell me about the complaint, please read the notice above and tap “I agree”. Nothing "
            "you write goes into a complaint until then, and if you decline, this conversation is deleted."),
            reply_markup=consent_keyboard())

    # --- evidence, at any point of a draft (before the other message handlers) ----------------
    @r.message(StateFilter(*DRAFT_STATES), F.photo | F.document)
    async def evidence(message: Message, bot: Bot, state: FSMContext) -> None:
        draft = await load_draft(state)
        assert draft is not None, "a draft state always has a draft"
        item = evidence_from(message, len(draft.evidence) + 1)
        refusal = draft.add_evidence(item)
        if refusal is None:
            await save_draft(state, draft)
            reply = _("📎 Received {name}. {count} of at most {limit} files are attached to your complaint; "
                      "go on with the question above.").format(
                name=escape(item.name), count=len(draft.evidence), limit=EVIDENCE_COUNT_LIMIT)
        else:
            reply = evidence_refusal_text(refusal, item)
        await send_text(bot, message.chat.id, reply)

    # --- the worker's own words ---------------------------------------------------------------
    @r.message(Intake.describe, F.text)
    async def described(message: Message, bot: Bot, state: FSMContext, clock: Clock, settings: Settings) -> None:
        draft = await load_draft(state)
        assert draft is not None
        text = message.text.strip()
        if not text or len(text) > DESCRIPTION_LIMIT:
            await send_text(bot, message.chat.id, "⚠️ " + problem_text(
                Verdict(problem=Problem.TOO_LONG if text else Problem.EMPTY, limit=DESCRIPTION_LIMIT)) + "\n\n"
                + description_invitation(), reply_markup=kind_keyboard())
            return
        today = today_of(clock, settings)
        draft.description = text
        filled = prefill(draft, understand(text, today), today)
        await send_text(bot, message.chat.id, understood_text(draft, filled))
        await proceed(bot, message.chat.id, state, draft, today)

    @r.message(Intake.describe)
    async def described_without_words(message: Message, bot: Bot) -> None:
        await send_text(bot, message.chat.id, "⚠️ " + not_text_problem() + "\n\n" + description_invitation(),
                        reply_markup=kind_keyboard())

    # --- answers --------------------------------------------------------------------------------
    @r.message(StateFilter(Intake.describe, Intake.answering), F.text.startswith("/"))
    async def unknown_command(message: Message, bot: Bot) -> None:
        """A mistyped command is not an answer (the known ones are handled before this)."""
        await send_text(bot, message.chat.id, _(
            "“{command}” is not a command I know. Please answer the question above; /cancel stops the "
            "complaint and /help lists the commands.").format(command=escape(message.text.split()[0][:40])))

    @r.message(Intake.answering, F.text)
    async def typed_answer(message: Message, bot: Bot, state: FSMContext, clock: Clock, settings: Settings) -> None:
        draft = await load_draft(state)
        assert draft is not None and draft.pending is not None
        question = QUESTIONS[draft.pending]
        today = today_of(clock, settings)
        verdict = read_answer(question, message.text, today, draft)
        if not verdict.ok:
            await ask(bot, message.chat.id, state, draft, question, problem=problem_text(verdict))
            return
        if verdict.unsure and isinstance(verdict.value, int):  # an implausibly large count: confirmed first
            await send_text(bot, message.chat.id, large_count_text(verdict.value), reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text=large_count_button(verdict.value), callback_data=Answer(
                    q=question.code, v=str(verdict.value)).pack())]]))
            return
        draft.answer(question.code, verdict.value)
        await proceed(bot, message.chat.id, state, draft, today)

    @r.message(Intake.answering, F.contact)
    async def shared_contact(message: Message, bot: Bot, state: FSMContext, clock: Clock,
                             settings: Settings) -> None:
        draft = await load_draft(state)
        assert draft is not None and draft.pending is not None
        question = QUESTIONS[draft.pending]
        verdict = check_phone(message.contact.phone_number)
        if question.type is not AnswerType.PHONE or not verdict.ok:
            problem = problem_text(verdict) if question.type is AnswerType.PHONE else not_text_problem()
            await ask(bot, message.chat.id, state, draft, question, problem=problem)
            return
        draft.answer(question.code, verdict.value)
        await proceed(bot, message.chat.id, state, draft, today_of(clock, settings))

    @r.message(Intake.answering, F.location)
    async def shared_location(message: Message, bot: Bot, state: FSMContext) -> None:
        draft = await load_draft(state)
        assert draft is not None and draft.pending is not None
        question = QUESTIONS[draft.pending]
        if question.type is not AnswerType.PLACE:
            await ask(bot, message.chat.id, state, draft, question,
                      problem=_("A location does not answer this question; please type the answer."))
            return
        point = check_coordinates(message.location.latitude, message.location.longitude)
        if not isinstance(point.value, dict):
            await ask(bot, message.chat.id, state, draft, question, problem=problem_text(point))
            return
        where = UseLocation(**point.value)
        await send_text(bot, message.chat.id, _(
            "A precise location is sensitive personal information. May we use it, only to find a mediation "
            "centre you can reach? If not, type the street or district instead."),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
                text=_("Yes, use my location"), callback_data=where.pack())]]))

    @r.message(Intake.answering)
    async def unusable_answer(message: Message, bot: Bot, state: FSMContext) -> None:
        draft = await load_draft(state)
        assert draft is not None and draft.pending is not None
        await ask(bot, message.chat.id, state, draft, QUESTIONS[draft.pending], problem=not_text_problem())

    @r.callback_query(Answer.filter(), StateFilter(Intake.describe, Intake.answering))
    async def pressed_answer(callback: CallbackQuery, callback_data: Answer, bot: Bot, state: FSMContext,
                             clock: Clock, settings: Settings) -> None:
        draft = await load_draft(state)
        assert draft is not None
        expected = draft.pending if await state.get_state() == Intake.answering.state else "kind"
        question = QUESTIONS.get(callback_data.q)
        value = button_value(question, callback_data.v) if question else None
        if question is None or callback_data.q != expected or value is None:
            await callback.answer(_("That button belongs to an earlier question; please use the newest message."))
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            chosen = answer_text(question.code, value)
            await edit_text(callback.message, f"{escape(wording(question.code, draft.kind).prompt)}\n✓ <b>{chosen}</b>")
        draft.answer(question.code, value)
        await proceed(bot, callback.from_user.id, state, draft, today_of(clock, settings))

    @r.callback_query(UseLocation.filter(), Intake.answering)
    async def location_agreed(callback: CallbackQuery, callback_data: UseLocation, bot: Bot, state: FSMContext,
                              person: Person, people: PeopleRepository, clock: Clock, settings: Settings) -> None:
        draft = await load_draft(state)
        assert draft is not None
        point = check_coordinates(callback_data.lat, callback_data.lon)  # the button's data can be forged
        if draft.pending is None or QUESTIONS[draft.pending].type is not AnswerType.PLACE or not point.ok:
            await callback.answer(_("That button belongs to an earlier question; please use the newest message."))
            return
        await callback.answer()
        await people.record_consent(person, ConsentPurpose.LOCATION, PRIVACY_NOTICE_VERSION, at=clock.now())
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        draft.answer(draft.pending, point.value)
        await proceed(bot, callback.from_user.id, state, draft, today_of(clock, settings))

    # --- the separate consent for injury and health details -------------------------------------
    @r.callback_query(HealthConsent.filter(), Intake.sensitive)
    async def health_consent(callback: CallbackQuery, callback_data: HealthConsent, bot: Bot, state: FSMContext,
                             person: Person, people: PeopleRepository, clock: Clock, settings: Settings) -> None:
        draft = await load_draft(state)
        assert draft is not None
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        draft.sensitive_consent = callback_data.agreed
        if callback_data.agreed:
            await people.record_consent(person, ConsentPurpose.HEALTH, PRIVACY_NOTICE_VERSION, at=clock.now())
        await proceed(bot, callback.from_user.id, state, draft, today_of(clock, settings))

    @r.message(Intake.sensitive)
    async def health_consent_pending(message: Message, bot: Bot) -> None:
        await send_text(bot, message.chat.id, _("Please tap one of the buttons first.") + "\n\n"
                        + health_consent_text(), reply_markup=health_consent_keyboard())

    # --- back, skip, edit -------------------------------------------------------------------------
    @r.callback_query(Step.filter(F.act == "back"), StateFilter(*DRAFT_STATES))
    async def back(callback: CallbackQuery, bot: Bot, state: FSMContext) -> None:
        draft = await load_draft(state)
        assert draft is not None
        await callback.answer()
        previous = draft.step_back()
        if previous is None:
            await invite_description(bot, callback.from_user.id, state, draft)
        else:
            await ask(bot, callback.from_user.id, state, draft, QUESTIONS[previous])

    @r.callback_query(Step.filter(F.act == "skip"), Intake.answering)
    async def skip(callback: CallbackQuery, callback_data: Step, bot: Bot, state: FSMContext, clock: Clock,
                   settings: Settings) -> None:
        draft = await load_draft(state)
        assert draft is not None
        if callback_data.q != draft.pending or not QUESTIONS[callback_data.q].optional(draft.kind):
            await callback.answer(_("That button belongs to an earlier question; please use the newest message."))
            return
        await callback.answer()
        draft.skip(callback_data.q)
        await proceed(bot, callback.from_user.id, state, draft, today_of(clock, settings))

    @r.callback_query(Step.filter(F.act == "edit"), Intake.summary)
    async def edit(callback: CallbackQuery, callback_data: Step, bot: Bot, state: FSMContext) -> None:
        draft = await load_draft(state)
        assert draft is not None
        if callback_data.q not in {question.code for question in draft.questions()}:
            await callback.answer(_("That button belongs to an earlier question; please use the newest message."))
            return
        await callback.answer()
        await ask(bot, callback.from_user.id, state, draft, QUESTIONS[callback_data.q])

    # --- the summary and submission ---------------------------------------------------------------
    @r.callback_query(Step.filter(F.act == "submit"), Intake.summary)
    async def submit(callback: CallbackQuery, bot: Bot, state: FSMContext, person: Person, intake: IntakeService,
                     clock: Clock, settings: Settings, outbox: OutboxSender) -> None:
        await callback.answer()
        draft = await load_draft(state)
        if draft is None:
            return
        today = today_of(clock, settings)
        if draft.next_question() is not None:
            await proceed(bot, callback.from_user.id, state, draft, today)
            return
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        # One transaction files the case, removes the draft and queues every notice, the worker's
        # confirmation among them: a second tap, a redelivered update or a restart after the commit
        # files nothing more, and a confirmation that could not be sent now is sent by the outbox.
        submission = await intake.submit(draft, person, ChatDraftSlot(state), today=today)
        await outbox.deliver_now(submission.replies)

    @r.message(Intake.summary)
    async def message_at_summary(message: Message, bot: Bot, state: FSMContext, clock: Clock,
                                 settings: Settings) -> None:
        draft = await load_draft(state)
        assert draft is not None
        await send_text(bot, message.chat.id, _(
            "To change an answer, tap its button below; to add evidence, send photos or files. When all is "
            "right, tap “Submit”."))
        await show_summary(bot, message.chat.id, state, draft, today_of(clock, settings))

    return r
