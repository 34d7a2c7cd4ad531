"""Mediation sessions in chat. The mediator holding a case opens "📅 Session" on its card: in person at the
centre or online (a meeting link), then the time typed in words ("下周二上午10点", "tomorrow 3pm") or picked
from the next working days' common slots; a doubtful time (past, a rest day, outside 8:00-20:00) is
questioned before it is kept. The worker confirms or asks for another time (with a reason and a time of
their own if they like); the mediator moves or cancels it. The notices and the timeline lines of these
steps are rendered here too (`templates()`, `session_event_text`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, format_skeleton, format_time

from bot.calendar import WorkingCalendar
from bot.cases import CaseEvent
from bot.chat.outbound import edit_text, remove_keyboard, send_text
from bot.chat.outbox_sender import OutboxSender, Template
from bot.chat.telegram_html import escape
from bot.clock import Clock, local_today
from bot.people import Person
from bot.routing.registry import Centre
from bot.sessions import (
    Concern,
    Declined,
    Place,
    Questioned,
    Reminder,
    ScheduleResult,
    SessionEvent,
    SessionNotice,
    SessionParams,
    SessionPlan,
    SessionRefusal,
    SessionService,
    SessionStatus,
    StoredSession,
    meeting_link,
)
from bot.settings import Settings
from bot.understanding import Moment, Unclear, parse_moment
from handlers.centre_texts import centre_contact_lines
from handlers.intake.texts import locale as current_locale

SLOT_DAYS = 3                                   # working days offered as buttons
SLOTS = (time(9), time(10, 30), time(14, 30), time(16))
STEP_KEY = "session_step"
CONCERN_CODES = {Concern.PAST: "p", Concern.REST_DAY: "r", Concern.OFF_HOURS: "o"}


class SessionMenu(CallbackData, prefix="sn"):
    act: str      # open, in_person, online, move, use (the worker's proposed time), cancel, cancel_yes
    case: int
    s: int = 0    # the session
    r: int = 0    # its revision, as the buttons were drawn


class SessionTime(CallbackData, prefix="sp"):
    """A time picked from the slots, or a questioned time kept."""

    case: int
    at: str           # local, YYYYMMDDHHMM
    ok: str = ""      # the concerns the mediator accepted (CONCERN_CODES)


class SessionAnswer(CallbackData, prefix="sw"):
    s: int
    r: int
    a: str    # ok: confirmed; other: asks for another time; bare: ... without a reason


class SessionStop(CallbackData, prefix="sx"):
    """Cancel on every step: nothing is changed."""


class SessionStep(StatesGroup):
    link = State()         # the mediator types the meeting link
    moment = State()       # the mediator types the time
    other_time = State()   # the worker types when would suit them, and why


# --- Words ------------------------------------------------------------------------------------------

def show_session_time(moment: datetime, zone: tzinfo, locale: str | None = None) -> str:
    """The day with its weekday and the time: "2026年12月8日星期二 10:00", "Tuesday, December 8, 2026 10:00 AM"."""
    locale = locale or current_locale()
    local = moment.astimezone(zone)
    return f"{format_date(local.date(), format='full', locale=locale)} " \
           f"{format_time(local.time(), format='short', locale=locale)}"


def slot_label(moment: datetime, locale: str) -> str:
    return f"{format_skeleton('MMMEd', moment.date(), locale=locale)} {format_time(moment.time(), 'HH:mm')}"


def place_lines(params: SessionParams, centre: Callable[[str], Centre | None], locale: str) -> list[str]:
    if params.place is Place.ONLINE:
        return [_("Online, by this link: {link}").format(link=escape(params.link or ""))]
    found = centre(params.centre_id or "")
    if found is None:
        return [_("In person at the mediation centre.")]
    return [_("In person at {centre}").format(centre=escape(found.name.pick(locale))),
            *centre_contact_lines(found, locale)]


def concern_text(concern: Concern) -> str:
    return {
        Concern.PAST: _("That time has already passed."),
        Concern.REST_DAY: _("That day is a rest day (a weekend or a public holiday)."),
        Concern.OFF_HOURS: _("That is outside 8:00–20:00."),
    }[concern]


def unclear_text(unclear: Unclear) -> str:
    return {
        Unclear.NOTHING: _("I could not read a day and a time in that."),
        Unclear.NO_DAY: _("Which day? Please write the day as well, for example “明天下午3点”."),
        Unclear.NO_TIME: _("At what time? Please write the time as well, for example “上午10点” or “14:30”."),
        Unclear.AMBIGUOUS_HOUR: _("Morning or afternoon? Please write “上午” or “下午” (or am/pm), or use a 24-hour "
                                  "time like 15:00."),
        Unclear.NO_SUCH_TIME: _("There is no such time of day. Please check the hour and the minutes."),
        Unclear.NO_SUCH_DAY: _("There is no such day in that month. Please check the date."),
    }[unclear]


def refusal_text(reason: SessionRefusal) -> str:
    return {
        SessionRefusal.NOT_HOLDER: _("Only the mediator who holds the case can schedule its sessions."),
        SessionRefusal.NOT_FOUND: _("This session was not found."),
        SessionRefusal.CHANGED: _("This session was changed meanwhile; please look at the newest message about it."),
        SessionRefusal.ALREADY_SCHEDULED: _("This case already has a session coming up: move or cancel it first."),
        SessionRefusal.NOT_ACTIVE: _("This session was cancelled."),
    }[reason]


def time_prompt() -> str:
    return _("When is the session? Type the day and time in words (for example “下周二上午10点”, “明天下午3点”, "
             "“12月5日 9:30”, “tomorrow 3pm”), or pick one below. /cancel stops.")


def session_summary(session: StoredSession, zone: tzinfo) -> str:
    status = {
        SessionStatus.PROPOSED: _("waiting for the worker to confirm"),
        SessionStatus.CONFIRMED: _("confirmed by the worker"),
        SessionStatus.OTHER_TIME_ASKED: _("the worker asked for another time"),
        SessionStatus.CANCELLED: _("cancelled"),
    }[session.status]
    where = _("online") if session.place is Place.ONLINE else _("in person at the centre")
    return _("📅 Next session: {moment}, {where} ({status})").format(
        moment=show_session_time(session.starts_at, zone), where=where, status=status)


def session_event_text(event: CaseEvent) -> str | None:
    """A timeline line for this module's events (None: not one of them)."""
    if event.type not in tuple(SessionEvent):
        return None
    moment = ""
    if starts := event.payload.get("starts_at"):
        local = datetime.fromisoformat(starts)   # written with the local offset: no zone needed
        moment = show_session_time(local, local.tzinfo or UTC)
    return {
        SessionEvent.SCHEDULED: _("Mediation session scheduled for {moment}"),
        SessionEvent.CONFIRMED: _("The worker confirmed the session of {moment}"),
        SessionEvent.OTHER_TIME_ASKED: _("The worker asked for another time than {moment}"),
        SessionEvent.RESCHEDULED: _("The session was moved to {moment}"),
        SessionEvent.CANCELLED: _("The session of {moment} was cancelled"),
    }[SessionEvent(event.type)].format(moment=moment)


# --- Keyboards --------------------------------------------------------------------------------------

def session_button(case_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("📅 Session"), callback_data=SessionMenu(act="open", case=case_id).pack())


def with_session_button(keyboard: InlineKeyboardMarkup | None, case_id: int) -> InlineKeyboardMarkup:
    """A case card's buttons and, for the mediator holding the case, the sessions'."""
    rows = list(keyboard.inline_keyboard) if keyboard is not None else []
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [session_button(case_id)]])


def slot_times(today: date, calendar: WorkingCalendar, zone: tzinfo) -> list[datetime]:
    """The common slots of the next working days after today."""
    days, day = [], today
    while len(days) < SLOT_DAYS:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            days.append(day)
    return [datetime.combine(day, slot, zone) for day in days for slot in SLOTS]


def stamp(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y%m%d%H%M")


def read_stamp(text: str, zone: tzinfo) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y%m%d%H%M").replace(tzinfo=zone)
    except ValueError:
        return None


def slot_keyboard(case_id: int, slots: list[datetime], zone: tzinfo, locale: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=slot_label(slot, locale), callback_data=SessionTime(
        case=case_id, at=stamp(slot, zone)).pack()) for slot in slots]
    rows = [buttons[index:index + 2] for index in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, stop_row()])


def stop_row() -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=_("Cancel"), callback_data=SessionStop().pack())]


def place_keyboard(case_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("🏢 In person at the centre"),
                              callback_data=SessionMenu(act="in_person", case=case_id).pack())],
        [InlineKeyboardButton(text=_("💻 Online (a meeting link)"),
                              callback_data=SessionMenu(act="online", case=case_id).pack())],
        stop_row()])


def upcoming_keyboard(session: StoredSession) -> InlineKeyboardMarkup:
    menu = {"case": session.case_id, "s": session.id, "r": session.revision}
    rows = [[InlineKeyboardButton(text=_("🕑 Move it"), callback_data=SessionMenu(act="move", **menu).pack()),
             InlineKeyboardButton(text=_("✖️ Cancel it"), callback_data=SessionMenu(act="cancel", **menu).pack())]]
    if session.proposed_at is not None:
        rows.insert(0, [InlineKeyboardButton(text=_("✅ Take the worker's time"),
                                             callback_data=SessionMenu(act="use", **menu).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def answer_keyboard(params: SessionParams) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("✅ I will come"),
                              callback_data=SessionAnswer(s=params.session_id, r=params.revision, a="ok").pack())],
        [InlineKeyboardButton(text=_("🕑 Ask for another time"),
                              callback_data=SessionAnswer(s=params.session_id, r=params.revision, a="other").pack())]])


def keep_keyboard(case_id: int, questioned: Questioned, zone: tzinfo) -> InlineKeyboardMarkup:
    ok = "".join(sorted(CONCERN_CODES[concern] for concern in questioned.concerns))
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("Yes, keep this time"), callback_data=SessionTime(
            case=case_id, at=stamp(questioned.starts_at, zone), ok=ok).pack())],
        [InlineKeyboardButton(text=_("No, choose another time"),
                              callback_data=SessionMenu(act="retime", case=case_id).pack())],
        stop_row()])


def accepted_concerns(codes: str) -> frozenset[Concern]:
    return frozenset(concern for concern, code in CONCERN_CODES.items() if code in codes)


# --- Notices ----------------------------------------------------------------------------------------

def scheduled_text(params: SessionParams, centre: Callable[[str], Centre | None], zone: tzinfo, locale: str
                   ) -> tuple[str, InlineKeyboardMarkup]:
    moment = show_session_time(params.starts_at, zone, locale)
    if params.previous is not None:
        lines = [_("🕑 The mediation session of case {number} is moved from {previous} to <b>{moment}</b>.").format(
            number=params.number, previous=show_session_time(params.previous, zone, locale), moment=moment)]
    else:
        lines = [_("📅 Your mediator has scheduled a mediation session for case {number}: <b>{moment}</b>.").format(
            number=params.number, moment=moment)]
    lines += place_lines(params, centre, locale)
    if params.place is Place.IN_PERSON:
        lines.append(_("Please bring your ID card and the originals of your evidence."))
    lines.append(_("Can you come? Please confirm, or ask for another time."))
    return "\n".join(lines), answer_keyboard(params)


def confirmed_text(params: SessionParams, zone: tzinfo, locale: str) -> str:
    return _("✅ The worker confirmed the mediation session of case {number}: {moment}.").format(
        number=params.number, moment=show_session_time(params.starts_at, zone, locale))


def confirmed_reply_text(params: SessionParams, centre: Callable[[str], Centre | None], zone: tzinfo,
                         locale: str) -> str:
    lines = [_("✅ Confirmed: the mediation session of case {number} is on {moment}.").format(
        number=params.number, moment=show_session_time(params.starts_at, zone, locale)), *place_lines(
        params, centre, locale), _("I will remind you the day before and an hour before.")]
    return "\n".join(lines)


def other_time_text(params: SessionParams, zone: tzinfo, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("🕑 The worker of case {number} cannot come on {moment} and asks for another time.").format(
        number=params.number, moment=show_session_time(params.starts_at, zone, locale))]
    if params.proposed_at is not None:
        lines.append(_("They propose: {moment}").format(moment=show_session_time(params.proposed_at, zone, locale)))
    if params.reason:
        lines.append(_("They wrote: {reason}").format(reason=escape(params.reason)))
    menu = {"case": params.case_id, "s": params.session_id, "r": params.revision}
    rows = [[InlineKeyboardButton(text=_("🕑 Move the session"), callback_data=SessionMenu(act="move", **menu).pack())]]
    if params.proposed_at is not None:
        rows.insert(0, [InlineKeyboardButton(text=_("✅ Take the worker's time"),
                                             callback_data=SessionMenu(act="use", **menu).pack())])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def other_time_reply_text(params: SessionParams) -> str:
    return _("Your mediator is told and will propose another time for case {number}.").format(number=params.number)


def cancelled_text(params: SessionParams, zone: tzinfo, locale: str) -> str:
    return _("✖️ The mediation session of case {number} on {moment} is cancelled. Your mediator will contact you "
             "about what comes next.").format(number=params.number,
                                              moment=show_session_time(params.starts_at, zone, locale))


def reminder_text(params: SessionParams, centre: Callable[[str], Centre | None], zone: tzinfo, locale: str
                  ) -> str | tuple[str, InlineKeyboardMarkup]:
    """The worker's reminder of a time not confirmed yet comes with the answers' buttons."""
    moment = show_session_time(params.starts_at, zone, locale)
    if params.for_staff:
        head = {Reminder.DAY_BEFORE: _("⏰ Tomorrow: mediation session of case {number} at {moment}."),
                Reminder.HOUR_BEFORE: _("⏰ In an hour: mediation session of case {number} at {moment}.")}
        lines = [head[params.reminder or Reminder.DAY_BEFORE].format(number=params.number, moment=moment)]
        if not params.confirmed:
            lines.append(_("The worker has not confirmed it yet."))
        if params.place is Place.ONLINE:
            lines += place_lines(params, centre, locale)
        return "\n".join(lines)
    head = {Reminder.DAY_BEFORE: _("⏰ Reminder: your mediation session for case {number} is tomorrow, {moment}."),
            Reminder.HOUR_BEFORE: _("⏰ Reminder: your mediation session for case {number} starts in an hour, "
                                    "{moment}.")}
    text = "\n".join([head[params.reminder or Reminder.DAY_BEFORE].format(number=params.number, moment=moment),
                      *place_lines(params, centre, locale)])
    if params.confirmed:
        return text
    return text + "\n" + _("Can you come? Please confirm, or ask for another time."), answer_keyboard(params)


def templates(settings: Settings, centre: Callable[[str], Centre | None]) -> Mapping[str, Template]:
    """This module's notices, by key, for the outbox sender (beside handlers.notices.templates)."""
    zone = settings.zone

    def read(params: dict[str, Any]) -> SessionParams:
        return SessionParams.model_validate(params)

    return {
        SessionNotice.SCHEDULED: lambda params, locale: scheduled_text(read(params), centre, zone, locale),
        SessionNotice.CONFIRMED: lambda params, locale: confirmed_text(read(params), zone, locale),
        SessionNotice.CONFIRMED_REPLY: lambda params, locale: confirmed_reply_text(read(params), centre, zone,
                                                                                   locale),
        SessionNotice.OTHER_TIME: lambda params, locale: other_time_text(read(params), zone, locale),
        SessionNotice.OTHER_TIME_REPLY: lambda params, _locale: other_time_reply_text(read(params)),
        SessionNotice.CANCELLED: lambda params, locale: cancelled_text(read(params), zone, locale),
        SessionNotice.REMINDER: lambda params, locale: reminder_text(read(params), centre, zone, locale),
    }


# --- The steps --------------------------------------------------------------------------------------

async def enter_step(state: FSMContext, step: State, **draft: Any) -> None:
    """A session step taken in the middle of something else: what the chat was doing comes back after."""
    data = await state.get_data()
    resume = data[STEP_KEY]["resume"] if STEP_KEY in data else await state.get_state()
    await state.update_data({STEP_KEY: {**data.get(STEP_KEY, {}), **draft, "resume": resume}})
    await state.set_state(step)


async def step_draft(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get(STEP_KEY, {}))


async def leave_step(state: FSMContext) -> None:
    data = await state.get_data()
    step = data.pop(STEP_KEY, {})
    await state.set_data(data)
    await state.set_state(step.get("resume"))


def router() -> Router:
    r = Router(name="sessions")

    async def reply(callback: CallbackQuery, bot: Bot, text: str, keyboard: InlineKeyboardMarkup | None = None
                    ) -> None:
        await send_text(bot, callback.from_user.id, text, reply_markup=keyboard)

    async def ask_time(bot: Bot, chat_id: int, case_id: int, settings: Settings, clock: Clock,
                       sessions: SessionService, locale: str, note: str | None = None) -> None:
        slots = slot_times(local_today(clock, settings.zone), sessions.calendar(), settings.zone)
        text = f"{note}\n{time_prompt()}" if note else time_prompt()
        await send_text(bot, chat_id, text, reply_markup=slot_keyboard(case_id, slots, settings.zone, locale))

    async def settle(bot: Bot, chat_id: int, person: Person, state: FSMContext, sessions: SessionService,
                     settings: Settings, case_id: int, starts_at: datetime,
                     accepted: frozenset[Concern] = frozenset()) -> None:
        """Schedule or move the session of the step under way at this time, questioned first if doubtful."""
        draft = await step_draft(state)
        if draft.get("case") != case_id:
            await send_text(bot, chat_id, _("This scheduling was stopped. Open the case card to start again."))
            return
        result: ScheduleResult
        if draft.get("session"):
            result = await sessions.reschedule(person, draft["session"], draft["revision"], starts_at, accepted)
        else:
            plan = SessionPlan(place=Place(draft["place"]), link=draft.get("link"))
            result = await sessions.schedule(person, case_id, starts_at, plan, accepted)
        if isinstance(result, Questioned):
            lines = [concern_text(concern) for concern in Concern if concern in result.concerns]
            text = "⚠️ " + " ".join(lines) + "\n" + _("Keep {moment} anyway?").format(
                moment=show_session_time(starts_at, settings.zone))
            await send_text(bot, chat_id, text, reply_markup=keep_keyboard(case_id, result, settings.zone))
            return
        await leave_step(state)
        if isinstance(result, Declined):
            keyboard = upcoming_keyboard(result.session) if result.session is not None and result.session.active \
                else None
            await send_text(bot, chat_id, refusal_text(result.reason), reply_markup=keyboard)
            return
        await send_text(bot, chat_id, _(
            "📅 Session of case {number}: {moment}. The worker is asked to confirm; you will both be reminded the "
            "day before and an hour before.").format(number=result.case.number,
                                                     moment=show_session_time(starts_at, settings.zone)))

    # The mediator ---------------------------------------------------------------------------------

    @r.callback_query(SessionMenu.filter(F.act == "open"))
    async def open_sessions(callback: CallbackQuery, callback_data: SessionMenu, bot: Bot, person: Person,
                            sessions: SessionService, settings: Settings) -> None:
        if not await sessions.may_schedule(person, callback_data.case):
            await callback.answer(refusal_text(SessionRefusal.NOT_HOLDER), show_alert=True)
            return
        await callback.answer()
        upcoming = await sessions.upcoming(person, callback_data.case)
        if upcoming is not None:
            await reply(callback, bot, session_summary(upcoming, settings.zone), upcoming_keyboard(upcoming))
            return
        await reply(callback, bot, _("A mediation session: in person at the centre, or online?"),
                    place_keyboard(callback_data.case))

    @r.callback_query(SessionMenu.filter(F.act.in_(("in_person", "online"))))
    async def chose_place(callback: CallbackQuery, callback_data: SessionMenu, bot: Bot, person: Person,
                          state: FSMContext, sessions: SessionService, settings: Settings, clock: Clock,
                          locale: str) -> None:
        if not await sessions.may_schedule(person, callback_data.case):
            await callback.answer(refusal_text(SessionRefusal.NOT_HOLDER), show_alert=True)
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        if callback_data.act == "online":
            await enter_step(state, SessionStep.link, case=callback_data.case, session=0, place=Place.ONLINE)
            await reply(callback, bot, _("Send the meeting link (it starts with https://). /cancel stops."),
                        InlineKeyboardMarkup(inline_keyboard=[stop_row()]))
            return
        await enter_step(state, SessionStep.moment, case=callback_data.case, session=0, place=Place.IN_PERSON)
        await ask_time(bot, callback.from_user.id, callback_data.case, settings, clock, sessions, locale)

    @r.message(SessionStep.link, F.text & ~F.text.startswith("/"))
    async def typed_link(message: Message, bot: Bot, state: FSMContext, sessions: SessionService,
                         settings: Settings, clock: Clock, locale: str) -> None:
        link = meeting_link(message.text or "")
        if link is None:
            await send_text(bot, message.chat.id, _(
                "That is not a meeting link I can use: send the whole link, starting with https://, for example "
                "https://meeting.tencent.com/dm/abc123"))
            return
        draft = await step_draft(state)
        await enter_step(state, SessionStep.moment, link=link)
        await ask_time(bot, message.chat.id, draft["case"], settings, clock, sessions, locale)

    @r.message(SessionStep.moment, F.text & ~F.text.startswith("/"))
    async def typed_time(message: Message, bot: Bot, state: FSMContext, person: Person, sessions: SessionService,
                         settings: Settings, clock: Clock, locale: str) -> None:
        draft = await step_draft(state)
        if not draft.get("case"):
            await leave_step(state)
            await send_text(bot, message.chat.id, _("This scheduling was stopped. Open the case card to start again."))
            return
        read = parse_moment(message.text or "", local_today(clock, settings.zone))
        if isinstance(read, Unclear):
            await ask_time(bot, message.chat.id, draft["case"], settings, clock, sessions, locale,
                           note=unclear_text(read))
            return
        await settle(bot, message.chat.id, person, state, sessions, settings, draft["case"],
                     at_zone(read, settings.zone))

    @r.message(StateFilter(SessionStep), Command("cancel"))
    async def stop(message: Message, state: FSMContext) -> None:
        await leave_step(state)
        await message.answer(_("Stopped: nothing was changed."))

    @r.callback_query(SessionStop.filter())
    async def stop_pressed(callback: CallbackQuery, state: FSMContext) -> None:
        await callback.answer()
        if await state.get_state() in SessionStep:
            await leave_step(state)
        if isinstance(callback.message, Message):
            await edit_text(callback.message, _("Stopped: nothing was changed."))

    @r.message(StateFilter(SessionStep.link, SessionStep.moment), ~F.text)
    async def not_text(message: Message, bot: Bot) -> None:
        await send_text(bot, message.chat.id, _("Please type it as text, or send /cancel."))

    @r.callback_query(SessionTime.filter())
    async def picked_time(callback: CallbackQuery, callback_data: SessionTime, bot: Bot, person: Person,
                          state: FSMContext, sessions: SessionService, settings: Settings) -> None:
        starts_at = read_stamp(callback_data.at, settings.zone)
        if starts_at is None:
            await callback.answer(unclear_text(Unclear.NO_SUCH_TIME), show_alert=True)
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        await settle(bot, callback.from_user.id, person, state, sessions, settings, callback_data.case,
                     starts_at, accepted_concerns(callback_data.ok))

    @r.callback_query(SessionMenu.filter(F.act == "retime"))
    async def another_time(callback: CallbackQuery, callback_data: SessionMenu, bot: Bot, state: FSMContext,
                           sessions: SessionService, settings: Settings, clock: Clock, locale: str) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        if (await step_draft(state)).get("case") != callback_data.case:
            await reply(callback, bot, _("This scheduling was stopped. Open the case card to start again."))
            return
        await ask_time(bot, callback.from_user.id, callback_data.case, settings, clock, sessions, locale)

    @r.callback_query(SessionMenu.filter(F.act.in_(("move", "use"))))
    async def move(callback: CallbackQuery, callback_data: SessionMenu, bot: Bot, person: Person, state: FSMContext,
                   sessions: SessionService, settings: Settings, clock: Clock, locale: str) -> None:
        upcoming = await sessions.upcoming(person, callback_data.case)
        if not await sessions.may_schedule(person, callback_data.case):
            await callback.answer(refusal_text(SessionRefusal.NOT_HOLDER), show_alert=True)
            return
        if upcoming is None or (upcoming.id, upcoming.revision) != (callback_data.s, callback_data.r):
            await callback.answer(refusal_text(SessionRefusal.CHANGED), show_alert=True)
            return
        await callback.answer()
        await enter_step(state, SessionStep.moment, case=callback_data.case, session=upcoming.id,
                         revision=upcoming.revision)
        if callback_data.act == "use" and upcoming.proposed_at is not None:
            await settle(bot, callback.from_user.id, person, state, sessions, settings, callback_data.case,
                         upcoming.proposed_at)
            return
        await ask_time(bot, callback.from_user.id, callback_data.case, settings, clock, sessions, locale)

    @r.callback_query(SessionMenu.filter(F.act == "cancel"))
    async def ask_cancel(callback: CallbackQuery, callback_data: SessionMenu, bot: Bot) -> None:
        await callback.answer()
        keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
            text=_("Yes, cancel the session"), callback_data=SessionMenu(
                act="cancel_yes", case=callback_data.case, s=callback_data.s, r=callback_data.r).pack())]])
        await reply(callback, bot, _("Cancel this session? The worker is told."), keyboard)

    @r.callback_query(SessionMenu.filter(F.act == "cancel_yes"))
    async def cancelled(callback: CallbackQuery, callback_data: SessionMenu, person: Person,
                        sessions: SessionService) -> None:
        result = await sessions.cancel(person, callback_data.s, callback_data.r)
        if isinstance(result, Declined):
            await callback.answer(refusal_text(result.reason), show_alert=True)
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            await edit_text(callback.message, _("Cancelled: the worker is told."))

    # The worker -----------------------------------------------------------------------------------

    @r.callback_query(SessionAnswer.filter(F.a == "ok"))
    async def confirmed(callback: CallbackQuery, callback_data: SessionAnswer, person: Person,
                        sessions: SessionService, outbox: OutboxSender) -> None:
        result = await sessions.confirm(person, callback_data.s, callback_data.r)
        if isinstance(result, Declined):
            await callback.answer(refusal_text(result.reason)[:200], show_alert=True)
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        await outbox.deliver_now(result.replies)

    @r.callback_query(SessionAnswer.filter(F.a == "other"))
    async def ask_why(callback: CallbackQuery, callback_data: SessionAnswer, bot: Bot, state: FSMContext) -> None:
        await callback.answer()
        await enter_step(state, SessionStep.other_time, session=callback_data.s, revision=callback_data.r)
        keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
            text=_("Just ask, without a reason"),
            callback_data=SessionAnswer(s=callback_data.s, r=callback_data.r, a="bare").pack())], stop_row()])
        await reply(callback, bot, _(
            "When would suit you, and why not then? Write it in one message, for example “周四下午3点以后都可以，"
            "周三要上班”. Your mediator reads it."), keyboard)

    async def other_time(bot: Bot, chat_id: int, person: Person, state: FSMContext, sessions: SessionService,
                         outbox: OutboxSender, session_id: int, revision: int, text: str | None,
                         today: date, zone: tzinfo) -> None:
        proposed = parse_moment(text, today) if text else None
        result = await sessions.ask_other_time(person, session_id, revision, text,
                                               at_zone(proposed, zone) if isinstance(proposed, Moment) else None)
        await leave_step(state)
        if isinstance(result, Declined):
            await send_text(bot, chat_id, refusal_text(result.reason))
            return
        await outbox.deliver_now(result.replies)

    @r.callback_query(SessionAnswer.filter(F.a == "bare"))
    async def without_reason(callback: CallbackQuery, callback_data: SessionAnswer, bot: Bot, person: Person,
                             state: FSMContext, sessions: SessionService, outbox: OutboxSender, settings: Settings,
                             clock: Clock) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        await other_time(bot, callback.from_user.id, person, state, sessions, outbox, callback_data.s,
                         callback_data.r, None, local_today(clock, settings.zone), settings.zone)

    @r.message(SessionStep.other_time, F.text & ~F.text.startswith("/"))
    async def typed_other_time(message: Message, bot: Bot, person: Person, state: FSMContext,
                               sessions: SessionService, outbox: OutboxSender, settings: Settings,
                               clock: Clock) -> None:
        draft = await step_draft(state)
        if not draft.get("session"):
            await leave_step(state)
            return
        await other_time(bot, message.chat.id, person, state, sessions, outbox, draft["session"], draft["revision"],
                         message.text, local_today(clock, settings.zone), settings.zone)

    @r.message(SessionStep.other_time, ~F.text)
    async def other_time_not_text(message: Message, bot: Bot) -> None:
        await send_text(bot, message.chat.id, _("Please type it as text, or send /cancel."))

    return r


def at_zone(moment: Moment, zone: tzinfo) -> datetime:
    return datetime.combine(moment.day, moment.at, zone)
