"""Escaping and the splitter for long replies."""

import html

from hypothesis import given
from hypothesis import strategies as st

from bot.chat.telegram_html import MESSAGE_LIMIT, escape, parse_html, split_html, utf16_length


def test_escape_round_trips_through_telegram_parsing() -> None:
    for said in ("a < b", "Tom & Jerry", "</a>", "&amp;", '"quoted"'):
        assert parse_html(escape(said)) == said


def test_a_short_text_is_not_split() -> None:
    assert split_html("<b>hi</b>") == ["<b>hi</b>"]


def test_long_text_splits_at_lines_and_reopens_tags() -> None:
    line = "第{}行：欠薪案件进展顺利。\n"
    text = "<b>" + "".join(line.format(i) for i in range(400)) + "</b>"
    parts = split_html(text)
    assert len(parts) > 1
    for part in parts:
        visible = parse_html(part)  # each part is valid Telegram HTML
        assert utf16_length(visible) <= MESSAGE_LIMIT
        assert part.startswith("<b>") and part.endswith("</b>")
        assert visible.endswith("\n"), "breaks fall on line ends"
    assert "".join(parse_html(part) for part in parts) == parse_html(text)


segments = st.one_of(
    st.text(min_size=1, max_size=300).map(escape),
    st.builds(lambda s: f"<b>{escape(s)}</b>", st.text(min_size=1, max_size=200)),
    st.builds(lambda s: f'<a href="https://x.cn">{escape(s)}</a>', st.text(min_size=1, max_size=50)),
    st.just("\n"),
    st.sampled_from(["😀" * 40, "&lt;&gt;&amp;", "字" * 120]),
)


@given(st.lists(segments, min_size=1, max_size=60), st.integers(min_value=20, max_value=MESSAGE_LIMIT))
def test_any_valid_text_splits_into_valid_parts_that_keep_everything(pieces, limit) -> None:
    text = "".join(pieces)
    parts = split_html(text, limit=limit)
    for part in parts:
        assert utf16_length(parse_html(part)) <= limit
    rejoined = "".join(parse_html(part) for part in parts)
    original = parse_html(text)
    # Parts that would be only whitespace are dropped: Telegram refuses empty messages.
    assert rejoined.split() == original.split() or html.unescape(rejoined).strip() == original.strip()
