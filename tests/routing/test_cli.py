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
    code = run(cli.configure_route, cli.run_route, ["--lat", "30.80", "--lon", "113.90", "--mode", "walk"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["fallback"] == "online" and out["minutes"] is None and out["mobile_offer"] == "dxh-mobile"


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
                        "extent", "uncovered_cells", "png"}
    assert out["district"] == "东西湖区" and 0 < out["share"] <= 1
    assert out_file.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_coverage_of_an_unknown_district_is_an_error(capsys):
    assert run(cli.configure_coverage, cli.run_coverage, ["--district", "海淀"]) == 2
    assert "unknown district" in capsys.readouterr().err
