"""How long the `/rates` chart takes to draw (bot/charts.py), next to a baseline measured in the same run:
a figure of the same size with one plain line, saved as PNG the same way. Twelve months of all eight rates
and 15 centres' bars, in Chinese and in English; the first drawing (which loads the CJK font from its
file) is reported apart. Median of repeated runs; a few seconds.

    python bench/chart.py [--runs 7]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.charts import CENTRE_BARS, MONTHS, ChartData, Month, png
from bot.rates import DEFINITIONS, Period, RateFigure


def sample() -> ChartData:
    months = [Month(date(2025 + (month > 12), (month - 1) % 12 + 1, 1),
                    {definition.key: RateFigure(numerator=(month * 7 + index) % 10, denominator=10,
                                                target=definition.target)
                     for index, definition in enumerate(DEFINITIONS)}) for month in range(12, 12 + MONTHS)]
    centres = [(f"第{number}街道劳动争议调解中心", RateFigure(numerator=number % 10, denominator=10, target=0.72))
               for number in range(CENTRE_BARS)]
    return ChartData("东西湖区", Period(start=date(2026, 11, 1), end=date(2026, 11, 30)), months, centres)


def baseline() -> bytes:
    figure = Figure(figsize=(10, 9), dpi=100)
    FigureCanvasAgg(figure)
    figure.subplots().plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def timed(run, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    data = sample()
    started = time.perf_counter()
    png(data, "zh_CN")
    first = time.perf_counter() - started
    plain = timed(baseline, args.runs)
    chinese = timed(lambda: png(data, "zh_CN"), args.runs)
    english = timed(lambda: png(data, "en"), args.runs)
    print(f"first chart (loads the CJK font): {first * 1000:.0f} ms")
    print(f"baseline, one line in a figure of the same size: {plain * 1000:.0f} ms")
    print(f"rates chart, zh_CN: {chinese * 1000:.0f} ms ({chinese / plain:.1f}x the baseline)")
    print(f"rates chart, en: {english * 1000:.0f} ms ({english / plain:.1f}x the baseline)")


if __name__ == "__main__":
    main()
