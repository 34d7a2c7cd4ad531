"""Plain-words rendering of decisions in Chinese and English."""

import pytest

from bot.routing import Reason, ReasonCode, RoutingDecision, render_reason, render_summary

WUJIASHAN = {"zh": "吴家山街道劳动争议调解中心", "en": "Wujiashan Street Labour Dispute Mediation Centre"}


def decision(**changes):
    fields = dict(centre_id="dxh-wujiashan", centre_name=WUJIASHAN, centre_kind="street", minutes=13.6,
                  mode="transit", within_half_hour=True, fallback=None, open_cases=3, reasons=[])
    return RoutingDecision(**fields | changes)


def test_summary_line_in_both_languages():
    assert render_summary(decision(), "zh_CN") == "吴家山街道劳动争议调解中心 · 公交约 14 分钟 · 当前排队 3 件"
    assert render_summary(decision(), "en") == (
        "Wujiashan Street Labour Dispute Mediation Centre · about 14 min by transit · 3 cases in queue")


def test_summary_of_an_online_fallback_has_no_trip():
    online = decision(centre_kind="online", minutes=None, within_half_hour=False, fallback="online", open_cases=1)
    assert render_summary(online, "en").endswith("· online, no travel · 1 case in queue")


def test_reasons_pick_the_language_of_their_params():
    reason = Reason(code=ReasonCode.JURISDICTION_TOO_FAR,
                    params={"centre_zh": "甲中心", "centre_en": "Jia Centre", "minutes": 41.2, "mode": "ebike"})
    assert render_reason(reason, "zh_CN") == "甲中心电动车约 42 分钟，超过半小时"
    assert render_reason(reason, "en") == "Jia Centre is about 42 min away by e-bike, over half an hour"


ALL_PARAMS = {
    "centre_zh": "甲中心", "centre_en": "Jia Centre", "street_zh": "甲街道", "street_en": "Jia Street",
    "other_zh": "乙中心", "other_en": "Yi Centre", "typed": "甲街", "minutes": 12.0, "other_minutes": 20.0,
    "mode": "walk", "kind": "wages", "workers": 12, "open_cases": 1, "mediators": 2, "other_open_cases": 5,
    "other_mediators": 2, "centre_id": "jia", "other_id": "yi", "district_zh": "甲区", "district_en": "Jia District",
}


@pytest.mark.parametrize("code", list(ReasonCode))
def test_every_reason_code_has_words_in_both_languages(code):
    reason = Reason(code=code, params=ALL_PARAMS)
    chinese, english = render_reason(reason, "zh_CN"), render_reason(reason, "en")
    assert chinese and english and chinese != english
    assert "{" not in chinese + english
