"""Supervisors: reload the centres registry without a restart; the half-hour coverage map."""

from __future__ import annotations

import asyncio
from pathlib import PurePath

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.numbers import format_percent

from bot.chat.filters import HasRole
from bot.chat.outbound import send_text
from bot.chat.telegram_html import escape
from bot.people import Role
from bot.routing import measure_coverage
from bot.routing.service import RoutingService
from handlers.menu import MenuAction


class CoverageOf(CallbackData, prefix="cov"):
    district: int  # the district's place in the gazetteer


def district_choice(routing: RoutingService, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, district in enumerate(routing.gazetteer.districts):
        builder.button(text=district.name if locale.startswith("zh") else district.name_en,
                       callback_data=CoverageOf(district=index))
    builder.adjust(2)
    return builder.as_markup()


async def send_coverage(bot: Bot, chat_id: int, routing: RoutingService, district: str | None, locale: str) -> None:
    try:
        # Drawing the map takes a moment of CPU: keep the event loop serving others meanwhile.
        report = await asyncio.to_thread(measure_coverage, routing.registry, routing.gazetteer, district,
                                         locale=locale)
    except KeyError:
        names = "、".join(d.name for d in routing.gazetteer.districts)
        await send_text(bot, chat_id, _("No district called “{name}”. Known districts: {names}.").format(
            name=escape(district or ""), names=escape(names)))
        return
    caption = _("Half-hour coverage of {district}: {share} of the area has an in-person centre within 30 minutes "
                "by transit ({covered} of {total} cells of {step} m). Red cells are outside every circle.").format(
        district=escape(report.district if locale.startswith("zh") else report.district_en),
        share=format_percent(report.share, format="#,##0.0%", locale=locale), covered=report.cells_covered,
        total=report.cells_total, step=report.step_m)
    await bot.send_photo(chat_id, BufferedInputFile(report.png, filename="coverage.png"), caption=caption)


def router() -> Router:
    r = Router(name="supervisor")
    r.message.filter(HasRole(Role.SUPERVISOR))
    r.callback_query.filter(HasRole(Role.SUPERVISOR))

    @r.message(Command("reload_centres"))
    async def reload_centres(message: Message, bot: Bot, routing: RoutingService) -> None:
        result = routing.reload()
        # The file by its name only: where the server keeps it is none of the chat's business.
        source = PurePath(result.source)
        name = source.name
        if result.ok:
            await send_text(bot, message.chat.id, _("Registry reloaded: {count} centres from {source}.").format(
                count=result.centres, source=escape(name)))
            return
        await send_text(bot, message.chat.id, _(
            "The centres file {name} has an error, so the {count} centres in use are kept. Correct the file "
            "and send /reload_centres again.\nWhat the check found: {error}").format(
            name=escape(name), count=result.centres,
            error=escape((result.error or "").replace(str(source), name))))

    @r.message(Command("coverage"))
    async def coverage(message: Message, command: CommandObject, bot: Bot, routing: RoutingService,
                       locale: str) -> None:
        if district := (command.args or "").strip():
            await send_coverage(bot, message.chat.id, routing, district, locale)
        else:
            await send_text(bot, message.chat.id, _("Which district's coverage map?"),
                            reply_markup=district_choice(routing, locale))

    @r.callback_query(MenuAction.filter(F.action == "coverage"))
    async def coverage_button(callback: CallbackQuery, bot: Bot, routing: RoutingService, locale: str) -> None:
        await callback.answer()
        await send_text(bot, callback.from_user.id, _("Which district's coverage map?"),
                        reply_markup=district_choice(routing, locale))

    @r.callback_query(CoverageOf.filter())
    async def coverage_of(callback: CallbackQuery, callback_data: CoverageOf, bot: Bot, routing: RoutingService,
                          locale: str) -> None:
        districts = routing.gazetteer.districts
        if not 0 <= callback_data.district < len(districts):
            await callback.answer(_("That button belongs to an earlier question; please use the newest message."))
            return
        await callback.answer()
        await send_coverage(bot, callback.from_user.id, routing, districts[callback_data.district].name, locale)

    return r
