"""Half-hour area coverage of a district: which places have no centre within 30 minutes.

The district is sampled on a square grid over its outline (the gazetteer's GeoJSON outlines; a
district without one falls back to a padded box around its places, and the report says so). A
cell is covered when an in-person centre taking cases is within half an hour of its centre; the
share counts only cells inside the outline, so a river or a neighbouring district does not dilute
it. The map is drawn in the viewer's language: the title, the axes, a legend of everything drawn,
and each centre under its short name, placed so that no two labels collide.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from babel.numbers import format_percent

# The Agg canvas directly, not pyplot: no global figure state and no display needed on a server.
from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, Patch, Rectangle
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.ticker import FuncFormatter, MaxNLocator
from pydantic import BaseModel, ConfigDict, Field

from bot.i18n import N_, translations
from bot.routing.explain import mode_phrase
from bot.routing.gazetteer import District, Gazetteer
from bot.routing.geo import KM_PER_DEGREE_LAT, BoundingBox, GeoPoint
from bot.routing.registry import Centre, Registry
from bot.routing.travel import HALF_HOUR_MINUTES, TravelEstimator, TravelMode, TravelModel

DEFAULT_STEP_M = 500
# Loaded by file (`make deps` installs fonts-wqy-microhei): matplotlib's font cache may predate the font.
CJK_FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
COVERED_COLOUR, CLOSED_COLOUR, UNCOVERED_COLOUR, OUTLINE_COLOUR = "#1f77b4", "#7f7f7f", "#d62728", "#333333"
LABEL_POINTS = 7.5
MARKER_PIXELS = 5  # half the side of the box a centre's marker keeps free of labels

_TITLE = N_("{district}: {share} of the area within 30 minutes {mode}")
_BASIS = {
    "outline": N_("measured over the district's outline"),
    "sample": N_("measured over the district's approximate outline (sample data)"),
    "extent": N_("measured over a box around the district's streets, not its boundary"),
}
_LONGITUDE, _LATITUDE = N_("longitude (WGS-84)"), N_("latitude (WGS-84)")
_LEGEND_OPEN = N_("mediation centre taking cases")
_LEGEND_CIRCLE = N_("within 30 minutes of a centre")
_LEGEND_CLOSED = N_("centre not taking cases")
_LEGEND_UNCOVERED = N_("not covered")
_LEGEND_OUTLINE = N_("district boundary")
_LEGEND_SAMPLE_OUTLINE = N_("district boundary (approximate)")


class AreaBasis(StrEnum):
    OUTLINE = "outline"  # cells inside the district's outline
    EXTENT = "extent"    # no outline known: every cell of a box around the district's places


class CoverageReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    district: str
    district_en: str
    mode: TravelMode
    step_m: int
    cells_total: int
    cells_covered: int
    share: float = Field(description="covered cells / cells of the district")
    area_basis: AreaBasis
    outline_sample: bool = Field(description="the outline is approximate sample data")
    extent: BoundingBox
    uncovered: list[GeoPoint]
    png: bytes = Field(exclude=True, repr=False)


@dataclass(frozen=True)
class Box:
    """A rectangle on the image, in pixels."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlap(self, other: Box) -> float:
        width = min(self.x1, other.x1) - max(self.x0, other.x0)
        height = min(self.y1, other.y1) - max(self.y0, other.y0)
        return width * height if width > 0 and height > 0 else 0.0

    def inside(self, other: Box) -> bool:
        return self.x0 >= other.x0 and self.y0 >= other.y0 and self.x1 <= other.x1 and self.y1 <= other.y1


@dataclass(frozen=True)
class MapLabel:
    text: str
    box: Box
    moved: bool  # placed away from its centre, with a leader line


@dataclass(frozen=True)
class CoverageMap:
    """The report and what was drawn, for checking the picture without looking at it."""

    report: CoverageReport
    title: str
    legend: tuple[str, ...]
    labels: tuple[MapLabel, ...]
    axis_labels: tuple[Box, ...]  # the tick labels of both axes
    language: str                 # the language drawn in: English when no CJK font is installed


def measure_coverage(registry: Registry, gazetteer: Gazetteer, district_name: str | None = None, *,
                     mode: TravelMode = TravelMode.TRANSIT, step_m: int = DEFAULT_STEP_M,
                     estimator: TravelEstimator | None = None, locale: str = "zh_CN") -> CoverageReport:
    """Coverage of a district (the gazetteer's first when unnamed), with its map as PNG bytes."""
    return map_coverage(registry, gazetteer, district_name, mode=mode, step_m=step_m, estimator=estimator,
                        locale=locale).report


def map_coverage(registry: Registry, gazetteer: Gazetteer, district_name: str | None = None, *,
                 mode: TravelMode = TravelMode.TRANSIT, step_m: int = DEFAULT_STEP_M,
                 estimator: TravelEstimator | None = None, locale: str = "zh_CN") -> CoverageMap:
    if step_m <= 0:
        raise ValueError("step_m must be positive")
    estimator = estimator or TravelModel()
    district = gazetteer.district(district_name)
    radius_km = estimator.reach_km(mode, HALF_HOUR_MINUTES)
    outline = district.outline
    cells = [cell for cell in _grid(district.extent, step_m) if outline is None or outline.contains(cell)]
    if not cells:
        raise ValueError(f"{district.name}: its outline holds no cell of {step_m} m; use a smaller step")
    uncovered = [cell for cell in cells if not _covered(cell, registry, estimator, mode, radius_km)]
    share = 1 - len(uncovered) / len(cells)
    drawing = _Drawing(district, registry, uncovered, share, mode, radius_km, step_m, locale)
    png = drawing.draw()
    report = CoverageReport(
        district=district.name, district_en=district.name_en, mode=mode, step_m=step_m,
        cells_total=len(cells), cells_covered=len(cells) - len(uncovered), share=share,
        area_basis=AreaBasis.EXTENT if outline is None else AreaBasis.OUTLINE,
        outline_sample=outline is not None and outline.sample,
        extent=district.extent, uncovered=uncovered, png=png,
    )
    return CoverageMap(report=report, title=drawing.title, legend=tuple(drawing.legend),
                       labels=tuple(drawing.labels), axis_labels=tuple(drawing.axis_labels),
                       language=drawing.locale)


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


@cache
def cjk_font() -> str | None:
    """The family name of a CJK font, loaded from its file; None when none is installed."""
    for path in CJK_FONT_FILES:
        if path.exists():
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
    return None


def _box(extent) -> Box:
    return Box(extent.x0, extent.y0, extent.x1, extent.y1)


class _Drawing:
    """One map: drawn once, with its labels placed against what is already on it."""

    def __init__(self, district: District, registry: Registry, uncovered: list[GeoPoint], share: float,
                 mode: TravelMode, radius_km: float, step_m: int, locale: str) -> None:
        self.district, self.registry, self.uncovered = district, registry, uncovered
        self.mode, self.radius_km, self.step_m = mode, radius_km, step_m
        self.font = cjk_font()
        # Without a CJK font Chinese would print as boxes: the map is drawn in English instead.
        self.locale = locale if self.font or not locale.startswith("zh") else "en"
        self.chinese = self.locale.startswith("zh")
        gettext = translations(self.locale).gettext
        self.gettext = gettext
        basis = "extent" if district.outline is None else "sample" if district.outline.sample else "outline"
        self.title = gettext(_TITLE).format(
            district=district.name if self.chinese else district.name_en,
            share=format_percent(share, format="#,##0.0%", locale=self.locale),
            mode=mode_phrase(mode, self.locale)) + "\n" + gettext(_BASIS[basis])
        self.legend: list[str] = []
        self.labels: list[MapLabel] = []
        self.axis_labels: list[Box] = []

    def draw(self) -> bytes:
        with rc_context({"font.family": [self.font or "DejaVu Sans", "DejaVu Sans"], "font.size": 8}):
            figure = Figure(figsize=(9, 7.5), dpi=100)
            canvas = FigureCanvasAgg(figure)
            figure.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.17)
            axes = figure.add_subplot()
            view = self._view()
            shown = [centre for centre in self.registry.centres
                     if centre.in_person and centre.location is not None and view.contains(centre.location)]
            handles = self._draw_map(axes, shown)
            axes.set_xlim(view.west, view.east)
            axes.set_ylim(view.south, view.north)
            axes.set_aspect(1 / math.cos(math.radians(view.mid_lat)))  # equal kilometres both ways
            self._axes_in_degrees(axes)
            axes.set_title(self.title, fontsize=10)
            figure.legend(handles=handles, labels=self.legend, loc="lower center", ncols=3, fontsize=8,
                          frameon=False)
            axes.apply_aspect()
            renderer = canvas.get_renderer()
            self._place_labels(axes, shown, renderer)
            canvas.draw()
            self.axis_labels = [_box(label.get_window_extent(renderer))
                                for label in (*axes.get_xticklabels(), *axes.get_yticklabels())
                                if label.get_visible() and label.get_text()]
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
        return buffer.getvalue()

    def _view(self) -> BoundingBox:
        extent = self.district.extent
        margin = min(self.radius_km, 3.0) / KM_PER_DEGREE_LAT
        return BoundingBox(south=extent.south - margin, west=extent.west - margin * 1.2,
                           north=extent.north + margin, east=extent.east + margin * 1.2)

    def _draw_map(self, axes, shown: list[Centre]) -> list:
        """Circles, uncovered cells, the outline and the centres; returns the legend's handles."""
        handles: list = []
        km_per_deg_lon = KM_PER_DEGREE_LAT * math.cos(math.radians(self.district.extent.mid_lat))
        open_centres = [centre for centre in shown if centre.accepts_cases]
        closed = [centre for centre in shown if not centre.accepts_cases]
        for centre in open_centres:
            point = centre.location
            axes.add_patch(Ellipse((point.lon, point.lat), width=2 * self.radius_km / km_per_deg_lon,
                                   height=2 * self.radius_km / KM_PER_DEGREE_LAT, facecolor=COVERED_COLOUR,
                                   alpha=0.12, edgecolor=COVERED_COLOUR, linewidth=0.8))
        lat_step, lon_step = _cell_size(self.district.extent, self.step_m)
        axes.add_collection(PatchCollection(
            [Rectangle((p.lon - lon_step / 2, p.lat - lat_step / 2), lon_step, lat_step) for p in self.uncovered],
            facecolor=UNCOVERED_COLOUR, alpha=0.45, linewidth=0))
        outline = self.district.outline
        rings = outline.rings if outline else (_box_ring(self.district.extent),)
        for ring in rings:
            axes.add_patch(PolygonPatch(ring, closed=True, fill=False, edgecolor=OUTLINE_COLOUR, linewidth=1.0,
                                        linestyle="--" if outline is None or outline.sample else "-"))
        for centres, marker, colour in ((open_centres, "o", COVERED_COLOUR), (closed, "x", CLOSED_COLOUR)):
            axes.plot([c.location.lon for c in centres], [c.location.lat for c in centres], linestyle="none",
                      marker=marker, color=colour, markersize=5)

        def entry(text: str, handle) -> None:
            self.legend.append(self.gettext(text))
            handles.append(handle)

        if open_centres:
            entry(_LEGEND_OPEN, Line2D([], [], linestyle="none", marker="o", color=COVERED_COLOUR, markersize=5))
            entry(_LEGEND_CIRCLE, Patch(facecolor=COVERED_COLOUR, alpha=0.12, edgecolor=COVERED_COLOUR))
        if closed:
            entry(_LEGEND_CLOSED, Line2D([], [], linestyle="none", marker="x", color=CLOSED_COLOUR, markersize=5))
        if self.uncovered:
            entry(_LEGEND_UNCOVERED, Patch(facecolor=UNCOVERED_COLOUR, alpha=0.45))
        entry(_LEGEND_OUTLINE if outline is not None and not outline.sample else _LEGEND_SAMPLE_OUTLINE,
              Line2D([], [], color=OUTLINE_COLOUR, linewidth=1.0,
                     linestyle="--" if outline is None or outline.sample else "-"))
        return handles

    def _axes_in_degrees(self, axes) -> None:
        """Few ticks, in degrees: narrow districts (Wuchang) crowded the longitudes together."""
        axes.set_xlabel(self.gettext(_LONGITUDE))
        axes.set_ylabel(self.gettext(_LATITUDE))
        axes.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        axes.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.2f}°E"))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.2f}°N"))

    def _place_labels(self, axes, shown: list[Centre], renderer) -> None:
        """Each centre's short name beside it, trying positions around it and then farther out, the first
        that clears the labels already placed, every marker and the edge of the map."""
        frame = _box(axes.get_window_extent(renderer))
        markers = [self._marker_box(axes, centre) for centre in shown]
        placed: list[Box] = []
        # Top to bottom, west to east: neighbours are settled in a steady order.
        for centre in sorted(shown, key=lambda c: (-c.location.lat, c.location.lon)):
            text = centre.label.pick("zh" if self.chinese else "en")
            annotation = axes.annotate(text, (centre.location.lon, centre.location.lat), textcoords="offset points",
                                       fontsize=LABEL_POINTS, xytext=(4, 4))
            own_marker = self._marker_box(axes, centre)
            others = [marker for marker in markers if marker != own_marker]
            tried: list[tuple[float, tuple[float, float, str, str], bool]] = []
            for offset, moved in _candidate_offsets():
                box = _put(annotation, offset, renderer)
                clash = sum(box.overlap(other) for other in (*placed, *others)) + (0 if box.inside(frame) else 1e6)
                tried.append((clash, offset, moved))
                if clash == 0:
                    break
            _, offset, moved = min(tried, key=lambda candidate: candidate[0])
            _put(annotation, offset, renderer)
            if moved:
                dx, dy, _, _ = offset
                axes.annotate("", (centre.location.lon, centre.location.lat), xytext=(dx, dy),
                              textcoords="offset points",
                              arrowprops={"arrowstyle": "-", "color": "#555555", "linewidth": 0.5,
                                          "shrinkA": 0, "shrinkB": 2})
            box = _box(annotation.get_window_extent(renderer))
            placed.append(box)
            self.labels.append(MapLabel(text=text, box=box, moved=moved))

    @staticmethod
    def _marker_box(axes, centre: Centre) -> Box:
        x, y = axes.transData.transform((centre.location.lon, centre.location.lat))
        return Box(x - MARKER_PIXELS, y - MARKER_PIXELS, x + MARKER_PIXELS, y + MARKER_PIXELS)


def _put(annotation, offset: tuple[float, float, str, str], renderer) -> Box:
    """Move a label to `offset` (points from its centre, with its alignment) and measure it."""
    dx, dy, ha, va = offset
    annotation.set_position((dx, dy))
    annotation.set_ha(ha)
    annotation.set_va(va)
    return _box(annotation.get_window_extent(renderer))


def _candidate_offsets() -> Iterable[tuple[tuple[float, float, str, str], bool]]:
    """Positions around a point, in points: the four corners and the four sides, then farther out."""
    directions = ((1, 1), (1, -1), (-1, 1), (-1, -1), (0, 1), (0, -1), (1, 0), (-1, 0))
    for ring, distance in enumerate((4, 14, 26, 40)):
        for x, y in directions:
            ha = "left" if x > 0 else "right" if x < 0 else "center"
            va = "bottom" if y > 0 else "top" if y < 0 else "center"
            yield (x * distance, y * distance, ha, va), ring > 0


def _box_ring(extent: BoundingBox) -> tuple[tuple[float, float], ...]:
    return ((extent.west, extent.south), (extent.east, extent.south), (extent.east, extent.north),
            (extent.west, extent.north), (extent.west, extent.south))
