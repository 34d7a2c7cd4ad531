"""The routing the bot runs: cases from intake answers, loads from the store, names for people."""

from datetime import UTC, datetime, timedelta

from bot.cases import DisputeKind
from bot.clock import FixedClock
from bot.routing import RegistryHolder, load_gazetteer
from bot.routing.service import RoutingService
from bot.settings import GAZETTEER_FILE, SAMPLE_CENTRES_FILE

from .builders import centre_row, gazetteer, registry

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def service(loads: dict[str, int] | None = None) -> tuple[RoutingService, list[int], FixedClock]:
    reads: list[int] = []
    clock = FixedClock(NOW)

    async def open_cases() -> dict[str, int]:
        reads.append(1)
        return dict(loads or {})

    routing = RoutingService(RegistryHolder.from_file(SAMPLE_CENTRES_FILE), load_gazetteer(GAZETTEER_FILE),
                             open_cases, clock)
    return routing, reads, clock


async def test_a_typed_workplace_in_english_or_chinese_goes_to_its_street_centre() -> None:
    routing, _, _ = service()
    for typed in ("东西湖区吴家山街道临空港大道100号", "Wujiashan street, Dongxihu"):
        decision = await routing.assign_case(DisputeKind.WAGES, {"workplace": typed})
        assert decision is not None and decision.centre_id == "dxh-wujiashan", typed


async def test_the_workplace_answer_decides_and_the_free_text_street_is_a_fallback() -> None:
    routing, _, _ = service()
    lives_here_works_there = {"street": "吴家山街道", "workplace": "东西湖区径河街道XX工业园3号厂房"}
    decision = await routing.assign_case(DisputeKind.WAGES, lives_here_works_there)
    assert decision is not None and decision.centre_id == "dxh-jinghe"
    decision = await routing.assign_case(DisputeKind.WAGES, {"street": "径河街", "workplace": "a factory"})
    assert decision is not None and decision.centre_id == "dxh-jinghe"


async def test_a_worker_far_away_goes_online_with_a_mobile_room_offer() -> None:
    routing, _, _ = service()
    beijing = {"lat": 39.9042, "lon": 116.4074}  # a shared location, WGS-84
    decision = await routing.assign_case(DisputeKind.PLATFORM, {"workplace": "吴家山街道", "residence": beijing})
    assert decision is not None and decision.fallback == "online" and not decision.within_half_hour
    assert decision.mobile_offer == "dxh-mobile"


async def test_no_known_place_leaves_the_case_to_be_assigned() -> None:
    routing, _, _ = service()
    assert await routing.assign_case(DisputeKind.WAGES, {"workplace": "Hongda Construction site"}) is None


async def test_loads_are_read_from_the_store_once_a_minute_and_counted_in_between() -> None:
    routing, reads, clock = service({"dxh-jinghe": 4})
    await routing.assign_case(DisputeKind.WAGES, {"workplace": "径河街道"})
    await routing.assign_case(DisputeKind.WAGES, {"workplace": "径河街道"})
    assert len(reads) == 1
    assert (await routing.loads())["dxh-jinghe"] == 6, "new cases count at once"
    clock.set(NOW + timedelta(minutes=2))
    assert (await routing.loads())["dxh-jinghe"] == 4 and len(reads) == 2, "refreshed from the store"


def test_centre_names_are_in_the_persons_language() -> None:
    routing, _, _ = service()
    assert routing.centre_name("dxh-wujiashan", "zh_CN") == "吴家山街道劳动争议调解中心"
    assert routing.centre_name("dxh-wujiashan", "en") == "Wujiashan Street Labour Dispute Mediation Centre"
    assert routing.centre_name("gone", "en") == "gone"


async def test_a_location_shared_from_the_workplace_decides_jurisdiction() -> None:
    routing, _, _ = service()
    jinghe = routing.gazetteer.match("径河街道").place.point  # standing at the workplace, WGS-84
    decision = await routing.assign_case(DisputeKind.PLATFORM, {"workplace": {"lat": jinghe.lat, "lon": jinghe.lon}})
    assert decision is not None and decision.centre_id == "dxh-jinghe"
    assert decision.reasons[0].code == "street_from_point"


async def test_a_stored_location_off_the_globe_does_not_fail_the_case() -> None:
    """Drafts kept before shared points were checked may hold one (a forged button: 1e9, -inf)."""
    routing, _, _ = service()
    decision = await routing.assign_case(DisputeKind.WAGES, {"workplace": {"lat": 1e9, "lon": float("-inf")},
                                                             "street": "吴家山"})
    assert decision is not None and decision.centre_id == "dxh-wujiashan"


async def test_south_wuchang_goes_to_the_citys_online_centre() -> None:
    routing, _, _ = service()
    decision = await routing.assign_case(DisputeKind.WAGES, {"workplace": {"lat": 30.5, "lon": 114.3}})
    assert decision is not None and decision.centre_id == "wh-online" and decision.fallback_scope == "city"


async def test_no_centre_of_the_district_or_the_city_leaves_the_case_to_be_assigned() -> None:
    neighbours_only = registry(centre_row("other-online", None, kind="online", district="邻区"))

    async def no_loads() -> dict[str, int]:
        return {}

    routing = RoutingService(RegistryHolder(neighbours_only), gazetteer(), no_loads, FixedClock(NOW))
    assert await routing.assign_case(DisputeKind.WAGES, {"workplace": "甲街道"}) is None
