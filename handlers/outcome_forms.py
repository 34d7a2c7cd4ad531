"""The typed forms of what ends a mediation and what follows it: the mediator's agreement (matters, terms
with amounts and due dates, read back, saved, its papers sent, then the day it was signed and sealed),
"no agreement" with a reason, and the worker's draft arbitration application with its two consents.

Each form keeps what was typed in the chat state (stored in SQLite, so it survives a restart); a bad
answer is explained and asked again, nothing typed before is lost. Callback data only names the case,
the step and the version the card was drawn at; the services re-read everything."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import ValidationError

from bot.cases import Case
from bot.chat.outbound import remove_keyboard, send_text
from bot.chat.outbox_sender import Template
from bot.chat.telegram_html import escape
from bot.clock import Clock
from bot.desk import Access, Card, DeskService
from bot.documents import CLAIM_KIND_LABELS, AgreementTerm, ClaimKind, files
from bot.outcomes import (
    COMMENT_LIMIT,
    NO_AGREEMENT_REASONS,
    AgreementDraft,
    ApplicationAnswers,
    CaseParams,
    Declined,
    MediatorOutcome,
    OutcomeNotice,
    OutcomeRefusal,
    OutcomeService,
    Papers,
    TermFacts,
    outcome_actions,
)
from bot.people import Person
from bot.routing.service import RoutingService
from bot.settings import Settings
from bot.understanding import parse_amount, parse_date
from handlers.case_texts import event_text, no_agreement_reason_label
from handlers.intake.flow import today_of
from handlers.intake.texts import show_date, show_moment
from handlers.outcomes import outcome_refusal_text, papers_keyboard, term_line

FORM_KEY = "outcome_form"
MATTERS_LIMIT = 20
TERMS_LIMIT = 30
TEXT_LIMIT = 1000
ADULT_AGE = 16          # the youngest a worker may be employed (Labour Law Art. 15)
OLDEST_BIRTH_YEAR = 1920


class OutcomeCard(CallbackData, prefix="om"):
    """An outcome button of the desk card."""

    o: str     # a MediatorOutcome
    id: int
    v: int


class CardTimeline(CallbackData, prefix="ol"):
    id: int


class AgreementStep(CallbackData, prefix="oa"):
    s: str         # kind, skip, more, done, save, again, today, other, papers
    id: int
    v: int = 0
    k: str = ""    # the kind chosen (s == kind)


class NoAgreementReason(CallbackData, prefix="on"):
    id: int
    v: int
    r: str         # one of NO_AGREEMENT_REASONS


class NoAgreementEnd(CallbackData, prefix="ot"):
    """End it with this reason and no words added (also after the form's state is gone)."""

    id: int
    v: int
    r: str


class ApplicationStep(CallbackData, prefix="ap"):
    s: str         # start, id_yes, id_no, skip, sign, again, send, later, papers
    id: int


class AgreementForm(StatesGroup):
    matters = State()
    description = State()
    kind = State()
    amount = State()
    due = State()
    more = State()
    review = State()
    signed_on = State()


class NoAgreementForm(StatesGroup):
    note = State()


class ApplicationForm(StatesGroup):
    born_on = State()
    id_consent = State()
    id_number = State()
    address = State()
    legal_representative = State()
    employer_address = State()


FORMS = (AgreementForm, NoAgreementForm, ApplicationForm)


# --- Reading typed answers --------------------------------------------------------------------------

_MONTH_DAY = re.compile(r"月|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.IGNORECASE)
_YEAR = re.compile(r"\d{4}|年")


def read_due_day(text: str, today: date) -> date | None:
    """A due date as typed ("12月20日", "2026年12月20日", "下周五", "today"): without a year it is the next
    such day, not the past one (the complaint's reader looks back, an agreement looks ahead)."""
    day = parse_date(text, today)
    if day is None:
        return None
    if day < today and _MONTH_DAY.search(text) and not _YEAR.search(text):
        try:
            day = day.replace(year=day.year + 1)
        except ValueError:  # 29 February
            return None
    return day if day >= today else None


def read_past_day(text: str, today: date) -> date | None:
    """A day that has come ("today", "今天", "11月24日")."""
    day = parse_date(text, today)
    return day if day is not None and day <= today else None


def read_born_on(text: str, today: date) -> date | None:
    day = parse_date(text, today)
    if day is None or day.year < OLDEST_BIRTH_YEAR:
        return None
    return day if (today.year - day.year, today.month, today.day) >= (ADULT_AGE, day.month, day.day) else None


def read_amount(text: str) -> Decimal | None:
    value = parse_amount(text)
    return Decimal(str(value)) if value is not None and Decimal(str(value)) > 0 else None


def read_lines(text: str) -> list[str]:
    """One matter a line (or separated by ；/;), blank lines left out."""
    return [line.strip() for line in re.split(r"[\n；;]", text) if line.strip()][:MATTERS_LIMIT]


def committee_name(district: str | None) -> str:
    """The arbitration committee of the workplace's district (Art. 21), as the application names it."""
    if district:
        return _("Labour and Personnel Dispute Arbitration Committee of {district}, Wuhan").format(district=district)
    return _("Wuhan Labour and Personnel Dispute Arbitration Committee")


# --- Words ------------------------------------------------------------------------------------------

def kind_label(kind: ClaimKind) -> str:
    return _(CLAIM_KIND_LABELS[kind])


def draft_text(form: dict[str, Any]) -> str:
    lines = [_("<b>The agreement as recorded</b>"), _("Matters in dispute:")]
    lines += [f"{index}. {escape(matter)}" for index, matter in enumerate(form.get("matters", []), start=1)]
    lines.append(_("Agreed terms:"))
    for index, term in enumerate(form.get("terms", []), start=1):
        facts = TermFacts(term_id=0, position=index, **term)
        lines.append(f"{index}. {term_line(facts)}")
    return "\n".join(lines)


def outcome_label(outcome: MediatorOutcome) -> str:
    return {MediatorOutcome.AGREEMENT: _("🤝 Agreement"), MediatorOutcome.NO_AGREEMENT: _("❌ No agreement")}[outcome]


def outcome_buttons(card: Card, viewer: Person) -> list[InlineKeyboardButton]:
    """The card's row of this module (handlers/desk.py puts it under the others): the outcomes this viewer
    may record now, and the case's timeline for whoever acts on the case (observers read the card only)."""
    case = card.case
    if card.access is not Access.ACT and not card.standing.records:
        return []
    return [*(InlineKeyboardButton(text=outcome_label(outcome),
                                   callback_data=OutcomeCard(o=outcome, id=case.id, v=case.version).pack())
              for outcome in outcome_actions(viewer, case)),
            InlineKeyboardButton(text=_("🕓 Timeline"), callback_data=CardTimeline(id=case.id).pack())]


def timeline_text(card: Card, settings: Settings, centre_name: Callable[[str], str]) -> str:
    lines = [_("<b>Case {number}: timeline</b>").format(number=card.case.number)]
    lines += [f"{show_moment(event.occurred_at, settings.zone)} — {event_text(event, centre_name)}"
              for event in card.events]
    return "\n".join(lines)


def refused(result: Declined) -> str:
    return outcome_refusal_text(result.reason, result)[:200]


def application_refusal_text(reason: OutcomeRefusal | str) -> str | None:
    return {
        OutcomeRefusal.CANNOT_APPLY: _("An application cannot be prepared for this case now."),
        OutcomeRefusal.NO_ID_CONSENT: _("Your ID number is asked only with your consent."),
        OutcomeRefusal.BAD_ID_NUMBER: _("That is not a valid 18-digit ID number with the date of birth you gave. "
                                        "Please type it again, or press the button to leave it blank."),
        OutcomeRefusal.CASE_NOT_READY: _("Your case lacks your name, phone or claim, which the application must "
                                         "give: please ask your mediator to complete it."),
        OutcomeRefusal.NOT_DRAFTED: _("Please read and sign the draft first."),
        OutcomeRefusal.ALREADY_SENT: _("Your application was already sent to the arbitration office."),
    }.get(reason)


def declined_text(result: Declined) -> str:
    return (application_refusal_text(result.reason) or outcome_refusal_text(result.reason, result))[:200]


# --- Keyboards --------------------------------------------------------------------------------------

def kind_keyboard(case_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in ClaimKind:
        builder.button(text=kind_label(kind), callback_data=AgreementStep(s="kind", id=case_id, k=kind))
    return builder.adjust(2).as_markup()


def one_button(text: str, data: CallbackData) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data.pack())]])


def more_keyboard(case_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("➕ Another term"), callback_data=AgreementStep(s="more", id=case_id))
    builder.button(text=_("✅ That is all"), callback_data=AgreementStep(s="done", id=case_id))
    return builder.adjust(2).as_markup()


def review_keyboard(case_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("💾 Save and send the papers"), callback_data=AgreementStep(s="save", id=case_id))
    builder.button(text=_("✏️ Write it again"), callback_data=AgreementStep(s="again", id=case_id))
    return builder.adjust(1).as_markup()


def signed_keyboard(case_id: int, version: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✍️ Signed and sealed today"), callback_data=AgreementStep(s="today", id=case_id, v=version))
    builder.button(text=_("📅 Signed and sealed on another day"),
                   callback_data=AgreementStep(s="other", id=case_id, v=version))
    builder.button(text=_("📄 The papers again"), callback_data=AgreementStep(s="papers", id=case_id, v=version))
    builder.button(text=_("✏️ Write it again"), callback_data=AgreementStep(s="again", id=case_id, v=version))
    return builder.adjust(1).as_markup()


def reasons_keyboard(case_id: int, version: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for reason in NO_AGREEMENT_REASONS:
        builder.button(text=no_agreement_reason_label(reason),
                       callback_data=NoAgreementReason(id=case_id, v=version, r=reason))
    return builder.adjust(1).as_markup()


def application_keyboard(case_id: int) -> InlineKeyboardMarkup:
    return one_button(_("⚖️ Prepare my arbitration application"), ApplicationStep(s="start", id=case_id))


def id_consent_keyboard(case_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("I agree: ask for my ID number"), callback_data=ApplicationStep(s="id_yes", id=case_id))
    builder.button(text=_("No, leave it blank"), callback_data=ApplicationStep(s="id_no", id=case_id))
    return builder.adjust(1).as_markup()


def sign_keyboard(case_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✍️ I have read it and sign it"), callback_data=ApplicationStep(s="sign", id=case_id))
    builder.button(text=_("✏️ Answer again"), callback_data=ApplicationStep(s="start", id=case_id))
    return builder.adjust(1).as_markup()


def transfer_keyboard(case_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Yes, send it to the arbitration office"), callback_data=ApplicationStep(s="send",
                                                                                                    id=case_id))
    builder.button(text=_("Not now"), callback_data=ApplicationStep(s="later", id=case_id))
    return builder.adjust(1).as_markup()


# --- Notices ----------------------------------------------------------------------------------------

def agreement_ready_text(notice: CaseParams) -> tuple[str, InlineKeyboardMarkup]:
    return _("📝 Your mediator wrote down the agreement of case {number}. Please read it before you sign: it takes "
             "effect once you and the employer have signed (or sealed) it and the mediator has signed and the centre "
             "sealed it.").format(number=notice.number), papers_keyboard(notice.case_id)


def no_agreement_text(notice: CaseParams) -> tuple[str, InlineKeyboardMarkup]:
    return _("Mediation of case {number} ended without agreement: {reason}. You may apply for labour dispute "
             "arbitration; I can prepare a draft application from your case for you to check and sign.").format(
        number=notice.number, reason=no_agreement_reason_label(notice.reason or "other")), \
        application_keyboard(notice.case_id)


def application_offer_text(notice: CaseParams) -> tuple[str, InlineKeyboardMarkup]:
    return _("⚖️ Case {number}: I can prepare a draft arbitration application (仲裁申请书) from your case for you to "
             "read and sign. A few details mediation did not need are asked then.").format(number=notice.number), \
        application_keyboard(notice.case_id)


def application_to_office_text(notice: CaseParams) -> tuple[str, InlineKeyboardMarkup]:
    return _("📨 Case {number}: the worker signed an arbitration application and consented to its transfer to the "
             "arbitration office. Please record its receipt on the case card.").format(number=notice.number), \
        one_button(_("📄 The application (DOCX and PDF)"), ApplicationStep(s="papers", id=notice.case_id))


def templates() -> Mapping[str, Template]:
    """This module's notices, by key, for the outbox sender."""
    return {
        OutcomeNotice.AGREEMENT_READY: lambda params, _locale: agreement_ready_text(CaseParams.model_validate(params)),
        OutcomeNotice.NO_AGREEMENT: lambda params, _locale: no_agreement_text(CaseParams.model_validate(params)),
        OutcomeNotice.APPLICATION_OFFER: lambda params, _locale: application_offer_text(
            CaseParams.model_validate(params)),
        OutcomeNotice.APPLICATION_TO_OFFICE: lambda params, _locale: application_to_office_text(
            CaseParams.model_validate(params)),
    }


# --- The form's state ---------------------------------------------------------------------------------

async def enter_form(state: FSMContext, step: State, form: dict[str, Any]) -> None:
    """Start a form, remembering what the chat was doing before (an open complaint draft, say)."""
    data = await state.get_data()
    resume = data[FORM_KEY]["resume"] if FORM_KEY in data else await state.get_state()
    await state.update_data({FORM_KEY: {**form, "resume": resume}})
    await state.set_state(step)


async def form_of(state: FSMContext) -> dict[str, Any]:
    return (await state.get_data()).get(FORM_KEY, {})


async def update_form(state: FSMContext, step: State | None = None, **changes: Any) -> dict[str, Any]:
    form = {**await form_of(state), **changes}
    await state.update_data({FORM_KEY: form})
    if step is not None:
        await state.set_state(step)
    return form


async def leave_form(state: FSMContext) -> None:
    data = await state.get_data()
    form = data.pop(FORM_KEY, {})
    await state.set_data(data)
    await state.set_state(form.get("resume"))


async def send_papers(bot: Bot, chat_id: int, papers: Papers) -> None:
    # The PDF's font takes about half a second to subset: off the event loop, so other chats go on.
    for document in await asyncio.to_thread(files, papers.layout, papers.stem):
        await bot.send_document(chat_id, BufferedInputFile(document.content, filename=document.name))


# --- Handlers ---------------------------------------------------------------------------------------

def router() -> Router:
    r = Router(name="outcome_forms")

    @r.message(Command("cancel"), StateFilter(*FORMS))
    async def cancel(message: Message, state: FSMContext) -> None:
        await leave_form(state)
        await message.answer(_("Stopped: nothing more was recorded."))

    @r.message(StateFilter(*FORMS), ~F.text)
    async def not_text(message: Message) -> None:
        await message.answer(_("Please type the answer as text, or send /cancel."))

    @r.callback_query(CardTimeline.filter())
    async def timeline(callback: CallbackQuery, callback_data: CardTimeline, bot: Bot, person: Person,
                       desk: DeskService, routing: RoutingService, settings: Settings, locale: str) -> None:
        card = await desk.card(person, callback_data.id)
        if card is None:
            await callback.answer(_("This case was not found."), show_alert=True)
            return
        await callback.answer()
        await send_text(bot, callback.from_user.id,
                        timeline_text(card, settings, lambda centre: routing.centre_name(centre, locale)))

    # The mediator's outcome buttons -----------------------------------------------------------------

    async def offered(callback: CallbackQuery, person: Person, outcomes: OutcomeService, case_id: int,
                      outcome: MediatorOutcome) -> Case | None:
        case, offers = await outcomes.outcomes_offered(person, case_id)
        if case is not None and outcome in offers:
            return case
        await callback.answer(_("This outcome cannot be recorded on this case now.") if case is not None
                              else _("This case was not found."), show_alert=True)
        return None

    @r.callback_query(OutcomeCard.filter(F.o == MediatorOutcome.AGREEMENT))
    async def agreement(callback: CallbackQuery, callback_data: OutcomeCard, bot: Bot, person: Person,
                        outcomes: OutcomeService, state: FSMContext) -> None:
        case = await offered(callback, person, outcomes, callback_data.id, MediatorOutcome.AGREEMENT)
        if case is None:
            return
        await callback.answer()
        drafted = await outcomes.agreement_of(person, case.id)
        if drafted is not None:
            form = {"matters": drafted.draft.matters,
                    "terms": [term.term.model_dump(mode="json") for term in drafted.terms]}
            await send_text(bot, callback.from_user.id, draft_text(form) + "\n\n" + _(
                "When both parties have signed or sealed it, you have signed it and the centre has sealed it, "
                "record the day: only then does it take effect (Art. 14)."),
                reply_markup=signed_keyboard(case.id, case.version))
            return
        await start_agreement(bot, callback.from_user.id, state, case)

    async def start_agreement(bot: Bot, chat_id: int, state: FSMContext, case: Case) -> None:
        await enter_form(state, AgreementForm.matters, {"case": case.id, "matters": [], "terms": [], "term": {}})
        await send_text(bot, chat_id, _(
            "Agreement for case {number}. First, the matters in dispute, one a line (for example: 拖欠2026年8月至10月"
            "工资). Send /cancel to stop.").format(number=case.number))

    @r.message(AgreementForm.matters, F.text & ~F.text.startswith("/"))
    async def matters(message: Message, state: FSMContext) -> None:
        lines = read_lines(message.text or "")
        if not lines or any(len(line) > TEXT_LIMIT for line in lines):
            await message.answer(_("Please write each matter in dispute on a line of its own."))
            return
        form = await update_form(state, AgreementForm.description, matters=lines)
        await ask_term(message, form)

    async def ask_term(message: Message, form: dict[str, Any]) -> None:
        await message.answer(_("Term {position}: what does the employer do? (for example: 支付2026年8月至10月拖欠工资)"
                               ).format(position=len(form["terms"]) + 1))

    @r.message(AgreementForm.description, F.text & ~F.text.startswith("/"))
    async def description(message: Message, state: FSMContext) -> None:
        text = (message.text or "").strip()
        if not text or len(text) > TEXT_LIMIT:
            await message.answer(_("Please keep a term to at most {limit} characters.").format(limit=TEXT_LIMIT))
            return
        form = await update_form(state, AgreementForm.kind, term={"description": text})
        await message.answer(_("What does it settle? (Wages, injury medical costs, compensation and damages can go "
                               "to a court's payment order if unpaid, Art. 16.)"),
                             reply_markup=kind_keyboard(form["case"]))

    @r.callback_query(AgreementForm.kind, AgreementStep.filter(F.s == "kind"))
    async def kind(callback: CallbackQuery, callback_data: AgreementStep, state: FSMContext) -> None:
        if callback_data.k not in tuple(ClaimKind):
            await callback.answer()
            return
        await callback.answer()
        form = await form_of(state)
        await update_form(state, AgreementForm.amount, term={**form["term"], "kind": callback_data.k})
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
            await callback.message.answer(
                _("How much does the employer pay for it? (for example: 一万二千五百元, 12500)"),
                reply_markup=one_button(_("No payment in this term"), AgreementStep(s="skip", id=form["case"])))

    @r.message(AgreementForm.amount, F.text & ~F.text.startswith("/"))
    async def amount(message: Message, state: FSMContext) -> None:
        value = read_amount(message.text or "")
        if value is None:
            await message.answer(_("I could not read an amount in that. Please type it again, for example "
                                   "一万二千五百元 or 12500."))
            return
        form = await form_of(state)
        await update_form(state, AgreementForm.due, term={**form["term"], "amount": str(value)})
        await message.answer(_("By which day is it to be paid? (for example: 12月20日)"))

    @r.callback_query(AgreementForm.amount, AgreementStep.filter(F.s == "skip"))
    async def no_amount(callback: CallbackQuery, state: FSMContext) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
            await add_term(callback.message, state, (await form_of(state))["term"])

    @r.message(AgreementForm.due, F.text & ~F.text.startswith("/"))
    async def due(message: Message, state: FSMContext, clock: Clock, settings: Settings) -> None:
        day = read_due_day(message.text or "", today_of(clock, settings))
        if day is None:
            await message.answer(_("I could not read a day from today on in that. Please type it again, for example "
                                   "12月20日 or 2026年12月20日."))
            return
        form = await form_of(state)
        await add_term(message, state, {**form["term"], "due_on": day.isoformat()})

    async def add_term(message: Message, state: FSMContext, term: dict[str, Any]) -> None:
        try:
            checked = AgreementTerm.model_validate(term)
        except ValidationError:
            await update_form(state, AgreementForm.amount)
            await message.answer(_("That amount cannot be written in an agreement. Please type it again."))
            return
        form = await form_of(state)
        terms = [*form["terms"], checked.model_dump(mode="json")]
        step = AgreementForm.more if len(terms) < TERMS_LIMIT else AgreementForm.review
        form = await update_form(state, step, terms=terms, term={})
        if step is AgreementForm.review:
            await review(message, form)
            return
        await message.answer(_("Term {position} recorded: {term}").format(
            position=len(terms), term=term_line(TermFacts(term_id=0, position=len(terms), **terms[-1]))),
            reply_markup=more_keyboard(form["case"]))

    @r.callback_query(AgreementForm.more, AgreementStep.filter(F.s == "more"))
    async def more(callback: CallbackQuery, state: FSMContext) -> None:
        await callback.answer()
        form = await update_form(state, AgreementForm.description)
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
            await ask_term(callback.message, form)

    @r.callback_query(AgreementForm.more, AgreementStep.filter(F.s == "done"))
    async def done(callback: CallbackQuery, state: FSMContext) -> None:
        await callback.answer()
        form = await update_form(state, AgreementForm.review)
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
            await review(callback.message, form)

    async def review(message: Message, form: dict[str, Any]) -> None:
        await message.answer(draft_text(form) + "\n\n" + _("Is this right?"),
                             reply_markup=review_keyboard(form["case"]))

    @r.callback_query(AgreementForm.review, AgreementStep.filter(F.s == "save"))
    async def save(callback: CallbackQuery, bot: Bot, state: FSMContext, person: Person, outcomes: OutcomeService,
                   routing: RoutingService, locale: str) -> None:
        form = await form_of(state)
        draft = AgreementDraft(matters=form["matters"], terms=[AgreementTerm.model_validate(t) for t in form["terms"]])
        result = await outcomes.draft_agreement(person, form["case"], draft)
        if isinstance(result, Declined):
            await leave_form(state)
            await callback.answer(refused(result), show_alert=True)
            return
        await callback.answer(_("Saved. Preparing the papers…"))
        await leave_form(state)
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        chat_id = callback.from_user.id
        papers = await outcomes.papers(person, result.case.id, lambda c: routing.centre_name(c, locale), locale)
        if papers is not None:
            await send_papers(bot, chat_id, papers)
        await send_text(bot, chat_id, _(
            "The agreement of case {number} is saved; the worker was sent it to read. Print it for both parties to "
            "sign or seal, sign it and have the centre seal it; then record the day here.").format(
            number=result.case.number), reply_markup=signed_keyboard(result.case.id, result.case.version))

    @r.callback_query(AgreementStep.filter(F.s == "again"))
    async def again(callback: CallbackQuery, callback_data: AgreementStep, bot: Bot, person: Person,
                    outcomes: OutcomeService, state: FSMContext) -> None:
        case = await offered(callback, person, outcomes, callback_data.id, MediatorOutcome.AGREEMENT)
        if case is None:
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        await start_agreement(bot, callback.from_user.id, state, case)

    @r.callback_query(AgreementStep.filter(F.s == "papers"))
    async def papers_again(callback: CallbackQuery, callback_data: AgreementStep, bot: Bot, person: Person,
                           outcomes: OutcomeService, routing: RoutingService, locale: str) -> None:
        papers = await outcomes.papers(person, callback_data.id, lambda c: routing.centre_name(c, locale), locale)
        if papers is None:
            await callback.answer(_("This case was not found."), show_alert=True)
            return
        await callback.answer(_("Preparing the documents…"))
        await send_papers(bot, callback.from_user.id, papers)

    async def took_effect(callback_or_message: CallbackQuery | Message, bot: Bot, chat_id: int, person: Person,
                          outcomes: OutcomeService, case_id: int, version: int, day: date) -> bool:
        """True when it took effect (or cannot: then the mediator is told why)."""
        result = await outcomes.took_effect(person, case_id, day, version=version)
        if isinstance(result, Declined):
            if result.reason is OutcomeRefusal.BAD_DATE and isinstance(callback_or_message, Message):
                await callback_or_message.answer(refused(result) + "\n" + _("Please type the day again."))
                return False
            text = refused(result)
            if isinstance(callback_or_message, CallbackQuery):
                await callback_or_message.answer(text, show_alert=True)
            else:
                await callback_or_message.answer(text)
            return True
        if isinstance(callback_or_message, CallbackQuery):
            await callback_or_message.answer()
            if isinstance(callback_or_message.message, Message):
                await remove_keyboard(callback_or_message.message)
        stored = result.agreement
        confirm_by = show_date(stored.confirm_by) if stored and stored.confirm_by else ""
        await send_text(bot, chat_id, _(
            "✅ Case {number}: the agreement took effect on {date}; mediation ended with an agreement. The worker is "
            "told. Both parties may apply together to the arbitration committee to review and confirm it by {confirm} "
            "(rules Art. 74): please tell the employer too.").format(
            number=result.case.number, date=show_date(day), confirm=confirm_by))
        return True

    @r.callback_query(AgreementStep.filter(F.s == "today"))
    async def signed_today(callback: CallbackQuery, callback_data: AgreementStep, bot: Bot, person: Person,
                           outcomes: OutcomeService, clock: Clock, settings: Settings) -> None:
        await took_effect(callback, bot, callback.from_user.id, person, outcomes, callback_data.id, callback_data.v,
                          today_of(clock, settings))

    @r.callback_query(AgreementStep.filter(F.s == "other"))
    async def signed_other(callback: CallbackQuery, callback_data: AgreementStep, state: FSMContext) -> None:
        await callback.answer()
        await enter_form(state, AgreementForm.signed_on, {"case": callback_data.id, "v": callback_data.v})
        if isinstance(callback.message, Message):
            await callback.message.answer(_("On which day was the last signature or seal put on it? (for example: "
                                            "11月24日, 昨天, today)"))

    @r.message(AgreementForm.signed_on, F.text & ~F.text.startswith("/"))
    async def signed_on(message: Message, bot: Bot, state: FSMContext, person: Person, outcomes: OutcomeService,
                        clock: Clock, settings: Settings) -> None:
        day = read_past_day(message.text or "", today_of(clock, settings))
        if day is None:
            await message.answer(_("I could not read a day up to today in that. Please type it again, for example "
                                   "11月24日 or today."))
            return
        form = await form_of(state)
        if await took_effect(message, bot, message.chat.id, person, outcomes, form["case"], form["v"], day):
            await leave_form(state)

    # No agreement ---------------------------------------------------------------------------------

    @r.callback_query(OutcomeCard.filter(F.o == MediatorOutcome.NO_AGREEMENT))
    async def no_agreement(callback: CallbackQuery, callback_data: OutcomeCard, bot: Bot, person: Person,
                           outcomes: OutcomeService) -> None:
        case = await offered(callback, person, outcomes, callback_data.id, MediatorOutcome.NO_AGREEMENT)
        if case is None:
            return
        await callback.answer()
        await send_text(bot, callback.from_user.id, _("Case {number}: why was there no agreement?").format(
            number=case.number), reply_markup=reasons_keyboard(case.id, callback_data.v))

    @r.callback_query(NoAgreementReason.filter(F.r.in_(NO_AGREEMENT_REASONS)))
    async def reason(callback: CallbackQuery, callback_data: NoAgreementReason, person: Person,
                     outcomes: OutcomeService, state: FSMContext) -> None:
        case = await offered(callback, person, outcomes, callback_data.id, MediatorOutcome.NO_AGREEMENT)
        if case is None:
            return
        await callback.answer()
        await enter_form(state, NoAgreementForm.note, {"case": case.id, "v": callback_data.v,
                                                       "reason": callback_data.r})
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
            await callback.message.answer(
                _("Reason: {reason}. Add a few words for the record (at most {limit} characters; the worker does not "
                  "see them), or end it now.").format(reason=no_agreement_reason_label(callback_data.r),
                                                      limit=COMMENT_LIMIT),
                reply_markup=one_button(_("End mediation without agreement"),
                                        NoAgreementEnd(id=case.id, v=callback_data.v, r=callback_data.r)))

    async def end_without_agreement(bot: Bot, chat_id: int, person: Person, outcomes: OutcomeService, case_id: int,
                                    version: int, reason: str, note: str | None) -> str:
        """Ends it; the words of a refusal when it cannot (ended already, changed meanwhile), else ""."""
        result = await outcomes.no_agreement(person, case_id, version, reason, note)
        if isinstance(result, Declined):
            return refused(result)
        await send_text(bot, chat_id, _(
            "Case {number}: mediation ended without agreement. The worker is told and offered a draft arbitration "
            "application.").format(number=result.case.number))
        return ""

    @r.callback_query(NoAgreementEnd.filter(F.r.in_(NO_AGREEMENT_REASONS)))
    async def without_note(callback: CallbackQuery, callback_data: NoAgreementEnd, bot: Bot, state: FSMContext,
                           person: Person, outcomes: OutcomeService) -> None:
        if await state.get_state() == NoAgreementForm.note.state:
            await leave_form(state)
        why_not = await end_without_agreement(bot, callback.from_user.id, person, outcomes, callback_data.id,
                                              callback_data.v, callback_data.r, None)
        await callback.answer(why_not, show_alert=bool(why_not))
        if not why_not and isinstance(callback.message, Message):
            await remove_keyboard(callback.message)

    @r.message(NoAgreementForm.note, F.text & ~F.text.startswith("/"))
    async def with_note(message: Message, bot: Bot, state: FSMContext, person: Person,
                        outcomes: OutcomeService) -> None:
        text = (message.text or "").strip()
        if len(text) > COMMENT_LIMIT:
            await message.answer(_("Please keep it to at most {limit} characters.").format(limit=COMMENT_LIMIT))
            return
        form = await form_of(state)
        await leave_form(state)
        why_not = await end_without_agreement(bot, message.chat.id, person, outcomes, form["case"], form["v"],
                                              form["reason"], text)
        if why_not:
            await message.answer(why_not)

    # The worker's arbitration application ---------------------------------------------------------------

    @r.callback_query(ApplicationStep.filter(F.s == "start"))
    async def start_application(callback: CallbackQuery, callback_data: ApplicationStep, person: Person,
                                outcomes: OutcomeService, state: FSMContext) -> None:
        result = await outcomes.start_application(person, callback_data.id)
        if isinstance(result, Declined):
            await callback.answer(declined_text(result), show_alert=True)
            return
        await callback.answer()
        await enter_form(state, ApplicationForm.born_on, {"case": callback_data.id})
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
            await callback.message.answer(_(
                "Arbitration application for case {number}. The application must give a few details mediation did "
                "not need (law Art. 28). First: your date of birth (for example: 1990年3月7日). Send /cancel to "
                "stop.").format(number=result.case.number))

    @r.message(ApplicationForm.born_on, F.text & ~F.text.startswith("/"))
    async def born_on(message: Message, state: FSMContext, clock: Clock, settings: Settings) -> None:
        day = read_born_on(message.text or "", today_of(clock, settings))
        if day is None:
            await message.answer(_("I could not read a date of birth in that. Please type it again, for example "
                                   "1990年3月7日."))
            return
        form = await update_form(state, ApplicationForm.id_consent, born_on=day.isoformat())
        await message.answer(_(
            "The application also asks for your ID number (身份证号). It is sensitive personal information (Personal "
            "Information Protection Law, Arts. 28-29): it is kept apart from your case's record, shown only to your "
            "mediator and the arbitration office, and deleted with your case. May I ask for it? If not, its place "
            "is left blank for you to fill in by hand."), reply_markup=id_consent_keyboard(form["case"]))

    # After a number that was not right, the worker may still leave it blank.
    @r.callback_query(StateFilter(ApplicationForm.id_consent, ApplicationForm.id_number),
                      ApplicationStep.filter(F.s.in_(("id_yes", "id_no"))))
    async def id_consent(callback: CallbackQuery, callback_data: ApplicationStep, person: Person,
                         outcomes: OutcomeService, state: FSMContext) -> None:
        given = callback_data.s == "id_yes"
        result = await outcomes.consent_to_id_number(person, callback_data.id, given)
        if isinstance(result, Declined):
            await leave_form(state)
            await callback.answer(declined_text(result), show_alert=True)
            return
        await callback.answer()
        if not isinstance(callback.message, Message):
            return
        await remove_keyboard(callback.message)
        if given:
            await update_form(state, ApplicationForm.id_number)
            await callback.message.answer(_("Thank you. Please type your 18-digit ID number."))
            return
        await update_form(state, ApplicationForm.address)
        await callback.message.answer(_(
            "Understood: your ID number is not asked for and not kept. Its place in the application is left blank; "
            "write it in by hand, or show your ID card at the arbitration office.") + "\n" + address_question())

    def address_question() -> str:
        return _("Your address (where papers can reach you, for example: 武汉市东西湖区吴家山街道新城社区5栋):")

    @r.message(ApplicationForm.id_number, F.text & ~F.text.startswith("/"))
    async def id_number(message: Message, state: FSMContext, person: Person, outcomes: OutcomeService) -> None:
        form = await form_of(state)
        result = await outcomes.give_id_number(person, form["case"], message.text or "",
                                               date.fromisoformat(form["born_on"]))
        if isinstance(result, Declined):
            if result.reason is OutcomeRefusal.BAD_ID_NUMBER:  # asked again, or left blank
                await message.answer(declined_text(result), reply_markup=one_button(
                    _("No, leave it blank"), ApplicationStep(s="id_no", id=form["case"])))
                return
            await leave_form(state)
            await message.answer(declined_text(result))
            return
        await update_form(state, ApplicationForm.address)
        await message.answer(_("Recorded.") + "\n" + address_question())

    @r.message(ApplicationForm.id_consent, F.text & ~F.text.startswith("/"))
    async def consent_first(message: Message) -> None:
        await message.answer(_("Please answer with the buttons above first."))

    @r.message(ApplicationForm.address, F.text & ~F.text.startswith("/"))
    async def address(message: Message, state: FSMContext) -> None:
        text = (message.text or "").strip()
        if len(text) > TEXT_LIMIT or len(text) < 4:
            await message.answer(_("Please type your address as the post would need it."))
            return
        form = await update_form(state, ApplicationForm.legal_representative, address=text)
        await message.answer(_("The name of the employer's legal representative (法定代表人), if you know it:"),
                             reply_markup=one_button(_("I do not know"), ApplicationStep(s="skip", id=form["case"])))

    async def after_legal_representative(message: Message, state: FSMContext, name: str | None) -> None:
        form = await update_form(state, ApplicationForm.employer_address, legal_representative=name)
        await message.answer(_("The employer's address, if you know it:"),
                             reply_markup=one_button(_("I do not know"), ApplicationStep(s="skip", id=form["case"])))

    @r.message(ApplicationForm.legal_representative, F.text & ~F.text.startswith("/"))
    async def legal_representative(message: Message, state: FSMContext) -> None:
        text = (message.text or "").strip()
        if not text or len(text) > 100:
            await message.answer(_("Please type just the name."))
            return
        await after_legal_representative(message, state, text)

    @r.callback_query(ApplicationForm.legal_representative, ApplicationStep.filter(F.s == "skip"))
    async def no_legal_representative(callback: CallbackQuery, state: FSMContext) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
            await after_legal_representative(callback.message, state, None)

    @r.message(ApplicationForm.employer_address, F.text & ~F.text.startswith("/"))
    async def employer_address(message: Message, bot: Bot, state: FSMContext, person: Person,
                               outcomes: OutcomeService, locale: str) -> None:
        text = (message.text or "").strip()
        if not text or len(text) > TEXT_LIMIT:
            await message.answer(_("Please keep it to at most {limit} characters.").format(limit=TEXT_LIMIT))
            return
        await draft_application(bot, message.chat.id, state, person, outcomes, locale, text)

    @r.callback_query(ApplicationForm.employer_address, ApplicationStep.filter(F.s == "skip"))
    async def no_employer_address(callback: CallbackQuery, bot: Bot, state: FSMContext, person: Person,
                                  outcomes: OutcomeService, locale: str) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        await draft_application(bot, callback.from_user.id, state, person, outcomes, locale, None)

    async def draft_application(bot: Bot, chat_id: int, state: FSMContext, person: Person, outcomes: OutcomeService,
                                locale: str, employer: str | None) -> None:
        form = await form_of(state)
        answers = ApplicationAnswers(born_on=date.fromisoformat(form["born_on"]), address=form["address"],
                                     legal_representative=form.get("legal_representative"),
                                     employer_address=employer)
        result = await outcomes.draft_application(person, form["case"], answers, committee_name, locale)
        await leave_form(state)
        if isinstance(result, Declined):
            await send_text(bot, chat_id, declined_text(result))
            return
        await send_papers(bot, chat_id, result)
        await send_text(bot, chat_id, _(
            "Here is your draft application. Please read it: the facts are as you told them, correct anything with "
            "your mediator. If it is right, sign it here (the office will also ask for your signature on paper)."),
            reply_markup=sign_keyboard(form["case"]))

    @r.callback_query(ApplicationStep.filter(F.s == "sign"))
    async def sign(callback: CallbackQuery, callback_data: ApplicationStep, person: Person,
                   outcomes: OutcomeService) -> None:
        result = await outcomes.sign_application(person, callback_data.id)
        if isinstance(result, Declined):
            await callback.answer(declined_text(result), show_alert=True)
            return
        await callback.answer(_("Signed."))
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
            await callback.message.answer(_(
                "Signed. May I pass your application, with the personal information in it (your name, ID number, "
                "address and phone), to the arbitration office of {committee}? Sending it to another organisation "
                "needs your separate consent (Personal Information Protection Law, Art. 23). You can also print it "
                "and take it there yourself.").format(committee=committee_name(result.case.workplace_district)),
                reply_markup=transfer_keyboard(callback_data.id))

    @r.callback_query(ApplicationStep.filter(F.s == "send"))
    async def send(callback: CallbackQuery, callback_data: ApplicationStep, person: Person, outcomes: OutcomeService,
                   clock: Clock, settings: Settings) -> None:
        result = await outcomes.send_application(person, callback_data.id)
        if isinstance(result, Declined):
            await callback.answer(declined_text(result), show_alert=True)
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
            await callback.message.answer(_(
                "✅ Sent on {date} to the arbitration office, with your consent. The committee decides within 5 "
                "working days of receiving the complete application whether to accept it; you will be told.").format(
                date=show_date(today_of(clock, settings))))

    @r.callback_query(ApplicationStep.filter(F.s == "later"))
    async def later(callback: CallbackQuery) -> None:
        await callback.answer(_("Not sent. The buttons stay here for when you want to send it."), show_alert=True)

    @r.callback_query(ApplicationStep.filter(F.s == "papers"))
    async def application_papers(callback: CallbackQuery, callback_data: ApplicationStep, bot: Bot, person: Person,
                                 outcomes: OutcomeService, locale: str) -> None:
        papers = await outcomes.application_papers(person, callback_data.id, committee_name, locale)
        if papers is None:
            await callback.answer(_("This case was not found."), show_alert=True)
            return
        await callback.answer(_("Preparing the documents…"))
        await send_papers(bot, callback.from_user.id, papers)

    return r
