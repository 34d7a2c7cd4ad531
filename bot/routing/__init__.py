"""Routing under the half-hour service circle: which centre takes a case, and why.

Pure domain code (no chat, no SQL, no clock): the centres registry and its spatial index, the
gazetteer of streets, travel-time estimates, the assignment rule and the coverage map.
See docs/routing.md.
"""

from bot.routing.assign import (
    COLLECTIVE_WORKERS,
    NoCentreAvailable,
    Reason,
    ReasonCode,
    RoutingDecision,
    RoutingInputError,
    RoutingRequest,
    assign,
)
from bot.routing.coverage import CoverageReport, measure_coverage
from bot.routing.explain import render_reason, render_reasons, render_summary
from bot.routing.gazetteer import Gazetteer, GazetteerError, load_gazetteer, parse_gazetteer
from bot.routing.geo import Datum, GeoPoint, gcj02_to_wgs84, great_circle_km, wgs84_to_gcj02
from bot.routing.holder import RegistryHolder, ReloadResult
from bot.routing.registry import (
    Centre,
    CentreKind,
    DisputeKind,
    Registry,
    RegistryError,
    load_registry,
    registry_from_rows,
)
from bot.routing.travel import HALF_HOUR_MINUTES, TravelEstimator, TravelMode, TravelModel

__all__ = [
    "COLLECTIVE_WORKERS",
    "HALF_HOUR_MINUTES",
    "Centre",
    "CentreKind",
    "CoverageReport",
    "Datum",
    "DisputeKind",
    "Gazetteer",
    "GazetteerError",
    "GeoPoint",
    "NoCentreAvailable",
    "Reason",
    "ReasonCode",
    "Registry",
    "RegistryError",
    "RegistryHolder",
    "ReloadResult",
    "RoutingDecision",
    "RoutingInputError",
    "RoutingRequest",
    "TravelEstimator",
    "TravelMode",
    "TravelModel",
    "assign",
    "gcj02_to_wgs84",
    "great_circle_km",
    "load_gazetteer",
    "load_registry",
    "measure_coverage",
    "parse_gazetteer",
    "registry_from_rows",
    "render_reason",
    "render_reasons",
    "render_summary",
    "wgs84_to_gcj02",
]
