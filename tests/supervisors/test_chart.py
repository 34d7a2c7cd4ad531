"""The rates chart: a valid PNG, every label drawn in a font that has its characters (the CJK font loaded
from its file), in the viewer's language; and sent as a photo with the /rates answer."""

from __future__ import annotations

from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
from aiogram.methods import SendPhoto
from fontTools.ttLib import TTFont
from matplotlib import font_manager, rc_context
from matplotlib.text import Text
from PIL import Image

from bot.charts import ChartData, Month, draw, font_family, png
from bot.rates import DEFINITIONS, Period, RateFigure
from bot.routing.coverage import cjk_font
from tests.harness import ChatHarness, texts
from tests.supervisors.builders import DISTRICT_SUPERVISOR, staff

CJK_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
needs_font = pytest.mark.skipif(not CJK_FILE.exists(), reason="the CJK font is missing: run `make deps`")


def sample() -> ChartData:
    months = [Month(date(2025 + (month > 12), (month - 1) % 12 + 1, 1),
                    {definition.key: RateFigure(numerator=(month * 7 + index) % 10, denominator=10,
                                                target=definition.target)
                     for index, definition in enumerate(DEFINITIONS)}) for month in range(12, 24)]
    centres = [("吴家山街道劳动争议调解中心", RateFigure(numerator=5, denominator=10, target=0.72)),
               ("将军路街道劳动争议调解中心", RateFigure(numerator=9, denominator=10, target=0.72)),
               ("慈惠街道劳动争议调解中心", RateFigure(numerator=0, denominator=0, target=0.72))]
    return ChartData("东西湖区", Period(start=date(2026, 11, 1), end=date(2026, 11, 30)), months, centres)


@cache
def characters(path: str) -> frozenset[int]:
    font = TTFont(path, fontNumber=0, lazy=True) if path.endswith(".ttc") else TTFont(path, lazy=True)
    return frozenset(font.getBestCmap())


def drawn_texts(locale: str) -> list[tuple[str, str]]:
    """Every non-empty text the chart draws, with the font file matplotlib resolves for it."""
    families, _locale = font_family(locale)
    figure = draw(sample(), locale)
    found = []
    with rc_context({"font.family": families}):
        for artist in figure.findobj(Text):
            if artist.get_visible() and artist.get_text().strip():
                found.append((artist.get_text(), font_manager.findfont(artist.get_fontproperties())))
    return found


def test_the_chart_is_a_png() -> None:
    picture = png(sample(), "zh_CN")
    assert picture.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(BytesIO(picture))
    image.verify()
    assert image.format == "PNG" and image.size == (1000, 900)


@needs_font
def test_every_label_is_drawn_in_a_font_that_has_its_characters() -> None:
    assert cjk_font() is not None
    found = drawn_texts("zh_CN")
    words = " ".join(text for text, _font in found)
    for label in ("调解成功率", "近12个月", "各调解中心调解成功率", "吴家山街道劳动争议调解中心", "虚线：目标值",
                  "2026年1月", "目标 72%"):
        assert label in words, label
    assert "Mediation" not in words and "target" not in words, "nothing left in English"
    for text, font in found:
        assert Path(font) == CJK_FILE, (text, font)
        missing = [char for char in text if not char.isspace() and ord(char) not in characters(font)]
        assert not missing, (text, missing)


def test_an_english_chart_speaks_english() -> None:
    words = " ".join(text for text, _font in drawn_texts("en"))
    assert "Mediation success by centre" in words and "the rates month by month" in words
    assert "Jan 2026" in words and "调解成功率" not in words


async def test_rates_come_with_the_chart(chat: ChatHarness, db, clock) -> None:
    await staff(chat, db, clock)
    calls = await chat.send(DISTRICT_SUPERVISOR, "/rates 上个月")
    assert "调解成功率" in texts(calls)[0]
    [photo] = [call for call in calls if isinstance(call, SendPhoto)]
    assert photo.photo.data.startswith(b"\x89PNG") and photo.photo.filename == "rates.png"
    assert len(photo.caption) <= 1024 and "东西湖区" in photo.caption and "2026-10-01" in photo.caption
    first_text = next(index for index, call in enumerate(calls) if not isinstance(call, SendPhoto) and
                      getattr(call, "text", None))
    assert first_text < calls.index(photo), "after the figures"
