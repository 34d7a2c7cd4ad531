"""/overdue: the cases past or near a limit, grouped by centre, worst first, in pages that fit a Telegram
message; each opens its card with what a supervisor may do (remind whoever holds the step, give the case
to another mediator of its centre, transfer it). A mediator sees their centre's list and their own desk
card. The follow-up of a low rating, opened from its alert, is here too. The words of the events and the
alert's button are in handlers/followup.py; the notices' templates in `templates()`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.cases import Refusal
from bot.chat.outbound import edit_text, send_text
from bot.chat.outbox_sender import Template
from bot.chat.telegram_html import escape
from bot.desk import DeskService
from bot.outcomes import Rating
from bot.overdue import (
    NOTE_LIMIT,
    Declined,
    FollowUpStep,
    FollowUpView,
    Late,
    OverdueCard,
    OverdueCase,
    OverdueList,
    ReassignedParams,
    ReminderParams,
    SupervisionNotice,
    SupervisionRefusal,
    SupervisionService,
)
from bot.people import Person
from bot.routing.service import RoutingService
from bot.settings import Settings
from handlers.case_texts import rating_label, refusal_text
from handlers.desk import live_card, open_keyboard
from handlers.followup import FollowUpDo, FollowUpOpen, step_label, watch_name
from handlers.intake.texts import kind_label, show_date, show_moment

PAGE_CHARS = 3500   # Telegram's limit is 4096; the header and a margin
PAGE_CASES = 10     # a button each
CHOICES = 12        # mediators or centres in one keyboard
CentreName = Callable[[str], str]


class OverduePage(CallbackData, prefix="ovp"):
    page: int


class OverdueOpen(CallbackData, prefix="ovo"):
    id: int


class OverdueAct(CallbackData, prefix="ova"):
    k: str    # r remind, m choose a mediator, t choose a centre
    id: int
    v: int


class OverdueReassign(CallbackData, prefix="ovr"):
    id: int
    v: int
    m: int    # the mediator's person id


class OverdueTransfer(CallbackData, prefix="ovt"):
    id: int
    v: int
    c: str


class FollowUpNote(StatesGroup):
    note = State()


NOTE_KEY = "follow_up_note_case"


# --- Words ------------------------------------------------------------------------------------------

def late_text(late: Late) -> str:
    if late.due_at is not None:  # a local time already
        moment = show_moment(late.due_at, late.due_at.tzinfo)
        return _("due since {moment}").format(moment=moment) if late.passed else \
            _("due by {moment}").format(moment=moment)
    day = show_date(late.due_on)
    if late.passed:
        text = _("{days} days past the last day ({date})").format(days=late.days, date=day)
    elif late.days == 0:
        text = _("last day today ({date})").format(date=day)
    else:
        text = _("{days} days left (last day {date})").format(days=-late.days, date=day)
    if late.term is not None:
        text = _("term {position}: {text}").format(position=late.term, text=text)
    return text


def late_line(late: Late) -> str:
    mark = "🔴" if late.passed else "🟠"
    return f"{mark} {escape(watch_name(late.watch))}: {late_text(late)}"


def case_line(item: OverdueCase) -> str:
    urgent = "🚨 " if item.case.urgent else ""
    holder = escape(item.holder) if item.holder else _("no mediator yet")
    head = f"{urgent}<b>{item.case.number}</b> · {escape(kind_label(item.case.kind))} · {holder}"
    return "\n".join([head, *(f"  {late_line(late)}" for late in item.late)])


def centre_title(centre_id: str | None, centre_name: CentreName) -> str:
    return "🏢 <b>" + (escape(centre_name(centre_id)) if centre_id else _("No centre yet")) + "</b>"


def pages(found: OverdueList, centre_name: CentreName) -> list[tuple[str, list[OverdueCase]]]:
    """The list cut into messages: each within PAGE_CHARS and PAGE_CASES, a centre's title on every page
    it continues on."""
    result: list[tuple[list[str], list[OverdueCase]]] = []
    lines: list[str] = []
    cases: list[OverdueCase] = []
    size = 0
    for group in found.groups:
        title = centre_title(group.centre_id, centre_name)
        titled = False
        for item in group.cases:
            line = case_line(item)
            adding = len(line) + (0 if titled else len(title) + 2)
            if cases and (size + adding > PAGE_CHARS or len(cases) == PAGE_CASES):
                result.append((lines, cases))
                lines, cases, size, titled = [], [], 0, False
                adding = len(line) + len(title) + 2
            if not titled:
                lines += ["", title]
                titled = True
            lines.append(line)
            cases.append(item)
            size += adding
    if cases:
        result.append((lines, cases))
    return [("\n".join(page_lines), page_cases) for page_lines, page_cases in result]


def list_header(found: OverdueList, page: int, count: int) -> str:
    head = _("⏰ <b>Past or near a limit</b>: {count} cases, worst first ({today})").format(
        count=found.count, today=show_date(found.today))
    if count > 1:
        head += "\n" + _("Page {page} of {pages}").format(page=page + 1, pages=count)
    return head


def page_view(found: OverdueList, page: int, centre_name: CentreName) -> tuple[str, InlineKeyboardMarkup | None]:
    cut = pages(found, centre_name)
    if not cut:
        return _("✅ No case is past or near a limit."), None
    page = min(max(page, 0), len(cut) - 1)
    text, shown = cut[page]
    builder = InlineKeyboardBuilder()
    for item in shown:
        builder.button(text=("🔴 " if item.late[0].passed else "🟠 ") + (item.case.number or ""),
                       callback_data=OverdueOpen(id=item.case.id))
    builder.adjust(2)
    pager = InlineKeyboardBuilder()
    if page > 0:
        pager.button(text=_("⬅️ Back"), callback_data=OverduePage(page=page - 1))
    if page + 1 < len(cut):
        pager.button(text=_("More ➡️"), callback_data=OverduePage(page=page + 1))
    builder.attach(pager)
    return list_header(found, page, len(cut)) + "\n" + text, builder.as_markup()


def late_section(card: OverdueCard) -> str:
    if not card.item.late:
        return _("✅ Nothing on this case is past or near a limit now.")
    return "\n".join([_("⏰ <b>Limits</b>"), *(late_line(late) for late in card.item.late)])


def supervisor_keyboard(card: OverdueCard) -> InlineKeyboardMarkup:
    case = card.item.case
    builder = InlineKeyboardBuilder()
    if card.item.late:
        builder.button(text=_("🔔 Remind the holder"), callback_data=OverdueAct(k="r", id=case.id, v=case.version))
    if card.colleagues:
        builder.button(text=_("👤 Give to another mediator"), callback_data=OverdueAct(k="m", id=case.id,
                                                                                       v=case.version))
    builder.button(text=_("↪️ Transfer"), callback_data=OverdueAct(k="t", id=case.id, v=case.version))
    builder.button(text=_("⬅️ Back to the list"), callback_data=OverduePage(page=0))
    builder.adjust(1)
    return builder.as_markup()


def colleagues_keyboard(card: OverdueCard) -> InlineKeyboardMarkup:
    case = card.item.case
    builder = InlineKeyboardBuilder()
    for person in card.colleagues[:CHOICES]:
        builder.button(text=(person.display_name or str(person.id))[:60],
                       callback_data=OverdueReassign(id=case.id, v=case.version, m=person.id))
    builder.button(text=_("Cancel"), callback_data=OverdueOpen(id=case.id))
    builder.adjust(1)
    return builder.as_markup()


def centres_keyboard(card: OverdueCard, routing: RoutingService, locale: str) -> InlineKeyboardMarkup:
    """Centres that take cases, the case's own district first; its centre left out."""
    case = card.item.case
    centres = [centre for centre in routing.registry.centres if centre.accepts_cases and centre.id != case.centre_id]
    centres.sort(key=lambda centre: (centre.district != case.workplace_district, centre.id))
    builder = InlineKeyboardBuilder()
    for centre in centres[:CHOICES]:
        data = OverdueTransfer(id=case.id, v=case.version, c=centre.id)
        if len(data.pack().encode()) <= 64:
            builder.button(text=centre.name.pick(locale)[:60], callback_data=data)
    builder.button(text=_("Cancel"), callback_data=OverdueOpen(id=case.id))
    builder.adjust(1)
    return builder.as_markup()


def declined_text(declined: Declined) -> str:
    if isinstance(declined.reason, Refusal):
        return refusal_text(declined.reason, declined.case)
    return {
        SupervisionRefusal.NOTHING_DUE: _("Nothing on this case is past or near a limit now."),
        SupervisionRefusal.NO_HOLDER: _("Nobody holds this step now: the centre has no mediator. Transfer the case "
                                        "or add staff with /invite."),
        SupervisionRefusal.NOT_A_COLLEAGUE: _("That person is no longer a mediator of the case's centre."),
        SupervisionRefusal.NOT_LOW_RATED: _("This case has no rating below “basically satisfied” to follow up."),
        SupervisionRefusal.FOLLOW_UP_CLOSED: _("The follow-up of this rating is closed."),
        SupervisionRefusal.EMPTY_NOTE: _("Please type the note as text."),
    }[declined.reason]


def reminder_text(notice: ReminderParams) -> tuple[str, InlineKeyboardMarkup]:
    late = Late(notice.watch, notice.due_on, notice.days, due_at=notice.due_at, passed_now=notice.passed)
    return _("🔔 Supervisor {name} asks you to act on case {number}: {limit} — {late}.").format(
        name=escape(notice.supervisor), number=notice.number, limit=escape(watch_name(notice.watch)),
        late=late_text(late)), open_keyboard(notice.case_id)


def reassigned_text(notice: ReassignedParams) -> tuple[str, InlineKeyboardMarkup]:
    return _("👤 Supervisor {name} gave case {number} to you. The worker is told who handles it now.").format(
        name=escape(notice.supervisor), number=notice.number), open_keyboard(notice.case_id)


def templates() -> Mapping[str, Template]:
    """This module's notices, by key, for the outbox sender (beside handlers.notices.templates)."""
    return {
        SupervisionNotice.REMINDER: lambda params, _locale: reminder_text(ReminderParams.model_validate(params)),
        SupervisionNotice.REASSIGNED: lambda params, _locale: reassigned_text(ReassignedParams.model_validate(params)),
    }


def follow_up_section(view: FollowUpView, settings: Settings) -> str:
    rating = rating_label(Rating(view.rating)) if view.rating in tuple(Rating) else escape(view.rating)
    lines = [_("⚠️ <b>Rated “{rating}” by the worker</b>").format(rating=rating)]
    if view.comment:
        lines.append(_("The worker's comment: {comment}").format(comment=escape(view.comment)))
    if view.done:
        lines.append(_("<b>Follow-up so far</b>"))
    for event in view.done:
        step = event.payload.get("step")
        label = step_label(FollowUpStep(step)) if step in tuple(FollowUpStep) else escape(str(step))
        line = f"{show_moment(event.occurred_at, settings.zone)} {label}"
        if event.note:
            line += f": {escape(event.note)}"
        lines.append(line)
    if view.closed:
        lines.append(_("The follow-up is closed."))
    return "\n".join(lines)


def follow_up_keyboard(view: FollowUpView) -> InlineKeyboardMarkup | None:
    if view.closed:
        return None
    builder = InlineKeyboardBuilder()
    for step in FollowUpStep:
        builder.button(text=step_label(step), callback_data=FollowUpDo(id=view.case.id, s=step))
    builder.adjust(1)
    return builder.as_markup()


# --- Handlers ---------------------------------------------------------------------------------------

def router() -> Router:
    r = Router(name="overdue")

    def names(routing: RoutingService, locale: str) -> CentreName:
        return lambda centre: routing.centre_name(centre, locale)

    async def show_list(bot: Bot, chat_id: int, person: Person, supervision: SupervisionService,
                        routing: RoutingService, locale: str, page: int, message: Message | None = None) -> None:
        found = await supervision.overdue(person)
        if found is None:
            await send_text(bot, chat_id, _("The overdue list is for supervisors and the centres' mediators. "
                                            "/help lists what you can do."))
            return
        text, keyboard = page_view(found, page, names(routing, locale))
        if message is not None:
            await edit_text(message, text, reply_markup=keyboard)
        else:
            await send_text(bot, chat_id, text, reply_markup=keyboard)

    @r.message(Command("overdue"))
    async def overdue_command(message: Message, bot: Bot, person: Person, supervision: SupervisionService,
                              routing: RoutingService, locale: str) -> None:
        await show_list(bot, message.chat.id, person, supervision, routing, locale, 0)

    @r.callback_query(OverduePage.filter())
    async def overdue_page(callback: CallbackQuery, callback_data: OverduePage, bot: Bot, person: Person,
                           supervision: SupervisionService, routing: RoutingService, locale: str) -> None:
        await callback.answer()
        message = callback.message if isinstance(callback.message, Message) else None
        await show_list(bot, callback.from_user.id, person, supervision, routing, locale, callback_data.page, message)

    async def show_card(bot: Bot, chat_id: int, person: Person, case_id: int, supervision: SupervisionService,
                        desk: DeskService, settings: Settings, locale: str, note: str | None = None) -> bool:
        card = await supervision.card(person, case_id)
        desk_card = await desk.card(person, case_id) if card is not None else None
        if card is None or desk_card is None:
            return False
        text, desk_keyboard = live_card(desk_card, person, settings, locale)
        text = f"{text}\n\n{late_section(card)}"
        if note:
            text = f"{note}\n\n{text}"
        await send_text(bot, chat_id, text, reply_markup=supervisor_keyboard(card) if card.may_act else desk_keyboard)
        return True

    @r.callback_query(OverdueOpen.filter())
    async def open_card(callback: CallbackQuery, callback_data: OverdueOpen, bot: Bot, person: Person,
                        supervision: SupervisionService, desk: DeskService, settings: Settings, locale: str) -> None:
        if not await show_card(bot, callback.from_user.id, person, callback_data.id, supervision, desk, settings,
                               locale):
            await callback.answer(_("This case was not found."), show_alert=True)
            return
        await callback.answer()

    @r.callback_query(OverdueAct.filter(F.k == "r"))
    async def remind(callback: CallbackQuery, callback_data: OverdueAct, bot: Bot, person: Person,
                     supervision: SupervisionService, locale: str) -> None:
        result = await supervision.remind(person, callback_data.id)
        if isinstance(result, Declined):
            await callback.answer(declined_text(result)[:200], show_alert=True)
            return
        who = ("、" if locale.startswith("zh") else ", ").join(escape(told.display_name or str(told.id))
                                                              for told in result.told)
        await callback.answer(_("Reminded."))
        await send_text(bot, callback.from_user.id, _("🔔 Case {number}: reminded {who}.").format(
            number=result.case.number, who=who))

    @r.callback_query(OverdueAct.filter(F.k.in_(("m", "t"))))
    async def choose(callback: CallbackQuery, callback_data: OverdueAct, bot: Bot, person: Person,
                     supervision: SupervisionService, routing: RoutingService, locale: str) -> None:
        card = await supervision.card(person, callback_data.id)
        if card is None or not card.may_act:
            await callback.answer(_("This case was not found."), show_alert=True)
            return
        await callback.answer()
        number = card.item.case.number
        if callback_data.k == "m":
            await send_text(bot, callback.from_user.id, _("Give case {number} to which mediator of its centre?").format(
                number=number), reply_markup=colleagues_keyboard(card))
        else:
            await send_text(bot, callback.from_user.id, _("Transfer case {number} to which centre?").format(
                number=number), reply_markup=centres_keyboard(card, routing, locale))

    @r.callback_query(OverdueReassign.filter())
    async def reassign(callback: CallbackQuery, callback_data: OverdueReassign, bot: Bot, person: Person,
                       supervision: SupervisionService, desk: DeskService, settings: Settings, locale: str) -> None:
        result = await supervision.reassign(person, callback_data.id, callback_data.v, callback_data.m)
        if isinstance(result, Declined):
            await callback.answer(declined_text(result)[:200], show_alert=True)
            return
        await callback.answer(_("Done."))
        [mediator] = result.told
        await show_card(bot, callback.from_user.id, person, callback_data.id, supervision, desk, settings, locale,
                        note=_("👤 Case {number} is now {name}'s; they and the worker are told.").format(
                            number=result.case.number, name=escape(mediator.display_name)))

    @r.callback_query(OverdueTransfer.filter())
    async def transfer(callback: CallbackQuery, callback_data: OverdueTransfer, bot: Bot, person: Person,
                       supervision: SupervisionService, routing: RoutingService, locale: str) -> None:
        result = await supervision.transfer(person, callback_data.id, callback_data.v, callback_data.c)
        if isinstance(result, Declined):
            await callback.answer(declined_text(result)[:200], show_alert=True)
            return
        await callback.answer(_("Done."))
        await send_text(bot, callback.from_user.id, _(
            "↪️ Case {number} transferred to {centre}: its mediators and the worker are told.").format(
            number=result.case.number, centre=escape(routing.centre_name(callback_data.c, locale))))

    # The follow-up of a low rating ------------------------------------------------------------------

    async def show_follow_up(bot: Bot, chat_id: int, person: Person, view: FollowUpView, desk: DeskService,
                             settings: Settings, locale: str) -> None:
        desk_card = await desk.card(person, view.case.id)
        text = follow_up_section(view, settings)
        if desk_card is not None:
            text = live_card(desk_card, person, settings, locale)[0] + "\n\n" + text
        await send_text(bot, chat_id, text, reply_markup=follow_up_keyboard(view))

    @r.callback_query(FollowUpOpen.filter())
    async def follow_up_open(callback: CallbackQuery, callback_data: FollowUpOpen, bot: Bot, person: Person,
                             supervision: SupervisionService, desk: DeskService, settings: Settings,
                             locale: str) -> None:
        view = await supervision.follow_up_view(person, callback_data.id)
        if isinstance(view, Declined):
            await callback.answer(declined_text(view)[:200], show_alert=True)
            return
        await callback.answer()
        await show_follow_up(bot, callback.from_user.id, person, view, desk, settings, locale)

    @r.callback_query(FollowUpDo.filter(F.s == FollowUpStep.NOTE))
    async def ask_note(callback: CallbackQuery, callback_data: FollowUpDo, bot: Bot, person: Person,
                       state: FSMContext, supervision: SupervisionService) -> None:
        view = await supervision.follow_up_view(person, callback_data.id)
        if isinstance(view, Declined) or view.closed:
            reason = view if isinstance(view, Declined) else Declined(SupervisionRefusal.FOLLOW_UP_CLOSED)
            await callback.answer(declined_text(reason)[:200], show_alert=True)
            return
        await callback.answer()
        await state.update_data({NOTE_KEY: {"case": callback_data.id, "resume": await state.get_state()}})
        await state.set_state(FollowUpNote.note)
        await send_text(bot, callback.from_user.id, _(
            "Write the note in one message (at most {limit} characters), or send /cancel. It is kept with the "
            "case and deleted with the worker's personal data.").format(limit=NOTE_LIMIT))

    @r.callback_query(FollowUpDo.filter(F.s.in_(tuple(FollowUpStep))))
    async def follow_up_step(callback: CallbackQuery, callback_data: FollowUpDo, bot: Bot, person: Person,
                             supervision: SupervisionService, desk: DeskService, settings: Settings,
                             locale: str) -> None:
        view = await supervision.follow_up(person, callback_data.id, FollowUpStep(callback_data.s))
        if isinstance(view, Declined):
            await callback.answer(declined_text(view)[:200], show_alert=True)
            return
        await callback.answer(_("Recorded."))
        await show_follow_up(bot, callback.from_user.id, person, view, desk, settings, locale)

    async def leave_note_step(state: FSMContext) -> int | None:
        data = await state.get_data()
        step = data.pop(NOTE_KEY, {})
        await state.set_data(data)
        await state.set_state(step.get("resume"))
        return step.get("case")

    @r.message(FollowUpNote.note, Command("cancel"))
    async def no_note(message: Message, state: FSMContext) -> None:
        await leave_note_step(state)
        await message.answer(_("No note added."))

    @r.message(FollowUpNote.note, F.text & ~F.text.startswith("/"))
    async def noted(message: Message, bot: Bot, state: FSMContext, person: Person, supervision: SupervisionService,
                    desk: DeskService, settings: Settings, locale: str) -> None:
        text = (message.text or "").strip()
        if len(text) > NOTE_LIMIT:
            await send_text(bot, message.chat.id, _("Please keep the note to at most {limit} characters.").format(
                limit=NOTE_LIMIT))
            return
        case_id = await leave_note_step(state)
        view = await supervision.follow_up(person, case_id, FollowUpStep.NOTE, text) if case_id is not None else None
        if view is None or isinstance(view, Declined):
            await send_text(bot, message.chat.id, declined_text(view) if view else _("This case was not found."))
            return
        await show_follow_up(bot, message.chat.id, person, view, desk, settings, locale)

    @r.message(FollowUpNote.note, ~F.text)
    async def note_not_text(message: Message, bot: Bot) -> None:
        await send_text(bot, message.chat.id, _("Please type the note as text, or send /cancel."))

    return r
