"""Plain words for a routing decision, in the person's language, from the message catalogs."""

from __future__ import annotations

import math

from bot.i18n import N_, translations
from bot.routing.assign import Reason, ReasonCode, RoutingDecision
from bot.routing.registry import CentreKind
from bot.routing.travel import TravelMode

_MODE_WORDS = {"transit": N_("by transit"), "walk": N_("on foot"), "ebike": N_("by e-bike")}
_KIND_WORDS = {"wages": N_("wages"), "contract": N_("labour contracts"), "platform": N_("platform work")}

# Online and mobile-room decisions have no trip to show.
_NO_TRIP = {CentreKind.ONLINE: N_("online, no travel"), CentreKind.MOBILE: N_("comes to you, no travel")}

_TEMPLATES: dict[ReasonCode, str] = {
    ReasonCode.STREET_FROM_NAME: N_("workplace taken to be in {street} from “{typed}”"),
    ReasonCode.STREET_FROM_POINT: N_("workplace located in {street}"),
    ReasonCode.STREET_UNKNOWN: N_("the workplace's street could not be determined"),
    ReasonCode.NO_STREET_CENTRE: N_("{street} has no mediation centre yet"),
    ReasonCode.JURISDICTION: N_("{centre} serves {street} (jurisdiction by workplace)"),
    ReasonCode.JURISDICTION_CLOSED: N_("{centre} is not taking cases at present"),
    ReasonCode.JURISDICTION_TOO_FAR: N_("{centre} is about {minutes} min away {mode}, over half an hour"),
    ReasonCode.COLLECTIVE_KEPT: N_(
        "a collective dispute of {workers} workers stays with the workplace's street centre"),
    ReasonCode.ONLY_CANDIDATE: N_("{centre} is the only centre within half an hour"),
    ReasonCode.SPECIALISED: N_("{centre} specialises in {kind}"),
    ReasonCode.LOWEST_LOAD: N_(
        "{centre} has the shorter queue per mediator ({open_cases} cases, {mediators} mediators)"),
    ReasonCode.SHORTEST_TRIP: N_("{centre} is the shortest trip (about {minutes} min)"),
    ReasonCode.SMALLER_ID: N_("all else equal, {centre} is chosen by its id"),
    ReasonCode.NONE_WITHIN_HALF_HOUR: N_("no centre taking cases within half an hour {mode}"),
    ReasonCode.DISTRICT_HAS_NO_ONLINE: N_("{district} has no online mediation centre of its own"),
    ReasonCode.DISTRICT_UNKNOWN: N_("the district could not be determined"),
    ReasonCode.ONLINE_FALLBACK: N_("mediation online with {centre}, the online centre of {district}"),
    ReasonCode.CITY_ONLINE_FALLBACK: N_("mediation online with {centre}, the city's online centre"),
    ReasonCode.MOBILE_FALLBACK: N_("{centre} will come to you"),
    ReasonCode.CITY_MOBILE_FALLBACK: N_("{centre}, the city's mobile mediation room, will come to you"),
    ReasonCode.MOBILE_ROOM_OFFER: N_("{centre} can also come to you by appointment"),
    ReasonCode.ARBITRATION_NOTIFIED: N_("{centre} is told and may view the case"),
}


def _is_chinese(locale: str) -> bool:
    return locale.lower().startswith("zh")


def _words(params: dict[str, str | int | float], locale: str) -> dict[str, str | int | float]:
    """Reason params: `x_zh`/`x_en` are one value per language; mode and kind are translated words."""
    suffix = "_zh" if _is_chinese(locale) else "_en"
    gettext = translations(locale).gettext
    words: dict[str, str | int | float] = {}
    for key, value in params.items():
        if key.endswith(suffix):
            words[key.removesuffix(suffix)] = value
        elif key == "mode":
            words[key] = gettext(_MODE_WORDS[str(value)])
        elif key == "kind":
            words[key] = gettext(_KIND_WORDS[str(value)])
        elif "minutes" in key:
            words[key] = math.ceil(float(value))
        else:
            words[key] = value
    return words


def mode_phrase(mode: TravelMode, locale: str) -> str:
    """"by transit", "on foot", "by e-bike" in the person's language."""
    return translations(locale).gettext(_MODE_WORDS[mode.value])


def render_reason(reason: Reason, locale: str) -> str:
    return translations(locale).gettext(_TEMPLATES[reason.code]).format(**_words(reason.params, locale))


def render_reasons(decision: RoutingDecision, locale: str) -> list[str]:
    return [render_reason(reason, locale) for reason in decision.reasons]


def render_summary(decision: RoutingDecision, locale: str) -> str:
    """One line: centre · trip · queue, e.g. "吴家山街道劳动争议调解中心 · 公交约 14 分钟 · 当前排队 3 件"."""
    catalog = translations(locale)
    name = decision.centre_name.pick(locale)
    if decision.minutes is None:
        trip = catalog.gettext(_NO_TRIP[decision.centre_kind])
    else:
        trip = catalog.gettext("about {minutes} min {mode}").format(
            minutes=math.ceil(decision.minutes), mode=catalog.gettext(_MODE_WORDS[decision.mode.value]))
    queue = catalog.ngettext("{count} case in queue", "{count} cases in queue", decision.open_cases).format(
        count=decision.open_cases)
    return f"{name} · {trip} · {queue}"
