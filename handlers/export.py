"""/export [period] [full]: a supervisor's cases filed in the period as an XLSX workbook (the case rows, the rate
summary, a sheet per centre) and a CSV of the rows, sent as documents. Workers' names and phones are masked
unless a supervisor of the cases' district asks for full data (`/export 上个月 full`, or the button under a
masked export); each such request is recorded in the access log. The rows come from bot/register.py."""

from __future__ import annotations

import asyncio
from datetime import date

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.chat.outbound import send_text
from bot.chat.telegram_html import escape
from bot.people import Person
from bot.rates import Period, PeriodError, PeriodProblem, Places
from bot.register import ChatExport, ExportRefused, ExportService, render_csv, render_workbook
from handlers.rates import problem_text


def _day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _day(number: int) -> date:
    return date(number // 10000, number // 100 % 100, number % 100)


class ExportFull(CallbackData, prefix="exf"):
    """The same period's export with full data: first and last day as yyyymmdd."""

    a: int
    b: int


def full_keyboard(period: Period) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔓 Full names and phones (recorded in the access log)"),
                   callback_data=ExportFull(a=_day_number(period.start), b=_day_number(period.end)))
    return builder.as_markup()


def export_text(export: ChatExport, places: Places, locale: str) -> str:
    scope = places.district_name(export.district, locale) if export.district else _("the whole city")
    lines = [_("📦 {count} cases filed from {start} to {end} · {scope}").format(
        count=len(export.summaries), start=export.period.start.isoformat(), end=export.period.end.isoformat(),
        scope=escape(scope))]
    if export.full:
        lines.append(_("Full names and phones: this export is recorded in the access log under your name."))
    else:
        lines.append(_("Workers' names and phones are masked."))
    if export.full_refused:
        lines.append(_("Full data goes only to a supervisor of the cases' district."))
    elif export.may_ask_full:
        lines.append(_("Full data: /export {period} full, or the button below.").format(
            period=f"{export.period.start.isoformat()}..{export.period.end.isoformat()}"))
    return "\n".join(lines)


async def answer(bot: Bot, chat_id: int, result: ChatExport | ExportRefused | PeriodError, exports: ExportService,
                 locale: str) -> None:
    places = exports.rates.places
    if isinstance(result, ExportRefused):
        await send_text(bot, chat_id, _("Exports are for the district's supervisors. If you need one, please ask your "
                                        "district's labour-dispute mediation office."))
        return
    if isinstance(result, PeriodError):
        await send_text(bot, chat_id, problem_text(result, locale))
        return
    workbook = await asyncio.to_thread(render_workbook, result.summaries, locale, result.report, places)
    stem = f"cases-{result.period.start.isoformat()}_{result.period.end.isoformat()}" + ("-full" if result.full else "")
    await send_text(bot, chat_id, export_text(result, places, locale),
                    reply_markup=full_keyboard(result.period) if result.may_ask_full else None)
    await bot.send_document(chat_id, BufferedInputFile(workbook, filename=f"{stem}.xlsx"))
    table = render_csv(result.summaries, locale, places)
    await bot.send_document(chat_id, BufferedInputFile(table, filename=f"{stem}.csv"))


def router() -> Router:
    r = Router(name="export")

    @r.message(Command("export"))
    async def export_command(message: Message, command: CommandObject, bot: Bot, person: Person,
                             exports: ExportService, locale: str) -> None:
        await answer(bot, message.chat.id, await exports.ask(person, command.args or ""), exports, locale)

    @r.callback_query(ExportFull.filter())
    async def export_full(callback: CallbackQuery, callback_data: ExportFull, bot: Bot, person: Person,
                          exports: ExportService, locale: str) -> None:
        await callback.answer()
        try:
            period = Period(start=_day(callback_data.a), end=_day(callback_data.b))
        except ValueError:
            result: ChatExport | ExportRefused | PeriodError = PeriodError(PeriodProblem.UNREADABLE,
                                                                           str(callback_data.a))
        else:
            result = await exports.export(person, period, full=True)
        await answer(bot, callback.from_user.id, result, exports, locale)

    return r
