"""Plain words for a routing decision, in Chinese or English.

The chat layer will translate the structured reasons through its gettext catalogs; until then
(and for the CLI and logs) these templates say the same thing.
"""

from __future__ import annotations

import math

from bot.routing.assign import Reason, ReasonCode, RoutingDecision
from bot.routing.registry import CentreKind

_ZH, _EN = 0, 1

_MODE_WORDS = {"transit": ("公交", "by transit"), "walk": ("步行", "on foot"), "ebike": ("电动车", "by e-bike")}
_KIND_WORDS = {"wages": ("工资", "wages"), "contract": ("劳动合同", "labour contracts"),
               "platform": ("新就业形态", "platform work")}

# Online and mobile-room decisions have no trip to show.
_NO_TRIP = {CentreKind.ONLINE: ("线上办理，无需出行", "online, no travel"),
            CentreKind.MOBILE: ("上门调解，无需出行", "comes to you, no travel")}

_TEMPLATES: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.STREET_FROM_NAME: ("按“{typed}”认定工作地点在{street}",
                                  "workplace taken to be in {street} from “{typed}”"),
    ReasonCode.STREET_FROM_POINT: ("按定位认定工作地点在{street}", "workplace located in {street}"),
    ReasonCode.STREET_UNKNOWN: ("未能确定工作地点所在街道", "the workplace's street could not be determined"),
    ReasonCode.NO_STREET_CENTRE: ("{street}暂无调解中心", "{street} has no mediation centre yet"),
    ReasonCode.JURISDICTION: ("{centre}负责{street}（按工作地点管辖）",
                              "{centre} serves {street} (jurisdiction by workplace)"),
    ReasonCode.JURISDICTION_CLOSED: ("{centre}目前不接案", "{centre} is not taking cases at present"),
    ReasonCode.JURISDICTION_TOO_FAR: ("{centre}{mode}约 {minutes} 分钟，超过半小时",
                                      "{centre} is about {minutes} min away {mode}, over half an hour"),
    ReasonCode.COLLECTIVE_KEPT: ("{workers} 名劳动者的集体争议由工作地点所在街道调解中心办理",
                                 "a collective dispute of {workers} workers stays with the workplace's street centre"),
    ReasonCode.ONLY_CANDIDATE: ("半小时内只有{centre}", "{centre} is the only centre within half an hour"),
    ReasonCode.SPECIALISED: ("{centre}擅长{kind}争议", "{centre} specialises in {kind}"),
    ReasonCode.LOWEST_LOAD: ("{centre}人均排队较少（{open_cases} 件 / {mediators} 名调解员）",
                             "{centre} has the shorter queue per mediator ({open_cases} cases, {mediators} mediators)"),
    ReasonCode.SHORTEST_TRIP: ("{centre}路程最短（约 {minutes} 分钟）",
                               "{centre} is the shortest trip (about {minutes} min)"),
    ReasonCode.SMALLER_ID: ("条件相同，按编号选择{centre}", "all else equal, {centre} is chosen by its id"),
    ReasonCode.NONE_WITHIN_HALF_HOUR: ("{mode}半小时内没有可接案的调解中心",
                                       "no centre taking cases within half an hour {mode}"),
    ReasonCode.ONLINE_FALLBACK: ("转{centre}线上调解", "mediation online with {centre}"),
    ReasonCode.MOBILE_FALLBACK: ("由{centre}上门调解", "{centre} will come to you"),
    ReasonCode.MOBILE_ROOM_OFFER: ("也可预约{centre}上门", "{centre} can also come to you by appointment"),
    ReasonCode.ARBITRATION_NOTIFIED: ("已告知{centre}，可查看本案", "{centre} is told and may view the case"),
}


def _language(locale: str) -> int:
    return _ZH if locale.lower().startswith("zh") else _EN


def _words(params: dict[str, str | int | float], language: int) -> dict[str, str | int | float]:
    suffix = ("_zh", "_en")[language]
    words: dict[str, str | int | float] = {}
    for key, value in params.items():
        if key.endswith(suffix):
            words[key.removesuffix(suffix)] = value
        elif key == "mode":
            words[key] = _MODE_WORDS[str(value)][language]
        elif key == "kind":
            words[key] = _KIND_WORDS[str(value)][language]
        elif "minutes" in key:
            words[key] = math.ceil(float(value))
        else:
            words[key] = value
    return words


def render_reason(reason: Reason, locale: str) -> str:
    language = _language(locale)
    return _TEMPLATES[reason.code][language].format(**_words(reason.params, language))


def render_reasons(decision: RoutingDecision, locale: str) -> list[str]:
    return [render_reason(reason, locale) for reason in decision.reasons]


def render_summary(decision: RoutingDecision, locale: str) -> str:
    """One line: centre · trip · queue, e.g. "吴家山街道劳动争议调解中心 · 公交约 14 分钟 · 当前排队 3 件"."""
    language = _language(locale)
    name = decision.centre_name.zh if language == _ZH else decision.centre_name.en
    mode = _MODE_WORDS[decision.mode.value][language]
    if decision.minutes is None:
        trip = _NO_TRIP[decision.centre_kind][language]
    elif language == _ZH:
        trip = f"{mode}约 {math.ceil(decision.minutes)} 分钟"
    else:
        trip = f"about {math.ceil(decision.minutes)} min {mode}"
    cases = "case" if decision.open_cases == 1 else "cases"
    queue = (f"当前排队 {decision.open_cases} 件", f"{decision.open_cases} {cases} in queue")[language]
    return f"{name} · {trip} · {queue}"
