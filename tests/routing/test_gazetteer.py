"""Typed place names find their street; districts have an extent around their places."""

import pytest

from bot.routing import GazetteerError, load_gazetteer, parse_gazetteer
from bot.settings import GAZETTEER_FILE

WUHAN = load_gazetteer(GAZETTEER_FILE)


@pytest.mark.parametrize(("typed", "street"), [
    ("吴家山", "吴家山街道"),
    ("径河街", "径河街道"),
    ("吴家三街道", "吴家山街道"),  # typo
    ("金银胡", "金银湖街道"),  # typo
    ("新沟镇", "新沟镇街道"),
    ("常青花园", "常青花园新区街道"),
    ("合兴里社区", "长青街道"),  # a community names its street
    ("我在走马岭上班", "走马岭街道"),
    (" 中南路 ", "中南路街道"),
])
def test_typed_names_find_their_street(typed, street):
    match = WUHAN.match(typed)
    assert match is not None and match.place.street == street


@pytest.mark.parametrize("typed", ["北京", "东西湖", "", "xyz"])
def test_names_that_are_no_street_find_nothing(typed):
    assert WUHAN.match(typed) is None


def test_district_extent_contains_all_its_places_and_no_other_district_centre():
    dongxihu = WUHAN.district("东西湖")
    assert dongxihu.name == "东西湖区" and WUHAN.district("Dongxihu District") == dongxihu
    assert all(dongxihu.extent.contains(place.point) for place in WUHAN.places if place.district == "东西湖区")
    assert not any(dongxihu.extent.contains(place.point) for place in WUHAN.places if place.district == "武昌区")


def test_an_unknown_district_is_refused_with_the_known_ones():
    with pytest.raises(KeyError, match="东西湖区"):
        WUHAN.district("海淀")


def test_a_point_belongs_to_the_street_of_the_nearest_place_nearby():
    jinghe = WUHAN.match("径河").place
    assert WUHAN.street_at(jinghe.point).street == "径河街道"
    assert WUHAN.street_at(jinghe.point.model_copy(update={"lat": 40.0})) is None


def test_a_bad_gazetteer_names_the_field():
    with pytest.raises(GazetteerError, match=r"field 'districts.0.streets.0.lat'"):
        parse_gazetteer({"datum": "wgs84", "districts": [
            {"name": "区", "name_en": "D", "streets": [{"name": "街", "name_en": "S", "lat": 99, "lon": 1}]}]})


def test_a_known_name_inside_a_long_address_is_found() -> None:
    for address, street in (("东西湖区径河街道XX工业园3号厂房", "径河街道"),
                            ("东西湖区吴家山街道临空港大道100号某某建筑工地项目部", "吴家山街道"),
                            ("Unit 3, Jinghe Street industrial park, Dongxihu", "径河街道")):
        found = WUHAN.match(address)
        assert found is not None and found.place.street == street, address
