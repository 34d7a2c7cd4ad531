"""The faithful session refuses what Telegram refuses, with Telegram's descriptions."""

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import BotCommand, BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.faithful_session import FaithfulSession

CHAT = 7


@pytest.fixture
def session() -> FaithfulSession:
    faithful = FaithfulSession()
    faithful.register_chat({"id": CHAT, "type": "private", "first_name": "A"})
    return faithful


@pytest.fixture
def bot(session: FaithfulSession) -> Bot:
    return Bot("42:token", session=session, default=DefaultBotProperties(parse_mode="HTML"))


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="b", callback_data=data)]])


async def send(bot: Bot, **kwargs):
    return await bot.send_message(CHAT, **kwargs)


REFUSALS = [
    ("empty text", dict(text=""), "message text is empty"),
    ("only tags", dict(text="<b> </b>"), "message text is empty"),
    ("4097 characters", dict(text="字" * 4097), "message is too long"),
    ("4096 astral chars count twice", dict(text="😀" * 2049), "message is too long"),
    ("unsupported tag", dict(text="<div>x</div>"), "Unsupported start tag \"div\""),
    ("unclosed tag", dict(text="<b>x"), "Can't find end tag"),
    ("crossed tags", dict(text="<b><i>x</b></i>"), "Unmatched end tag"),
    ("named entity other than the four", dict(text="a&nbsp;b"), "Unsupported HTML entity"),
    ("bare ampersand", dict(text="Tom & Jerry"), "Unexpected \"&\""),
    ("span without spoiler class", dict(text='<span class="x">y</span>'), "tg-spoiler"),
    ("link without href", dict(text="<a>x</a>"), "must have attribute \"href\""),
    ("callback data over 64 bytes", dict(text="x", reply_markup=keyboard("案" * 22)), "BUTTON_DATA_INVALID"),
    ("empty callback data", dict(text="x", reply_markup=keyboard("")), "BUTTON_DATA_INVALID"),
]


@pytest.mark.parametrize(("case", "kwargs", "description"), REFUSALS, ids=[r[0] for r in REFUSALS])
async def test_refused_like_telegram(bot: Bot, case: str, kwargs: dict, description: str) -> None:
    with pytest.raises(TelegramBadRequest) as refusal:
        await send(bot, **kwargs)
    assert description in refusal.value.message


ACCEPTED = [
    ("4096 characters exactly", dict(text="字" * 4096)),
    ("entities count as one character", dict(text="&lt;" * 4096)),
    ("tags do not count", dict(text="<b>" + "a" * 4096 + "</b>")),
    ("every allowed tag", dict(text='<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>'
                                    '<strike>k</strike><del>d</del><span class="tg-spoiler">p</span>'
                                    '<tg-spoiler>t</tg-spoiler><a href="https://x.cn">a</a><code>c</code>'
                                    '<pre><code class="language-python">p</code></pre><blockquote>q</blockquote>'
                                    '<tg-emoji emoji-id="1">👍</tg-emoji>&quot;&#65;&#x42;')),
    ("64-byte callback data", dict(text="x", reply_markup=keyboard("a" * 64))),
]


@pytest.mark.parametrize(("case", "kwargs"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
async def test_accepted_like_telegram(bot: Bot, case: str, kwargs: dict) -> None:
    message = await send(bot, **kwargs)
    assert message.message_id >= 1


async def test_unknown_chat(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(12345, "hi")


async def test_identical_edit_is_not_modified(bot: Bot) -> None:
    sent = await send(bot, text="<b>hi</b>", reply_markup=keyboard("a"))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("<b>hi</b>", chat_id=CHAT, message_id=sent.message_id,
                                    reply_markup=keyboard("a"))
    edited = await bot.edit_message_text("<b>hi</b>", chat_id=CHAT, message_id=sent.message_id,
                                         reply_markup=keyboard("b"))
    assert edited.text == "hi"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id, reply_markup=keyboard("b"))


async def test_edit_of_a_missing_message(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=999)


# The smallest PNG header: signature, IHDR length and type, width 2, height 3.
PNG_2X3 = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (2).to_bytes(4, "big") + (3).to_bytes(4, "big")


async def test_a_photo_must_be_an_image(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(CHAT, BufferedInputFile(b"not a picture", filename="a.png"))
    sent = await bot.send_photo(CHAT, BufferedInputFile(PNG_2X3, filename="a.png"))
    assert (sent.photo[0].width, sent.photo[0].height) == (2, 3)
    again = await bot.send_photo(CHAT, sent.photo[0].file_id)
    assert again.photo[0].file_id == sent.photo[0].file_id, "a file id can be sent again"
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(CHAT, "no-such-file-id")


async def test_caption_limit(bot: Bot) -> None:
    photo = BufferedInputFile(PNG_2X3, filename="a.png")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(CHAT, photo, caption="c" * 1025)
    sent = await bot.send_photo(CHAT, photo, caption="c" * 1024)
    assert sent.photo and sent.caption == "c" * 1024
    empty = await bot.send_document(CHAT, BufferedInputFile(b"x", filename="a.pdf"), caption="")
    assert empty.document.file_name == "a.pdf"


async def test_callback_answers(bot: Bot, session: FaithfulSession) -> None:
    session.register_callback("q1")
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query("q1", text="x" * 201)
    assert await bot.answer_callback_query("q1", text="x" * 200)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("q1")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("never-sent")


async def test_commands(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="New", description="x")])
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_DESCRIPTION_INVALID"):
        await bot.set_my_commands([BotCommand(command="new", description="x" * 257)])
    assert await bot.set_my_commands([BotCommand(command="new_case", description="新投诉")])


async def test_flood_control(bot: Bot, session: FaithfulSession) -> None:
    session.inject_flood(retry_after=5)
    with pytest.raises(TelegramRetryAfter) as flood:
        await send(bot, text="x")
    assert flood.value.retry_after == 5
    assert (await send(bot, text="x")).text == "x"


async def test_registered_commands_fit_telegram(app_settings, bot: Bot, session: FaithfulSession) -> None:
    from bot.app import register_commands

    await register_commands(bot, app_settings)
    languages = [call.language_code for call in session.calls]
    assert languages == [None, "zh", "en"]
