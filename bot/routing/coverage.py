"""Half-hour area coverage of a district: which places have no centre within 30 minutes.

The district's extent is the bounding box of its gazetteer places (padded), sampled on a square
grid; a cell is covered when an in-person centre taking cases is within half an hour of its
centre. The map shows centres, their half-hour circles and the uncovered cells.
"""

from __future__ import annotations

import io
import math

# The Agg canvas directly, not pyplot: no global figure state and no display needed on a server.
from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, Rectangle
from pydantic import BaseModel, ConfigDict, Field

from bot.routing.gazetteer import District, Gazetteer
from bot.routing.geo import KM_PER_DEGREE_LAT, BoundingBox, GeoPoint
from bot.routing.registry import Centre, Registry
from bot.routing.travel import HALF_HOUR_MINUTES, TravelEstimator, TravelMode, TravelModel

DEFAULT_STEP_M = 500
_CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC")


class CoverageReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    district: str
    district_en: str
    mode: TravelMode
    step_m: int
    cells_total: int
    cells_covered: int
    share: float = Field(description="covered cells / all cells of the extent")
    extent: BoundingBox
    uncovered: list[GeoPoint]
    png: bytes = Field(exclude=True, repr=False)


def measure_coverage(registry: Registry, gazetteer: Gazetteer, district_name: str | None = None, *,
                     mode: TravelMode = TravelMode.TRANSIT, step_m: int = DEFAULT_STEP_M,
                     estimator: TravelEstimator | None = None) -> CoverageReport:
    """Coverage of a district (the gazetteer's first when unnamed), with its map as PNG bytes."""
    if step_m <= 0:
        raise ValueError("step_m must be positive")
    estimator = estimator or TravelModel()
    district = gazetteer.district(district_name)
    radius_km = estimator.reach_km(mode, HALF_HOUR_MINUTES)
    cells = _grid(district.extent, step_m)
    uncovered = [cell for cell in cells if not _covered(cell, registry, estimator, mode, radius_km)]
    share = 1 - len(uncovered) / len(cells)
    png = _draw(district, registry, uncovered, share, mode, radius_km, step_m)
    return CoverageReport(
        district=district.name, district_en=district.name_en, mode=mode, step_m=step_m,
        cells_total=len(cells), cells_covered=len(cells) - len(uncovered), share=share,
        extent=district.extent, uncovered=uncovered, png=png,
    )


def _grid(extent: BoundingBox, step_m: int) -> list[GeoPoint]:
    """Cell centres of a square grid of `step_m` metres over the extent."""
    lat_step, lon_step = _cell_size(extent, step_m)
    rows = max(1, round((extent.north - extent.south) / lat_step))
    cols = max(1, round((extent.east - extent.west) / lon_step))
    return [
        GeoPoint(lat=extent.south + (row + 0.5) * lat_step, lon=extent.west + (col + 0.5) * lon_step)
        for row in range(rows)
        for col in range(cols)
    ]


def _cell_size(extent: BoundingBox, step_m: int) -> tuple[float, float]:
    """A `step_m` square in degrees of latitude and longitude at the extent's middle."""
    lat_step = step_m / 1000 / KM_PER_DEGREE_LAT
    return lat_step, lat_step / math.cos(math.radians(extent.mid_lat))


def _covered(cell: GeoPoint, registry: Registry, estimator: TravelEstimator, mode: TravelMode,
             radius_km: float) -> bool:
    for centre_id, _ in registry.index.within(cell.lat, cell.lon, radius_km):
        centre = registry.get(centre_id)
        if centre.accepts_cases and estimator.minutes(cell, centre.location, mode) <= HALF_HOUR_MINUTES:
            return True
    return False


def _cjk_font() -> str | None:
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FONTS if name in installed), None)


def _draw(district: District, registry: Registry, uncovered: list[GeoPoint], share: float,
          mode: TravelMode, radius_km: float, step_m: int) -> bytes:
    extent = district.extent
    cjk_font = _cjk_font()
    # Without a CJK font Chinese names would print as boxes, so the map falls back to English.
    label = (lambda centre: centre.name.zh) if cjk_font else (lambda centre: centre.id)
    title = f"{district.name_en}: {share:.1%} of the area within 30 min ({mode.value})"
    if cjk_font:
        title = f"{district.name} 半小时服务圈覆盖 {share:.1%}\n{title}"

    km_per_deg_lon = KM_PER_DEGREE_LAT * math.cos(math.radians(extent.mid_lat))
    margin = radius_km / KM_PER_DEGREE_LAT
    view = BoundingBox(south=extent.south - margin, west=extent.west - margin * 1.2,
                       north=extent.north + margin, east=extent.east + margin * 1.2)
    shown = [centre for centre in registry.centres
             if centre.in_person and centre.location is not None and view.contains(centre.location)]

    with rc_context({"font.family": [cjk_font or "DejaVu Sans", "DejaVu Sans"]}):
        figure = Figure(figsize=(9, 7), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        for centre in shown:
            _draw_centre(axes, centre, label(centre), radius_km, km_per_deg_lon)
        lat_step, lon_step = _cell_size(extent, step_m)
        axes.add_collection(PatchCollection(
            [Rectangle((p.lon - lon_step / 2, p.lat - lat_step / 2), lon_step, lat_step) for p in uncovered],
            facecolor="#d62728", alpha=0.45, linewidth=0,
            label="未覆盖 / not covered" if cjk_font else "not covered",
        ))
        axes.add_patch(Rectangle((extent.west, extent.south), extent.east - extent.west,
                                 extent.north - extent.south, fill=False, linestyle="--",
                                 edgecolor="#555555", linewidth=0.8))
        axes.set_xlim(view.west, view.east)
        axes.set_ylim(view.south, view.north)
        axes.set_aspect(1 / math.cos(math.radians(extent.mid_lat)))  # equal kilometres both ways
        axes.set_xlabel("longitude (WGS-84)")
        axes.set_ylabel("latitude (WGS-84)")
        axes.set_title(title, fontsize=11)
        if uncovered:
            axes.legend(loc="lower right", fontsize=8)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _draw_centre(axes, centre: Centre, label: str, radius_km: float, km_per_deg_lon: float) -> None:
    point = centre.location
    colour = "#1f77b4" if centre.accepts_cases else "#7f7f7f"
    if centre.accepts_cases:
        axes.add_patch(Ellipse((point.lon, point.lat), width=2 * radius_km / km_per_deg_lon,
                               height=2 * radius_km / KM_PER_DEGREE_LAT, facecolor=colour, alpha=0.12,
                               edgecolor=colour, linewidth=0.8))
    axes.plot(point.lon, point.lat, marker="o" if centre.accepts_cases else "x", color=colour, markersize=5)
    axes.annotate(label, (point.lon, point.lat), xytext=(3, 3), textcoords="offset points", fontsize=7)

