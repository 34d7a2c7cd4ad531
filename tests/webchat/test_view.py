"""What the page is given to draw: safe structures, never markup."""

from bot.chat.images import image_shape
from webchat.view import message_view, rich_text

BOT_ID = 7000


def test_telegram_html_becomes_a_tree_of_known_formatting() -> None:
    nodes = rich_text('<b>Case</b> <a href="https://example.cn/x?a=1&amp;b=2">link</a> <tg-spoiler>secret</tg-spoiler>'
                      ' <span class="tg-spoiler">more</span> <pre><code class="language-py">1 &lt; 2</code></pre>',
                      plain=None)
    assert nodes == [
        {"kind": "b", "children": ["Case"]}, " ",
        {"kind": "a", "href": "https://example.cn/x?a=1&b=2", "children": ["link"]}, " ",
        {"kind": "spoiler", "children": ["secret"]}, " ", {"kind": "spoiler", "children": ["more"]}, " ",
        {"kind": "pre", "children": [{"kind": "code", "children": ["1 < 2"]}]},
    ]


def test_only_web_links_survive() -> None:
    [link] = rich_text('<a href="javascript:alert(1)">click</a>', plain=None)
    assert link == {"kind": "plain", "children": ["click"]}


def test_a_message_without_html_is_its_plain_text() -> None:
    view = message_view({"message_id": 3, "date": 0, "from": {"id": 5}, "text": "<i>not markup</i>"}, bot_id=BOT_ID)
    assert view["text"] == ["<i>not markup</i>"] and view["mine"]


def test_reply_keyboards_and_their_requests_are_described() -> None:
    markup = {"keyboard": [[{"text": "📱 Share", "request_contact": True}], [{"text": "📍", "request_location": True},
                                                                             {"text": "Skip"}]],
              "one_time_keyboard": True}
    view = message_view({"message_id": 4, "date": 0, "from": {"id": BOT_ID}, "text": "Phone?", "html": "Phone?",
                         "reply_markup": markup}, bot_id=BOT_ID)
    assert view["keyboard"] == {"rows": [[{"text": "📱 Share", "request": "contact"}],
                                         [{"text": "📍", "request": "location"}, {"text": "Skip"}]],
                                "one_time": True, "placeholder": ""}
    removed = message_view({"message_id": 5, "date": 0, "from": {"id": BOT_ID}, "text": "OK", "html": "OK",
                            "reply_markup": {"remove_keyboard": True}}, bot_id=BOT_ID)
    assert removed["remove_keyboard"]


def test_image_shapes_are_read_from_headers() -> None:
    gif = b"GIF89a" + (640).to_bytes(2, "little") + (480).to_bytes(2, "little") + b"\0" * 8
    assert image_shape(gif) is not None and (image_shape(gif).width, image_shape(gif).height) == (640, 480)
    jpeg = (b"\xff\xd8" + b"\xff\xe0\x00\x10" + b"JFIF\0" + b"\0" * 9
            + b"\xff\xc0\x00\x11\x08" + (300).to_bytes(2, "big") + (400).to_bytes(2, "big") + b"\0" * 10)
    shape = image_shape(jpeg)
    assert shape is not None and (shape.kind, shape.width, shape.height) == ("jpeg", 400, 300)
    assert image_shape(b"<svg/>") is None


def test_a_person_is_paced_to_twenty_actions_in_ten_seconds() -> None:
    from webchat.limits import SlidingWindow
    from webchat.server import ACTIONS_PER_WINDOW, PACE_WINDOW

    pace = SlidingWindow(ACTIONS_PER_WINDOW, PACE_WINDOW)
    assert all(pace.allows("zhang", 0.1 * step) for step in range(20))
    assert not pace.allows("zhang", 2.5), "the 21st within ten seconds waits"
    assert pace.allows("li", 2.5), "someone else is paced on their own"
    assert pace.allows("zhang", 10.05), "once the first has aged out, one more goes"
    pace.prune(30.0)
    assert len(pace) == 0, "nobody left in the window: nothing kept"
