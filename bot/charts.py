"""The rates as a picture a supervisor can forward, sent with the `/rates` answer: each rate month by
month over the last twelve months against its target (dashed, same colour), and mediation success by
centre for the period asked, against its target. Titles, labels and legends in the viewer's language, in
the CJK font loaded from its file (bot.routing.coverage.cjk_font: matplotlib's font cache may predate it);
without one, a Chinese viewer's chart is drawn in English rather than in boxes.

Drawing takes four to six times as long as a one-line figure of the same size, about a second on a
busy machine (bench/chart.py): callers draw off the event loop.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_skeleton
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.i18n import N_, translations
from bot.rates import (
    DEFINITION,
    DEFINITIONS,
    Period,
    RateFigure,
    RateKey,
    RatesService,
    Report,
    centre_label,
    months_before,
    next_month,
    scope_label,
)
from bot.routing.coverage import cjk_font

MONTHS = 12
CENTRE_BARS = 15   # the worst ones, as the report orders them
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
MET, MISSED, NO_VALUE = "#2ca02c", "#d62728", "#bbbbbb"

_MONTHLY_TITLE = N_("{scope}: the rates month by month, last 12 months")
_CENTRES_TITLE = N_("Mediation success by centre, {start} to {end}")
_TARGET = N_("{name} (target {target}%)")
_TARGET_LINE = N_("target {target}%")
_DASHED = N_("dashed lines: the targets")
_PERCENT = N_("percent")
_NOTHING_MONTHLY = N_("Nothing counted in these months yet.")
_NOTHING_CENTRES = N_("No centre counted a mediation ending in this period.")
_NO_VALUE = N_("no mediation ended")


@dataclass(frozen=True)
class Month:
    first_day: date
    rates: dict[RateKey, RateFigure]


@dataclass(frozen=True)
class ChartData:
    scope: str                              # in the viewer's language
    period: Period                          # of the centres' bars
    months: list[Month]                     # oldest first
    centres: list[tuple[str, RateFigure]]   # centre label, mediation success; worst first


async def chart_data(rates: RatesService, report: Report, locale: str) -> ChartData:
    """The months up to the report's last day (today, while it runs), each counted by the rates' own
    report, and the report's centres."""
    last_day = min(report.period.end, rates.today())
    months = []
    month = months_before(last_day, MONTHS - 1)
    while month <= last_day:
        end = min(next_month(month) - timedelta(days=1), last_day)
        counted = await rates.report(Period(start=month, end=end), report.scope, by_centre=False)
        months.append(Month(month, counted.figures.rates))
        month = next_month(month)
    centres = [(centre_label(centre, rates.places, locale), figures.rates[RateKey.MEDIATION_SUCCESS])
               for centre, figures in report.by_centre[:CENTRE_BARS]]
    return ChartData(scope_label(report.scope, rates.places, locale), report.period, months, centres)


def _percent(figure: RateFigure) -> float:
    return math.nan if figure.value is None else figure.value * 100


def _monthly(axes, data: ChartData, locale: str) -> None:
    _ = translations(locale).gettext
    positions = list(range(len(data.months)))
    drawn = 0
    for colour, definition in zip(COLOURS, DEFINITIONS, strict=False):
        values = [_percent(month.rates[definition.key]) for month in data.months]
        if all(math.isnan(value) for value in values):
            continue
        name = _(definition.name)
        label = name if definition.target_percent is None else _(_TARGET).format(
            name=name, target=definition.target_percent)
        axes.plot(positions, values, marker="o", markersize=3, linewidth=1.5, color=colour, label=label)
        if definition.target_percent is not None:
            axes.axhline(definition.target_percent, color=colour, linestyle="--", linewidth=0.8)
        drawn += 1
    axes.set_title(_(_MONTHLY_TITLE).format(scope=data.scope))
    axes.set_xticks(positions, [format_skeleton("yMMM", month.first_day, locale=locale) for month in data.months],
                    rotation=45, ha="right")
    axes.set_ylim(0, 105)
    axes.set_ylabel(_(_PERCENT))
    axes.grid(axis="y", alpha=0.3)
    if drawn:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, title=_(_DASHED), title_fontsize=7)
    else:
        axes.text(0.5, 0.5, _(_NOTHING_MONTHLY), ha="center", va="center", transform=axes.transAxes)


def _centres(axes, data: ChartData, locale: str) -> None:
    _ = translations(locale).gettext
    target = DEFINITION[RateKey.MEDIATION_SUCCESS].target_percent
    axes.set_title(_(_CENTRES_TITLE).format(start=data.period.start.isoformat(), end=data.period.end.isoformat()))
    if not data.centres:
        axes.text(0.5, 0.5, _(_NOTHING_CENTRES), ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    shown = list(reversed(data.centres))   # the worst on top
    values = [0.0 if figure.value is None else figure.value * 100 for _label, figure in shown]
    colours = [NO_VALUE if figure.value is None else MET if figure.meets_target else MISSED for _label, figure in shown]
    positions = list(range(len(shown)))
    axes.barh(positions, values, color=colours)
    axes.set_yticks(positions, [label for label, _figure in shown], fontsize=7)
    for position, (_label, figure) in zip(positions, shown, strict=True):
        text = _(_NO_VALUE) if figure.value is None else f"{figure.value * 100:.1f}% ({figure.numerator}/" \
                                                         f"{figure.denominator})"
        axes.text(1, position, text, va="center", fontsize=7)
    if target is not None:
        axes.axvline(target, color="#333333", linestyle="--", linewidth=1, label=_(_TARGET_LINE).format(target=target))
        axes.legend(loc="lower right", fontsize=7)
    axes.set_xlim(0, 100)
    axes.set_xlabel(_(_PERCENT))


def font_family(locale: str) -> tuple[list[str], str]:
    """The font families to draw with, and the language to draw in (English when no CJK font is installed)."""
    font = cjk_font()
    return [font or "DejaVu Sans", "DejaVu Sans"], locale if font or not locale.startswith("zh") else "en"


def _figure(data: ChartData, locale: str) -> Figure:
    families, locale = font_family(locale)
    figure = Figure(figsize=(10, 9), dpi=100)
    FigureCanvasAgg(figure)
    with rc_context({"font.family": families, "font.size": 9}):
        # Fixed places (a layout engine would triple the drawing time): the legend to the right of the
        # months, the centres' names to the left of their bars.
        monthly = figure.add_axes((0.07, 0.47, 0.59, 0.48))
        centres = figure.add_axes((0.27, 0.06, 0.69, 0.31))
        _monthly(monthly, data, locale)
        _centres(centres, data, locale)
    return figure


def draw(data: ChartData, locale: str) -> Figure:
    """The chart drawn, so its tick labels exist: for tests that read what it says and in which font."""
    figure = _figure(data, locale)
    with rc_context({"font.family": font_family(locale)[0], "font.size": 9}):
        figure.canvas.draw()
    return figure


def png(data: ChartData, locale: str) -> bytes:
    figure = _figure(data, locale)
    buffer = io.BytesIO()
    with rc_context({"font.family": font_family(locale)[0], "font.size": 9}):  # the tick labels are made now
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
