"""The main menu: one inline keyboard per role, built from the journeys that exist."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.people import Role


class MenuAction(CallbackData, prefix="menu"):
    action: str


@dataclass(frozen=True)
class MenuEntry:
    action: str
    roles: frozenset[Role]


ALL_ROLES = frozenset(Role)
MENU: tuple[MenuEntry, ...] = (
    MenuEntry("new", frozenset({Role.WORKER})),
    MenuEntry("mycases", frozenset({Role.WORKER})),
    MenuEntry("queue", frozenset({Role.MEDIATOR})),
    MenuEntry("help", ALL_ROLES),
    MenuEntry("language", ALL_ROLES),
    MenuEntry("coverage", frozenset({Role.SUPERVISOR})),
)


def menu_label(action: str) -> str:
    labels = {
        "new": _("📝 New complaint"),
        "mycases": _("📂 My cases"),
        "queue": _("🗂 My desk"),
        "help": _("❓ Help"),
        "language": _("🌐 Language / 语言"),
        "coverage": _("🗺 Coverage map"),
    }
    return labels[action]


def menu_keyboard(role: Role) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for entry in MENU:
        if role in entry.roles:
            builder.button(text=menu_label(entry.action), callback_data=MenuAction(action=entry.action))
    builder.adjust(2)
    return builder.as_markup()
