"""/rates [period] [scope]: the rates the district is judged by. Supervisors see their district (a city-wide
one the city), mediators their own centre; anyone else is refused politely (the service logs it). The scope
is typed ("/rates 上个月 吴家山街道") or chosen from the buttons under the answer; `/rates help` shows how each
rate is counted. The figures and their wording come from bot/rates.py."""

from __future__ import annotations

import asyncio
from datetime import date

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.cases import DisputeKind
from bot.charts import ChartData, chart_data
from bot.charts import png as chart_png
from bot.chat.outbound import send_text
from bot.chat.telegram_html import escape
from bot.people import Person, Role
from bot.rates import (
    Declined,
    Period,
    PeriodError,
    PeriodProblem,
    Places,
    RatesService,
    Refused,
    Report,
    Scope,
    ScopeError,
    ScopeProblem,
    kind_name,
    render_definitions,
    render_examples,
    render_report,
    wants_help,
)

CHOICES_SHOWN = 40   # buttons in one list; more are typed
CAPTION_LIMIT = 1024  # Telegram's, for a photo's caption


def _day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _day(number: int) -> date:
    return date(number // 10000, number // 100 % 100, number % 100)


class RatesOf(CallbackData, prefix="rt"):
    """The figures for a period (first and last day as yyyymmdd) and a scope: `d` says of what sort
    ("" the asker's own, c centre, d district, s street, k kind) and `v` which."""

    a: int
    b: int
    d: str = ""
    v: str = ""


class RatesChoice(CallbackData, prefix="rc"):
    """The list of centres (c), districts (d), streets (s) or kinds (k) to choose the scope from."""

    a: int
    b: int
    d: str


def _scope(sort: str, value: str) -> Scope | None:
    """The scope a button names; None: the asker's own."""
    if sort == "c":
        return Scope(centre=value)
    if sort == "d":
        return Scope(district=value)
    if sort == "s":
        return Scope(street=value)
    if sort == "k" and value in tuple(DisputeKind):
        return Scope(kind=DisputeKind(value))
    return None


def scope_keyboard(person: Person, period: Period) -> InlineKeyboardMarkup | None:
    """Other scopes of the same period: a supervisor's sorts of scope, and back to their own."""
    if person.role is not Role.SUPERVISOR:
        return None
    a, b = _day_number(period.start), _day_number(period.end)
    builder = InlineKeyboardBuilder()
    if person.city_wide:
        builder.button(text=_("🗺 A district"), callback_data=RatesChoice(a=a, b=b, d="d"))
    builder.button(text=_("🏢 A centre"), callback_data=RatesChoice(a=a, b=b, d="c"))
    builder.button(text=_("🛣 A street"), callback_data=RatesChoice(a=a, b=b, d="s"))
    builder.button(text=_("📂 A dispute kind"), callback_data=RatesChoice(a=a, b=b, d="k"))
    builder.button(text=_("↩️ The whole city") if person.city_wide else _("↩️ The whole district"),
                   callback_data=RatesOf(a=a, b=b))
    builder.adjust(2)
    return builder.as_markup()


def choice_keyboard(person: Person, sort: str, a: int, b: int, places: Places, locale: str
                    ) -> InlineKeyboardMarkup:
    district = None if person.city_wide else person.district
    if sort == "k":
        options = [(kind.value, kind_name(kind, locale)) for kind in DisputeKind]
    elif sort == "d":
        options = [(name, places.district_name(name, locale)) for name in places.districts()]
    elif sort == "c":
        options = [(centre, places.centre_name(centre, locale)) for centre in places.centres(district)]
    else:
        options = [(street, places.street_name(street, locale)) for street in places.streets(district)]
    builder = InlineKeyboardBuilder()
    for value, label in options[:CHOICES_SHOWN]:
        data = RatesOf(a=a, b=b, d=sort, v=value)
        if len(data.pack().encode()) <= 64:   # Telegram's limit on a button's data; a longer name is typed
            builder.button(text=label, callback_data=data)
    builder.adjust(2)
    return builder.as_markup()


def refusal_text(refused: Refused, places: Places, locale: str) -> str:
    if refused.reason is Declined.OWN_CENTRE_ONLY:
        return _("You can see the figures of your own centre, {centre}: send /rates.").format(
            centre=escape(places.centre_name(refused.allowed or "", locale)))
    if refused.reason is Declined.OWN_DISTRICT_ONLY:
        return _("You can see the figures of {district}: its centres, streets and dispute kinds.").format(
            district=escape(places.district_name(refused.allowed or "", locale)))
    return _("The rates are for the district's supervisors and mediation centres. If you need them, please ask "
             "your district's labour-dispute mediation office.")


def problem_text(problem: PeriodError | ScopeError, locale: str) -> str:
    written = escape(problem.written)
    sentences = {
        PeriodProblem.UNREADABLE: _("I could not read “{written}” as a period."),
        PeriodProblem.NO_SUCH_DATE: _("“{written}” is not a date on the calendar."),
        PeriodProblem.NOT_BEGUN: _("“{written}” has not begun yet."),
        ScopeProblem.UNKNOWN: _("I know no centre, street, district or dispute kind called “{written}”."),
        ScopeProblem.TWO_PLACES: _("A centre or a street is asked for alone, and a dispute kind with the city or "
                                   "a district: “{written}”."),
    }
    return sentences[problem.problem].format(written=written) + "\n" + escape(render_examples(locale))


def chart_caption(data: ChartData) -> str:
    return _("📈 {scope}: each rate month by month over the last 12 months against its target (dashed), and "
             "mediation success by centre for {start} to {end}. The figures are in the message above.").format(
        scope=escape(data.scope), start=data.period.start.isoformat(), end=data.period.end.isoformat()
    )[:CAPTION_LIMIT]


async def send_chart(bot: Bot, chat_id: int, report: Report, rates: RatesService, locale: str) -> None:
    data = await chart_data(rates, report, locale)
    # Drawing takes up to a second or more of CPU (bench/chart.py): off the event loop, so other chats go on.
    picture = await asyncio.to_thread(chart_png, data, locale)
    await bot.send_photo(chat_id, BufferedInputFile(picture, filename="rates.png"), caption=chart_caption(data))


async def answer(bot: Bot, chat_id: int, person: Person, result: Report | Refused | PeriodError | ScopeError,
                 rates: RatesService, locale: str) -> None:
    if isinstance(result, Report):
        await send_text(bot, chat_id, render_report(result, rates.places, locale, html=True, today=rates.today()),
                        reply_markup=scope_keyboard(person, result.period))
        await send_chart(bot, chat_id, result, rates, locale)
    elif isinstance(result, Refused):
        await send_text(bot, chat_id, refusal_text(result, rates.places, locale))
    else:
        await send_text(bot, chat_id, problem_text(result, locale))


def router() -> Router:
    r = Router(name="rates")

    @r.message(Command("rates"))
    async def rates_command(message: Message, command: CommandObject, bot: Bot, person: Person, rates: RatesService,
                            locale: str) -> None:
        text = command.args or ""
        if wants_help(text):
            await send_text(bot, message.chat.id, render_definitions(locale, html=True))
            return
        await answer(bot, message.chat.id, person, await rates.ask(person, text), rates, locale)

    @r.callback_query(RatesOf.filter())
    async def rates_of(callback: CallbackQuery, callback_data: RatesOf, bot: Bot, person: Person,
                       rates: RatesService, locale: str) -> None:
        await callback.answer()
        try:
            period = Period(start=_day(callback_data.a), end=_day(callback_data.b))
        except ValueError:
            await send_text(bot, callback.from_user.id, problem_text(
                PeriodError(PeriodProblem.UNREADABLE, str(callback_data.a)), locale))
            return
        result = await rates.for_person(person, period, _scope(callback_data.d, callback_data.v))
        await answer(bot, callback.from_user.id, person, result, rates, locale)

    @r.callback_query(RatesChoice.filter())
    async def choose(callback: CallbackQuery, callback_data: RatesChoice, bot: Bot, person: Person,
                     rates: RatesService, locale: str) -> None:
        await callback.answer()
        if person.role is not Role.SUPERVISOR:
            await send_text(bot, callback.from_user.id, refusal_text(Refused(Declined.NOT_STAFF), rates.places, locale))
            return
        questions = {"c": _("Which centre?"), "d": _("Which district?"), "s": _("Which street?"),
                     "k": _("Which dispute kind?")}
        await send_text(bot, callback.from_user.id, questions.get(callback_data.d, questions["c"]),
                        reply_markup=choice_keyboard(person, callback_data.d, callback_data.a, callback_data.b,
                                                     rates.places, locale))

    return r
