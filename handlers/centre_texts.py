"""How a centre reads to a worker who is to go there."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.chat.telegram_html import escape
from bot.routing.registry import Centre


def centre_contact_lines(centre: Centre, locale: str) -> list[str]:
    """Where and when to find a centre, and its phone when the registry has one."""
    lines = []
    if centre.address:
        lines.append(_("Address: {address}").format(address=escape(centre.address.pick(locale))))
    lines.append(_("Hours: {hours}").format(hours=escape(centre.hours.pick(locale))))
    if centre.phone:
        lines.append(_("Phone: {phone}").format(phone=escape(centre.phone)))
    return lines
