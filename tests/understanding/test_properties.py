"""Any text at all gives a valid Understanding (or an empty one) and never raises."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.understanding import Understanding, find_impossible_day, parse_amount, parse_date, parse_period, understand
from bot.understanding.counts import read_count
from bot.understanding.text import MAX_CHARS

# Pieces that steer the parsers into their deeper branches, mixed with arbitrary characters.
FRAGMENTS = st.sampled_from([
    "欠", "工资", "一万二", "8千多", "2.5w", "3k", "元", "块", "每人", "共", "个人", "工友", "十几", "上个月", "15号",
    "到", "至今", "去年", "12月", "三个月前", "半年前", "月底", "入职", "辞退", "美团", "众包", "饿了么", "公司",
    "有限公司", "街道", "吴家山", "東西湖區", "last March", "3 months ago", "from", "to", "Co., Ltd", "¥", "RMB",
    "2026-02-30", "13月", "32号", "9" * 30, "万" * 20, "年" * 10, "\x00", "\u200b", "🙂", "\n",
    "明天", "后天", "next Friday", "下周五", "2月30号", "1e308", "1.5", "付清", "跑路", "工头", "受伤", "每单罚",
])
TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=5)), max_size=60).map("".join),
    st.text(alphabet="0123456789一二两三四五六七八九十百千万几多年月号日到至-/., ", max_size=200),
)
DAYS = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31))


@settings(max_examples=150, deadline=None)
@given(text=TEXTS, today=DAYS)
def test_any_text_gives_valid_fields(text: str, today: date) -> None:
    result = understand(text, today)
    assert isinstance(result, Understanding)
    Understanding.model_validate(result.model_dump())
    fields = result.to_json_dict()
    if "period_start" in fields and "period_end" in fields:
        assert fields["period_start"] <= fields["period_end"]
    if "period_start" in fields:
        assert date.fromisoformat(fields["period_start"]) <= today


@settings(max_examples=100, deadline=None)
@given(text=TEXTS, today=DAYS)
def test_phrase_parsers_never_raise(text: str, today: date) -> None:
    amount = parse_amount(text)
    assert amount is None or amount >= 0
    start, end = parse_period(text, today)
    assert start is None or end is None or start <= end
    parse_date(text, today)
    impossible = find_impossible_day(text, today)
    assert impossible is None or (28 <= impossible.days_in_month <= 30 and impossible.written)
    reading = read_count(text)
    assert (reading.value is None) != (reading.problem is None)
    assert reading.value is None or reading.value >= 0


@settings(max_examples=10, deadline=None)
@given(head=st.text(max_size=50), filler=st.sampled_from(["一", "9", "欠工资", "上个月到", "🙂", "a "]))
def test_very_long_text_is_capped(head: str, filler: str) -> None:
    text = head + filler * 10_000  # well past the cap: the work is bounded by MAX_CHARS
    assert len(text) > MAX_CHARS
    assert isinstance(understand(text, date(2026, 11, 24)), Understanding)
