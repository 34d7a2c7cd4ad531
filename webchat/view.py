"""What the page shows of a message, as plain data the page turns into DOM nodes.

The bot's Telegram-HTML is re-parsed here into a tree of known formatting nodes with text leaves,
so the page never handles markup: it builds elements from this structure and sets their text.
Only http(s) links survive; anything unknown is kept as its text.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

# Telegram's tag (and synonyms) -> the node kind the page knows how to draw.
FORMAT_TAGS = {
    "b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u", "s": "s", "strike": "s", "del": "s",
    "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-spoiler": "spoiler", "a": "a",
}
SAFE_LINK_SCHEMES = ("http", "https")

Node = str | dict[str, Any]


class _RichTextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list[Node] = []
        self._open: list[tuple[str, list[Node]]] = [("", self.root)]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        kind = FORMAT_TAGS.get(tag)
        if tag == "span" and attributes.get("class") == "tg-spoiler":
            kind = "spoiler"
        node: dict[str, Any] = {"kind": kind or "plain", "children": []}
        if kind == "a":
            href = attributes.get("href") or ""
            if urlsplit(href).scheme.lower() in SAFE_LINK_SCHEMES:
                node["href"] = href
            else:
                node["kind"] = "plain"
        self._open[-1][1].append(node)
        self._open.append((tag, node["children"]))

    def handle_endtag(self, tag: str) -> None:
        # The bot's HTML was checked by the session as Telegram checks it, so tags nest properly;
        # a stray end tag is ignored rather than trusted.
        if len(self._open) > 1 and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        self._open[-1][1].append(data)


def rich_text(html_source: str | None, plain: str | None) -> list[Node]:
    """The formatted text of a bot message, or the plain text as one leaf."""
    if html_source is None:
        return [plain] if plain else []
    parser = _RichTextParser()
    parser.feed(html_source)
    parser.close()
    return parser.root


def _inline_buttons(markup: dict[str, Any]) -> list[list[dict[str, str]]]:
    rows = []
    for row in markup.get("inline_keyboard", []):
        buttons = []
        for button in row:
            shown: dict[str, str] = {"text": button.get("text", "")}
            if "callback_data" in button:
                shown["data"] = button["callback_data"]
            elif urlsplit(button.get("url", "")).scheme.lower() in SAFE_LINK_SCHEMES:
                shown["url"] = button["url"]
            buttons.append(shown)
        rows.append(buttons)
    return rows


def _reply_keyboard(markup: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for row in markup.get("keyboard", []):
        buttons = []
        for button in row:
            if isinstance(button, str):  # the Bot API also accepts bare strings
                button = {"text": button}
            shown: dict[str, Any] = {"text": button.get("text", "")}
            if button.get("request_contact"):
                shown["request"] = "contact"
            elif button.get("request_location"):
                shown["request"] = "location"
            buttons.append(shown)
        rows.append(buttons)
    return {"rows": rows, "one_time": bool(markup.get("one_time_keyboard")),
            "placeholder": markup.get("input_field_placeholder") or ""}


def file_url(file_id: str) -> str:
    return f"/files/{file_id}"


def message_view(message: dict[str, Any], *, bot_id: int) -> dict[str, Any]:
    """One message as the page draws it: who sent it, its text, media, buttons and keyboard."""
    view: dict[str, Any] = {
        "id": message["message_id"],
        "mine": message.get("from", {}).get("id") != bot_id,
        "date": message.get("date", 0),
        "edited": "edit_date" in message,
        "text": rich_text(message.get("html"), message.get("text")),
    }
    if message.get("caption"):
        view["caption"] = [message["caption"]]
    if message.get("photo"):
        largest = message["photo"][-1]
        view["photo"] = {"url": file_url(largest["file_id"]), "width": largest.get("width", 0),
                         "height": largest.get("height", 0)}
    if message.get("document"):
        document = message["document"]
        view["document"] = {"url": file_url(document["file_id"]), "name": document.get("file_name", ""),
                            "size": document.get("file_size", 0)}
    if message.get("location"):
        view["location"] = {"latitude": message["location"]["latitude"],
                            "longitude": message["location"]["longitude"]}
    if message.get("contact"):
        contact = message["contact"]
        view["contact"] = {"phone": contact.get("phone_number", ""),
                           "name": " ".join(filter(None, (contact.get("first_name"), contact.get("last_name"))))}
    markup = message.get("reply_markup") or {}
    if "inline_keyboard" in markup:
        view["buttons"] = _inline_buttons(markup)
    elif "keyboard" in markup:
        view["keyboard"] = _reply_keyboard(markup)
    elif markup.get("remove_keyboard"):
        view["remove_keyboard"] = True
    if not any(key in view for key in ("photo", "document", "location", "contact")) and not view["text"]:
        view["unsupported"] = True
    return view


def callback_data_of(message: dict[str, Any]) -> set[str]:
    """The callback data of the message's buttons: a press must name one of them, as on Telegram."""
    markup = message.get("reply_markup") or {}
    return {button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row
            if "callback_data" in button}
