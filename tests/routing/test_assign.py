"""Routing decisions on small constructed registries (see builders.py for the geometry)."""

import pytest

from bot.routing import (
    CentreKind,
    DisputeKind,
    NoCentreAvailable,
    ReasonCode,
    RoutingInputError,
    RoutingRequest,
    assign,
)

from .builders import STREET_A, STREET_C, centre_row, gazetteer, offset, registry

GAZETTEER = gazetteer()
ONLINE = centre_row("online", None, kind="online", specialises_in=("wages", "contract", "platform"))
MOBILE = centre_row("mobile", STREET_A, kind="mobile")
ARBITRATION = centre_row("arbitration", offset(STREET_A, east_km=40), kind="arbitration")


def codes(decision):
    return [reason.code for reason in decision.reasons]


def test_the_street_centre_takes_the_case_within_half_an_hour_even_if_another_is_nearer_and_better():
    centres = registry(
        centre_row("jia", offset(STREET_A, east_km=3), streets=("甲街道",)),
        centre_row("near", offset(STREET_A, east_km=0.5), specialises_in=("wages",)),
    )
    decision = assign(RoutingRequest(workplace=STREET_A, kind=DisputeKind.WAGES), centres, GAZETTEER,
                      loads={"jia": 20})

    assert decision.centre_id == "jia"
    assert decision.within_half_hour and decision.fallback is None
    assert decision.minutes == pytest.approx(8 + 3 * 1.3 / 18 * 60, abs=0.1)
    assert decision.workplace_street == "甲街道"
    assert codes(decision) == [ReasonCode.STREET_FROM_POINT, ReasonCode.JURISDICTION]


def test_the_street_is_found_from_a_typed_name_with_a_typo():
    centres = registry(centre_row("jia", STREET_A, streets=("甲街道",)))
    decision = assign(RoutingRequest(workplace_street="甲街", worker=offset(STREET_A, north_km=1)),
                      centres, GAZETTEER, loads={})

    assert decision.centre_id == "jia"
    assert decision.reasons[0].code is ReasonCode.STREET_FROM_NAME
    assert decision.reasons[0].params["typed"] == "甲街"


def test_a_specialised_centre_wins_over_a_nearer_one_when_the_street_centre_is_too_far():
    worker = offset(STREET_C, north_km=1)
    centres = registry(
        centre_row("jia", STREET_A, streets=("甲街道",)),  # about 11 km from the worker
        centre_row("general", offset(worker, east_km=1)),
        centre_row("wages-expert", offset(worker, east_km=3), specialises_in=("wages",)),
    )
    decision = assign(RoutingRequest(workplace=STREET_A, worker=worker, kind=DisputeKind.WAGES),
                      centres, GAZETTEER, loads={})

    assert decision.centre_id == "wages-expert"
    assert ReasonCode.JURISDICTION_TOO_FAR in codes(decision)
    assert codes(decision)[-1] is ReasonCode.SPECIALISED


def test_an_overloaded_centre_loses_to_a_farther_one_with_a_shorter_queue_per_mediator():
    centres = registry(
        centre_row("busy", offset(STREET_C, east_km=1), mediators=2),
        centre_row("quiet", offset(STREET_C, east_km=4), mediators=2),
    )
    decision = assign(RoutingRequest(worker=STREET_C), centres, GAZETTEER, loads={"busy": 10, "quiet": 4})

    assert decision.centre_id == "quiet"
    assert decision.open_cases == 4
    last = decision.reasons[-1]
    assert last.code is ReasonCode.LOWEST_LOAD
    assert last.params["open_cases"] == 4 and last.params["other_open_cases"] == 10


def test_a_centre_not_operating_or_without_mediators_is_never_chosen():
    centres = registry(
        centre_row("jia", offset(STREET_A, east_km=0.2), streets=("甲街道",), operating=False),
        centre_row("unstaffed", offset(STREET_A, east_km=0.5), mediators=0),
        centre_row("open", offset(STREET_A, east_km=4)),
    )
    decision = assign(RoutingRequest(workplace=STREET_A), centres, GAZETTEER, loads={})

    assert decision.centre_id == "open"
    assert ReasonCode.JURISDICTION_CLOSED in codes(decision)
    assert codes(decision)[-1] is ReasonCode.ONLY_CANDIDATE


def test_on_a_tie_the_smaller_id_wins():
    centres = registry(
        centre_row("b-centre", offset(STREET_C, north_km=2)),
        centre_row("a-centre", offset(STREET_C, north_km=-2)),
    )
    decision = assign(RoutingRequest(worker=STREET_C), centres, GAZETTEER, loads={"a-centre": 1, "b-centre": 1})

    assert decision.centre_id == "a-centre"
    assert decision.reasons[-1].code is ReasonCode.SMALLER_ID


def test_nothing_within_half_an_hour_goes_online_and_offers_the_mobile_room():
    centres = registry(centre_row("far", offset(STREET_C, east_km=12)), ONLINE, MOBILE)
    decision = assign(RoutingRequest(worker=STREET_C, kind=DisputeKind.PLATFORM), centres, GAZETTEER,
                      loads={"online": 5})

    assert decision.centre_id == "online"
    assert decision.fallback is CentreKind.ONLINE
    assert decision.mobile_offer == "mobile"
    assert decision.minutes is None and not decision.within_half_hour
    assert decision.open_cases == 5
    assert codes(decision)[-3:] == [ReasonCode.NONE_WITHIN_HALF_HOUR, ReasonCode.ONLINE_FALLBACK,
                                    ReasonCode.MOBILE_ROOM_OFFER]


def test_walking_shrinks_the_circle():
    centres = registry(centre_row("three-km", offset(STREET_C, east_km=3)), ONLINE)
    by_transit = assign(RoutingRequest(worker=STREET_C), centres, GAZETTEER, loads={})
    on_foot = assign(RoutingRequest(worker=STREET_C, mode="walk"), centres, GAZETTEER, loads={})

    assert by_transit.centre_id == "three-km"
    assert on_foot.fallback is CentreKind.ONLINE


def test_without_an_online_centre_the_mobile_room_takes_the_case():
    decision = assign(RoutingRequest(worker=STREET_C), registry(MOBILE), GAZETTEER, loads={})

    assert decision.centre_id == "mobile"
    assert decision.fallback is CentreKind.MOBILE
    assert decision.mobile_offer is None


def test_with_no_centre_at_all_routing_says_so():
    with pytest.raises(NoCentreAvailable):
        assign(RoutingRequest(worker=STREET_C), registry(centre_row("closed", STREET_C, operating=False)),
               GAZETTEER, loads={})


def test_a_collective_dispute_stays_with_its_street_centre_and_the_arbitration_office_observes():
    worker = offset(STREET_A, east_km=20)
    centres = registry(
        centre_row("jia", STREET_A, streets=("甲街道",)),
        centre_row("near-worker", offset(worker, east_km=1)),
        ARBITRATION,
        ONLINE,
    )
    request = dict(workplace=STREET_A, worker=worker, kind=DisputeKind.WAGES)

    collective = assign(RoutingRequest(**request, workers_affected=10), centres, GAZETTEER, loads={})
    single = assign(RoutingRequest(**request, workers_affected=9), centres, GAZETTEER, loads={})

    assert collective.centre_id == "jia"
    assert not collective.within_half_hour and collective.fallback is None
    assert collective.observers == ["arbitration"]
    assert ReasonCode.COLLECTIVE_KEPT in codes(collective)
    assert codes(collective)[-1] is ReasonCode.ARBITRATION_NOTIFIED
    assert single.centre_id == "near-worker" and single.observers == []


def test_without_a_worker_point_the_trip_starts_at_the_workplace():
    centres = registry(centre_row("near", offset(STREET_C, east_km=1)))
    decision = assign(RoutingRequest(workplace=STREET_C), centres, GAZETTEER, loads={})

    assert decision.minutes == pytest.approx(8 + 1.3 / 18 * 60, abs=0.1)


def test_a_request_with_no_place_at_all_is_refused():
    with pytest.raises(RoutingInputError):
        assign(RoutingRequest(workplace_street="不存在的地方"), registry(ONLINE), GAZETTEER, loads={})


# --- issue 11: the fallback is the district's own, or the city's, and says which -------------------

CITY_ONLINE = centre_row("city-online", None, kind="online", district="全市", citywide=True)
OTHER_ONLINE = centre_row("other-online", None, kind="online", district="邻区")
OTHER_MOBILE = centre_row("other-mobile", STREET_A, kind="mobile", district="邻区")


def test_the_districts_own_online_centre_is_preferred_to_the_citys():
    decision = assign(RoutingRequest(worker=STREET_C), registry(ONLINE, CITY_ONLINE, MOBILE), GAZETTEER, loads={})
    assert (decision.centre_id, decision.fallback_scope, decision.mobile_offer) == ("online", "district", "mobile")
    assert ReasonCode.ONLINE_FALLBACK in codes(decision)


def test_a_district_without_an_online_centre_falls_back_to_the_citys_not_a_neighbours():
    decision = assign(RoutingRequest(worker=STREET_C), registry(OTHER_ONLINE, OTHER_MOBILE, CITY_ONLINE), GAZETTEER,
                      loads={"other-online": 0, "city-online": 50})
    assert decision.centre_id == "city-online" and decision.fallback_scope == "city"
    assert decision.mobile_offer is None, "another district's mobile room is not offered"
    assert codes(decision)[-2:] == [ReasonCode.DISTRICT_HAS_NO_ONLINE, ReasonCode.CITY_ONLINE_FALLBACK]
    assert decision.reasons[-2].params == {"district_zh": "测试区", "district_en": "Test District"}


def test_only_another_districts_centres_is_no_centre():
    with pytest.raises(NoCentreAvailable, match="测试区"):
        assign(RoutingRequest(worker=STREET_C), registry(OTHER_ONLINE, OTHER_MOBILE), GAZETTEER, loads={})


def test_a_district_with_only_a_mobile_room_goes_to_the_citys_online_centre_and_offers_the_room():
    decision = assign(RoutingRequest(worker=STREET_C), registry(MOBILE, CITY_ONLINE), GAZETTEER, loads={})
    assert (decision.centre_id, decision.fallback_scope) == ("city-online", "city")
    assert decision.mobile_offer == "mobile", "the district's mobile room is still offered"


def test_a_place_in_no_known_district_goes_to_the_citys_online_centre():
    far = offset(STREET_C, north_km=80)
    decision = assign(RoutingRequest(worker=far), registry(ONLINE, CITY_ONLINE), GAZETTEER, loads={})
    assert decision.centre_id == "city-online" and ReasonCode.DISTRICT_UNKNOWN in codes(decision)
