"""/start and /help: a greeting in the person's language with the menu of their role."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import BotCommand, BotCommandScopeChat, CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.chat.outbound import send_text
from bot.chat.telegram_html import escape
from bot.people import Person, Role
from handlers.menu import MenuAction, menu_keyboard


def greeting(person: Person) -> str:
    name = escape(person.display_name) or _("there")
    intros = {
        Role.WORKER: _(
            "This is <b>Half-Hour Mediation</b>, labour-dispute mediation for Wuhan's districts. "
            "Unpaid wages, labour-contract disputes, platform work (delivery, ride-hailing, couriers): "
            "tell us here and we bring your case to a mediation centre you can reach within half an hour, "
            "or to online mediation."
        ),
        Role.MEDIATOR: _("You are signed in as a <b>mediator</b>. Cases of your centre reach you here."),
        Role.SUPERVISOR: _("You are signed in as a <b>supervisor</b>. Rates, overdue cases and the registry are here."),
        Role.INSPECTION: _("You are signed in as the <b>labour-inspection liaison</b> of your district. Cases "
                           "handed to labour inspection reach you here."),
    }
    return _("Hello, {name}!").format(name=name) + "\n\n" + intros[person.role]


def help_text(person: Person) -> str:
    lines = [_("<b>What you can do</b>")]
    if person.role is Role.WORKER:
        lines += [_("/new — file a complaint (unpaid wages, labour contract, platform work)"),
                  _("/mycases — your cases: progress, timeline, add evidence, withdraw"),
                  _("/recover — on a new phone or browser: get your cases back with a one-time code")]
    if person.role is Role.MEDIATOR:
        lines += [_("/queue — your desk: your cases and those waiting for a mediator"),
                  _("/overdue — your centre's cases past or near a time limit"),
                  _("/counter — record a case for a worker at the counter or on the phone"),
                  _("/case LD-2026-000123 — open a case of your centre")]
    if person.role in (Role.SUPERVISOR, Role.INSPECTION):
        lines.append(_("/case LD-2026-000123 — read a case of your district"))
    if person.role is Role.SUPERVISOR:
        lines += [_("/rates [period] [scope] — the rates the district is judged by, e.g. /rates 上个月 东西湖区"),
                  _("/overdue — cases past or near a time limit: remind, give to another mediator, transfer"),
                  _("/export [period] [full] — the cases as a workbook and a CSV, e.g. /export 上个月"),
                  _("/invite — a one-time code that makes someone a mediator of a centre"),
                  _("/staff — the staff of your district; revoke, handing their cases on"),
                  _("/coverage [district] — the half-hour coverage map, e.g. /coverage 东西湖区"),
                  _("/reload_centres — reload the centres registry without a restart")]
    lines += [
        _("/start — the main menu"),
        _("/language — 中文 / English"),
        _("/cancel — stop what you are filling in (asks first)"),
        _("/help — this help"),
    ]
    return "\n".join(lines)


def staff_commands(person: Person, i18n: I18n, locale: str) -> list[BotCommand]:
    with i18n.use_locale(locale):
        commands = [BotCommand(command="queue", description=_("My desk")),
                    BotCommand(command="overdue", description=_("Cases past or near a time limit")),
                    BotCommand(command="counter", description=_("Record a counter case"))] \
            if person.role is Role.MEDIATOR else []
        commands.append(BotCommand(command="case", description=_("Open a case by its number")))
        if person.role is Role.SUPERVISOR:
            commands += [BotCommand(command="rates", description=_("The rates, for a period and a scope")),
                         BotCommand(command="overdue", description=_("Cases past or near a time limit")),
                         BotCommand(command="export", description=_("Export the cases (XLSX, CSV)")),
                         BotCommand(command="invite", description=_("Invite a mediator")),
                         BotCommand(command="staff", description=_("Staff of your district")),
                         BotCommand(command="coverage", description=_("The half-hour coverage map"))]
        commands += [BotCommand(command="help", description=_("What this bot can do")),
                     BotCommand(command="language", description=_("中文 / English"))]
    return commands


def router() -> Router:
    r = Router(name="start")

    @r.message(CommandStart())
    async def start(message: Message, bot: Bot, person: Person, i18n: I18n, locale: str) -> None:
        await message.answer(greeting(person), reply_markup=menu_keyboard(person.role))
        if person.is_staff:
            # Staff get their own command list in their chat (the global one is the workers').
            await bot.set_my_commands(staff_commands(person, i18n, locale),
                                      scope=BotCommandScopeChat(chat_id=message.chat.id))

    @r.message(Command("help"))
    async def help_command(message: Message, person: Person) -> None:
        await message.answer(help_text(person), reply_markup=menu_keyboard(person.role))

    @r.callback_query(MenuAction.filter(F.action == "help"))
    async def help_button(callback: CallbackQuery, bot: Bot, person: Person) -> None:
        await callback.answer()
        await send_text(bot, callback.from_user.id, help_text(person), reply_markup=menu_keyboard(person.role))

    return r
