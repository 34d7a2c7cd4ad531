"""The page's own words (buttons, forms, the picker), from the project's gettext catalogs."""

from __future__ import annotations

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.people import Person, Role
from bot.settings import SUPPORTED_LOCALES
from webchat.visitors import DEMO_PEOPLE

# What the page tells the bot its "app language" is, per catalog (as Telegram's language_code).
LANGUAGE_CODES = {"zh_CN": "zh-hans", "en": "en"}


def choose_locale(asked: str | None, person: Person | None, accept_language: str | None, default: str) -> str:
    """?lang= first, then the person's saved choice, then the browser's languages, then the default."""
    if asked in SUPPORTED_LOCALES:
        return asked
    if person is not None and person.locale in SUPPORTED_LOCALES:
        return person.locale
    for part in (accept_language or "").split(","):
        tag = part.split(";", 1)[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return default


def demo_choices(i18n: I18n, locale: str) -> list[dict[str, str]]:
    """The picker's entries: each demo person's name and what they do."""
    with i18n.context(), i18n.use_locale(locale):
        roles = {Role.WORKER: _("Worker"), Role.MEDIATOR: _("Mediator"), Role.SUPERVISOR: _("Supervisor")}
        details = {
            "zhang": _("construction worker, wages unpaid"),
            "li": _("delivery rider on a platform"),
            "mediator": _("Wujiashan street mediation centre"),
            "supervisor": _("district labour bureau"),
        }
        return [{"key": person.key, "name": person.name, "role": roles[person.role], "detail": details[person.key]}
                for person in DEMO_PEOPLE]


def page_texts(i18n: I18n, locale: str) -> dict[str, str]:
    with i18n.context(), i18n.use_locale(locale):
        return {
            "title": _("Half-Hour Mediation"),
            "subtitle": _("labour-dispute mediation"),
            "online": _("online"),
            "connecting": _("Connecting…"),
            "reconnecting": _("Connection lost. Reconnecting…"),
            "placeholder": _("Message"),
            "send": _("Send"),
            "attach": _("Attach"),
            "photo": _("Photo"),
            "document": _("File"),
            "location": _("Share location"),
            "contact": _("Share contact"),
            "menu": _("Menu"),
            "keyboard": _("Keyboard"),
            "cancel": _("Cancel"),
            "share": _("Share"),
            "latitude": _("Latitude"),
            "longitude": _("Longitude"),
            "coordinates_hint": _("Or type coordinates (WGS-84), e.g. 30.633, 114.134"),
            "bad_coordinates": _("Latitude must be between -90 and 90, longitude between -180 and 180."),
            "phone": _("Phone number"),
            "name": _("Name"),
            "bad_phone": _("Enter a phone number."),
            "too_large": _("This file is larger than 20 MB."),
            "upload_failed": _("The file could not be sent. Try again."),
            "busy": _("Many files are being sent right now. Wait a moment, then try again."),
            "earlier": _("Earlier messages"),
            "edited": _("edited"),
            "unsupported": _("This message cannot be shown here."),
            "spoiler": _("Tap to reveal"),
            "picker_title": _("Try the service as…"),
            "picker_hint": _("Demo mode: each person has their own chat. Open two tabs to be a worker and "
                             "a mediator at the same time."),
            "switch": _("Switch person"),
            "language": _("中文 / English"),
            "download": _("Download"),
            "intro_title": _("What can this chat do?"),
            "intro": _("Labour-dispute mediation for Wuhan's districts: unpaid wages, labour contracts, platform "
                       "work. Tell us what happened, and we bring your case to a mediation centre you can reach "
                       "within half an hour, or to online mediation."),
            "start": _("Start"),
            # {count} and {limit} are filled in by the page.
            "too_long": _("This message has {count} characters; one message holds at most {limit}. Shorten it, "
                          "or send it in several parts."),
        }


def preset_places(i18n: I18n, locale: str) -> list[dict[str, object]]:
    """A few Wuhan places to share as a location (WGS-84)."""
    with i18n.context(), i18n.use_locale(locale):
        return [
            {"name": _("Wujiashan, Dongxihu"), "latitude": 30.63299, "longitude": 114.13401},
            {"name": _("Jinghe, Dongxihu"), "latitude": 30.66395, "longitude": 114.09495},
            {"name": _("Zhongnan Road, Wuchang"), "latitude": 30.53997, "longitude": 114.33601},
        ]


def visitor_name(i18n: I18n, locale: str) -> str:
    """The first name a web visitor writes under: they have no profile as on Telegram."""
    with i18n.context(), i18n.use_locale(locale):
        return _("Visitor")
