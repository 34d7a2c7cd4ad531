"""Telegram's HTML parse mode, as Telegram checks it, and a splitter for long replies.

Lengths are counted the way Telegram counts them: after entity parsing, in UTF-16 code units.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

# tag -> attributes it may (or must) carry
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    **{tag: frozenset() for tag in ("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler")},
    "span": frozenset({"class"}),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
REQUIRED_ATTRIBUTES = {"a": "href", "tg-emoji": "emoji-id"}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """Telegram's 'can't parse entities' error; the message is Telegram's own wording."""


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _TelegramHTMLParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.visible: list[str] = []
        self.stack: list[str] = []

    def _offset(self) -> int:
        # Telegram counts bytes over the whole text; the column on the current line is enough to find it.
        return self.getpos()[1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise EntityParseError(
                f"Bad Request: can't parse entities: Unsupported start tag \"{tag}\" at byte offset {self._offset()}"
            )
        names = {name for name, _ in attrs}
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            raise EntityParseError(
                "Bad Request: can't parse entities: Tag \"span\" must have class \"tg-spoiler\""
                f" at byte offset {self._offset()}"
            )
        if tag in REQUIRED_ATTRIBUTES and REQUIRED_ATTRIBUTES[tag] not in names:
            raise EntityParseError(
                f"Bad Request: can't parse entities: Tag \"{tag}\" must have attribute"
                f" \"{REQUIRED_ATTRIBUTES[tag]}\" at byte offset {self._offset()}"
            )
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise EntityParseError(
            f"Bad Request: can't parse entities: Unsupported start tag \"{tag}/\" at byte offset {self._offset()}"
        )

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            expected = f'"</{self.stack[-1]}>"' if self.stack else "no end tag"
            raise EntityParseError(
                f"Bad Request: can't parse entities: Unmatched end tag at byte offset {self._offset()},"
                f" expected {expected}, found \"</{tag}>\""
            )
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for symbol in "<&":
            if symbol in data:
                raise EntityParseError(
                    f"Bad Request: can't parse entities: Unexpected \"{symbol}\" at byte offset {self._offset()};"
                    " use &lt; &gt; &amp; instead"
                )
        self.visible.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in NAMED_ENTITIES:
            raise EntityParseError(
                f"Bad Request: can't parse entities: Unsupported HTML entity \"&{name};\""
                f" at byte offset {self._offset()}"
            )
        self.visible.append(NAMED_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self.visible.append(chr(code))
        except (ValueError, OverflowError) as error:
            raise EntityParseError(
                f"Bad Request: can't parse entities: Invalid numeric entity \"&#{name};\""
            ) from error

    def handle_comment(self, data: str) -> None:
        raise EntityParseError("Bad Request: can't parse entities: Unsupported comment")

    def handle_decl(self, decl: str) -> None:
        raise EntityParseError("Bad Request: can't parse entities: Unsupported declaration")

    def unknown_decl(self, data: str) -> None:
        raise EntityParseError("Bad Request: can't parse entities: Unsupported declaration")

    def handle_pi(self, data: str) -> None:
        raise EntityParseError("Bad Request: can't parse entities: Unsupported processing instruction")


def parse_html(text: str) -> str:
    """The visible text of a Telegram-HTML message; raises EntityParseError where Telegram would."""
    parser = _TelegramHTMLParser()
    parser.feed(text)
    parser.close()
    if parser.rawdata:  # an unterminated "<tag" or "&name" that the parser kept for more input
        raise EntityParseError("Bad Request: can't parse entities: Unclosed start tag or entity at end of text")
    if parser.stack:
        raise EntityParseError(
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"{parser.stack[-1]}\""
        )
    return "".join(parser.visible)


def escape(text: str) -> str:
    """User text entering an HTML message: escaped once, here."""
    return html.escape(text, quote=False)


_TOKEN = re.compile(r"<(/?)([a-zA-Z-]+)([^>]*)>|&#?[a-zA-Z0-9]+;|[^<&]+", re.DOTALL)


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split a valid Telegram-HTML text into messages of at most `limit` visible UTF-16 units.

    Breaks at a line end where one is near, else at a space, else anywhere; tags open at a break
    are closed at the end of one part and reopened at the start of the next.
    """
    if utf16_length(parse_html(text)) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    visible = 0
    open_tags: list[tuple[str, str]] = []  # (name, full start tag)

    def close_part() -> None:
        body = "".join(current) + "".join(f"</{name}>" for name, _ in reversed(open_tags))
        if parse_html(body).strip():
            parts.append(body)
        current.clear()
        current.extend(start for _, start in open_tags)

    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if match.group(2):  # a tag
            name = match.group(2).lower()
            if match.group(1):
                open_tags.pop()
            else:
                open_tags.append((name, token))
            current.append(token)
            continue
        if token.startswith("&"):
            if visible + 1 > limit:
                close_part()
                visible = 0
            current.append(token)
            visible += utf16_length(html.unescape(token))
            continue
        remaining = token
        while remaining:
            room = limit - visible
            if utf16_length(remaining) <= room:
                current.append(remaining)
                visible += utf16_length(remaining)
                break
            cut = _break_point(remaining, room)
            if cut == 0:
                close_part()
                visible = 0
                continue
            current.append(remaining[:cut])
            remaining = remaining[cut:]
            close_part()
            visible = 0
    if current and parse_html("".join(current) + "".join(f"</{n}>" for n, _ in reversed(open_tags))).strip():
        parts.append("".join(current))
    return parts


def _break_point(chunk: str, room: int) -> int:
    """How many characters of `chunk` fit in `room` UTF-16 units, preferring a line end or a space."""
    fit = 0
    units = 0
    for index, char in enumerate(chunk):
        units += utf16_length(char)
        if units > room:
            break
        fit = index + 1
    if fit == 0:
        return 0
    for separator in ("\n", " ", "，", "。"):
        position = chunk.rfind(separator, 0, fit)
        if position >= fit // 2:
            return position + 1
    return fit
