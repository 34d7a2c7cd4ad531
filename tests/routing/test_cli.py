"""The route, centres and coverage commands print JSON with the documented keys."""

import argparse
import json

import pytest

from bot.routing import RoutingDecision, cli, load_registry

from .builders import STREET_A, centre_row

ROUTE_KEYS = set(RoutingDecision.model_fields) | {"summary", "centre_names"}


def run(configure, command, argv):
    parser = argparse.ArgumentParser()
    configure(parser)
    return command(parser.parse_args(argv))


@pytest.fixture(autouse=True)
def _no_centres_file_from_the_environment(monkeypatch):
    monkeypatch.delenv("CENTRES_FILE", raising=False)


def test_route_prints_the_decision(capsys):
    # 吴家山 as a Chinese map shows it (GCJ-02).
    code = run(cli.configure_route, cli.run_route,
               ["--lat", "30.6335", "--lon", "114.1395", "--datum", "gcj02", "--kind", "wages"])
    out = json.loads(capsys.readouterr().out)

    assert code == 0
    assert set(out) == ROUTE_KEYS
    assert {"centre_id", "centre_name", "minutes", "within_half_hour", "fallback", "reasons"} <= set(out)
    assert out["centre_id"] == "dxh-wujiashan"
    assert out["centre_name"] == "吴家山街道劳动争议调解中心"
    assert out["centre_names"] == {"zh": "吴家山街道劳动争议调解中心",
                                   "en": "Wujiashan Street Labour Dispute Mediation Centre"}
    assert out["within_half_hour"] is True and out["fallback"] is None
    assert set(out["reasons"][0]) == {"code", "params"}
    assert out["summary"]["zh_CN"].startswith("吴家山街道劳动争议调解中心 · 公交约")


def test_route_far_from_every_centre_falls_back_online(capsys):
    code = run(cli.configure_route, cli.run_route, ["--lat", "30.66", "--lon", "113.92", "--mode", "walk"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["fallback"] == "online" and out["minutes"] is None and out["mobile_offer"] == "dxh-mobile"
    assert out["centre_id"] == "dxh-online" and out["fallback_scope"] == "district"


def test_a_district_without_an_online_centre_falls_back_to_the_citys_and_says_so(capsys):
    """South Wuchang (30.5, 114.3) went to Dongxihu's online centre: another district's."""
    code = run(cli.configure_route, cli.run_route, ["--lat", "30.5", "--lon", "114.3"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["centre_id"] == "wh-online" and out["fallback_scope"] == "city" and out["mobile_offer"] is None
    codes = [reason["code"] for reason in out["reasons"]]
    assert codes[-2:] == ["district_has_no_online", "city_online_fallback"]
    assert out["reasons"][-2]["params"]["district_zh"] == "武昌区"


def test_outside_every_district_the_citys_online_centre_takes_the_case(capsys):
    assert run(cli.configure_route, cli.run_route, ["--lat", "30.80", "--lon", "113.90", "--mode", "walk"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["centre_id"] == "wh-online" and out["fallback_scope"] == "city"
    assert "district_unknown" in [reason["code"] for reason in out["reasons"]]


@pytest.mark.parametrize(("argv", "expected"), [
    (["--lat", "91", "--lon", "114.1"], "error: --lat 91 is not a latitude: it must be between -90 and 90\n"),
    (["--lat", "30.6", "--lon=-inf"], "error: --lon -inf is not a longitude: it must be between -180 and 180\n"),
    (["--worker-lat", "nan", "--worker-lon", "114.1", "--street", "吴家山"],
     "error: --worker-lat nan is not a latitude: it must be between -90 and 90\n"),
])
def test_a_coordinate_off_the_globe_is_one_clear_line(argv, expected, capsys):
    assert run(cli.configure_route, cli.run_route, argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == expected
    assert "pydantic" not in captured.err and "http" not in captured.err


def test_an_unknown_street_is_named_with_close_names(capsys):
    assert run(cli.configure_route, cli.run_route, ["--street", "长江街道", "--lat", "30.63", "--lon", "114.14"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "error: --street: unknown street “长江街道”; close names: 长青街道\n"


def test_a_street_close_to_none_says_so(capsys):
    assert run(cli.configure_route, cli.run_route, ["--street", "不存在街道"]) == 2
    err = capsys.readouterr().err
    assert "unknown street “不存在街道”" in err and "no known street name is close" in err
    assert err.count("\n") == 1


def test_a_bad_number_of_workers_is_a_usage_error(capsys):
    with pytest.raises(SystemExit):
        run(cli.configure_route, cli.run_route, ["--street", "吴家山", "--workers", "0"])
    assert "not a number of workers" in capsys.readouterr().err


def test_route_without_a_place_is_an_error(capsys):
    assert run(cli.configure_route, cli.run_route, ["--lat", "30.6"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "--lat/--lon" in captured.err


def test_centres_lists_the_registry(capsys):
    assert run(cli.configure_centres, cli.run_centres, []) == 0
    out = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in out] == [centre.id for centre in load_registry(cli.SAMPLE_CENTRES_FILE).centres]
    assert {"id", "name", "kind", "coordinates", "location", "operating", "mediators"} <= set(out[0])


def test_the_centres_file_comes_from_the_option_then_the_environment(tmp_path, monkeypatch, capsys):
    import yaml

    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"centres": [centre_row("mine", STREET_A)]}, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CENTRES_FILE", str(path))
    run(cli.configure_centres, cli.run_centres, [])
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == ["mine"]

    run(cli.configure_centres, cli.run_centres, ["--centres-file", str(cli.SAMPLE_CENTRES_FILE)])
    assert len(json.loads(capsys.readouterr().out)) > 1


def test_a_bad_registry_exits_2_with_the_reason_on_stderr(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"centres": [centre_row("bad", STREET_A) | {"mediators": "many"}]}), encoding="utf-8")
    for configure, command in ((cli.configure_centres, cli.run_centres), (cli.configure_route, cli.run_route),
                               (cli.configure_coverage, cli.run_coverage)):
        assert run(configure, command, ["--centres-file", str(path)]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert f"{path}: row 1 (centres[0], id 'bad'): field 'mediators'" in captured.err


def test_coverage_prints_the_share_and_writes_the_map(tmp_path, capsys):
    out_file = tmp_path / "map.png"
    code = run(cli.configure_coverage, cli.run_coverage,
               ["--district", "东西湖", "--out", str(out_file), "--step-m", "2000"])
    out = json.loads(capsys.readouterr().out)

    assert code == 0
    assert set(out) == {"district", "district_en", "mode", "step_m", "cells_total", "cells_covered", "share",
                        "area_basis", "outline_sample", "extent", "uncovered_cells", "png"}
    assert out["district"] == "东西湖区" and 0 < out["share"] <= 1
    assert out["area_basis"] == "outline" and out["outline_sample"] is True
    assert out_file.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_coverage_of_an_unknown_district_is_an_error(capsys):
    assert run(cli.configure_coverage, cli.run_coverage, ["--district", "海淀"]) == 2
    assert "unknown district" in capsys.readouterr().err
