"""`python -m bot route | centres | coverage`: the routing services from the command line.

JSON goes to stdout (UTF-8, not escaped); errors go to stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.routing.assign import NoCentreAvailable, RoutingInputError, RoutingRequest, assign
from bot.routing.coverage import DEFAULT_STEP_M, measure_coverage
from bot.routing.explain import render_summary
from bot.routing.gazetteer import Gazetteer, GazetteerError, load_gazetteer
from bot.routing.geo import Datum, GeoPoint
from bot.routing.registry import DisputeKind, Registry, RegistryError, load_registry
from bot.routing.travel import TravelMode
from bot.settings import GAZETTEER_FILE, SAMPLE_CENTRES_FILE

EXIT_BAD_INPUT = 2


def configure_route(parser: argparse.ArgumentParser) -> None:
    _add_data_files(parser)
    parser.add_argument("--lat", type=float, help="workplace latitude")
    parser.add_argument("--lon", type=float, help="workplace longitude")
    parser.add_argument("--datum", choices=[datum.value for datum in Datum], default=Datum.WGS84.value,
                        help="datum of all points given: wgs84 (GPS, Telegram) or gcj02 (Chinese maps)")
    parser.add_argument("--street", help="workplace street, as a worker would type it")
    parser.add_argument("--worker-lat", type=float, help="where the worker is (default: the workplace)")
    parser.add_argument("--worker-lon", type=float)
    parser.add_argument("--kind", choices=[kind.value for kind in DisputeKind])
    parser.add_argument("--workers", type=_positive_int, default=1, help="workers affected (10 or more: collective)")
    parser.add_argument("--mode", choices=[mode.value for mode in TravelMode], default=TravelMode.TRANSIT.value)


def run_route(args: argparse.Namespace) -> int:
    try:
        registry, gazetteer = _load(args)
        datum = Datum(args.datum)
        if args.street is not None and gazetteer.match(args.street) is None:
            raise RoutingInputError(_unknown_street(args.street, gazetteer))
        request = RoutingRequest(
            workplace=_point(args.lat, args.lon, datum, "--lat", "--lon"),
            workplace_street=args.street,
            worker=_point(args.worker_lat, args.worker_lon, datum, "--worker-lat", "--worker-lon"),
            kind=args.kind,
            workers_affected=args.workers,
            mode=args.mode,
        )
        decision = assign(request, registry, gazetteer, loads={})
    except (RegistryError, GazetteerError, RoutingInputError, NoCentreAvailable, ValueError) as error:
        return _fail(error)
    # The CLI has no case store, so queues show as empty.
    report = decision.model_dump(mode="json")
    # One name for scripts (`jq .centre_name`), both languages beside it.
    report["centre_names"] = report["centre_name"]
    report["centre_name"] = decision.centre_name.zh
    _print_json(report | {"summary": {
        "zh_CN": render_summary(decision, "zh_CN"), "en": render_summary(decision, "en")}})
    return 0


def configure_centres(parser: argparse.ArgumentParser) -> None:
    _add_data_files(parser, gazetteer=False)


def run_centres(args: argparse.Namespace) -> int:
    try:
        registry = load_registry(_centres_file(args))
    except RegistryError as error:
        return _fail(error)
    _print_json([centre.model_dump(mode="json") for centre in registry.centres])
    return 0


def configure_coverage(parser: argparse.ArgumentParser) -> None:
    _add_data_files(parser)
    parser.add_argument("--district", help="district name in Chinese or English (default: the first one)")
    parser.add_argument("--out", type=Path, help="write the map to this PNG file")
    parser.add_argument("--step-m", type=int, default=DEFAULT_STEP_M, help="grid step in metres")
    parser.add_argument("--mode", choices=[mode.value for mode in TravelMode], default=TravelMode.TRANSIT.value)
    parser.add_argument("--locale", choices=["zh_CN", "en"], default="zh_CN", help="the map's language")


def run_coverage(args: argparse.Namespace) -> int:
    try:
        registry, gazetteer = _load(args)
        report = measure_coverage(registry, gazetteer, args.district, mode=TravelMode(args.mode), step_m=args.step_m,
                                  locale=args.locale)
    except (RegistryError, GazetteerError, KeyError, ValueError) as error:
        return _fail(error)
    if args.out is not None:
        args.out.write_bytes(report.png)
    summary = report.model_dump(mode="json", exclude={"uncovered"})
    _print_json(summary | {"uncovered_cells": len(report.uncovered), "png": str(args.out) if args.out else None})
    return 0


def _add_data_files(parser: argparse.ArgumentParser, *, gazetteer: bool = True) -> None:
    # SUPPRESS: a sub-command's default must not overwrite the same option given to the main parser.
    parser.add_argument("--centres-file", type=Path, default=argparse.SUPPRESS,
                        help="centres registry (.yaml or .json); default: $CENTRES_FILE, else the sample")
    if gazetteer:
        parser.add_argument("--gazetteer-file", type=Path, default=argparse.SUPPRESS,
                            help="street and community names; default: data/gazetteer/wuhan.yaml")


def _centres_file(args: argparse.Namespace) -> Path:
    chosen = getattr(args, "centres_file", None) or os.environ.get("CENTRES_FILE")
    return Path(chosen) if chosen else SAMPLE_CENTRES_FILE


def _load(args: argparse.Namespace) -> tuple[Registry, Gazetteer]:
    return load_registry(_centres_file(args)), load_gazetteer(getattr(args, "gazetteer_file", None) or GAZETTEER_FILE)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a number of workers (1 or more): {text!r}")
    return value


def _point(lat: float | None, lon: float | None, datum: Datum, lat_option: str, lon_option: str) -> GeoPoint | None:
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise ValueError(f"{lat_option}/{lon_option}: give both latitude and longitude")
    for value, option, what, limit in ((lat, lat_option, "latitude", 90), (lon, lon_option, "longitude", 180)):
        if not (math.isfinite(value) and -limit <= value <= limit):
            raise ValueError(f"{option} {value:g} is not a {what}: it must be between -{limit} and {limit}")
    return GeoPoint.from_datum(lat, lon, datum)


def _unknown_street(typed: str, gazetteer: Gazetteer) -> str:
    close = gazetteer.close_names(typed)
    hint = (f"close names: {', '.join(close)}" if close else
            "no known street name is close to it (`python -m bot centres` lists the streets each centre serves)")
    return f"--street: unknown street “{typed}”; {hint}"


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _fail(error: Exception) -> int:
    """One line on stderr: the reason, never a traceback or a validation library's report."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        message = f"{field}: {first['msg']}" if field else first["msg"]
    else:
        message = str(error.args[0] if isinstance(error, KeyError) and error.args else error)
    print(f"error: {message.splitlines()[0] if message else type(error).__name__}", file=sys.stderr)
    return EXIT_BAD_INPUT
