"""The supervisor has one name in Chinese everywhere, and /reload_centres answers in their language
without showing where the server keeps its files."""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.pofile import read_po

from bot.app import build_i18n
from bot.settings import PROJECT_ROOT, SAMPLE_CENTRES_FILE, Settings
from tests.harness import ChatHarness, texts
from webchat.texts import demo_choices

SUPERVISOR = 900  # in SUPERVISOR_IDS of the test settings
NAME = "督导员"
NAME_STEM = "督导"  # "已通知督导": the name shortened, as Chinese does
OTHER_NAMES = ("管理员", "监管人员", "监管员")


def test_every_chinese_text_calls_the_supervisor_by_one_name() -> None:
    with (PROJECT_ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale="zh_CN")
    about_supervisors = [message for message in catalog if isinstance(message.id, str) and message.id
                         and "supervisor" in message.id.lower()]
    assert about_supervisors
    for message in about_supervisors:
        assert NAME_STEM in message.string, message.id
    for message in catalog:
        assert not any(other in (message.string or "") for other in OTHER_NAMES), message.id


async def test_the_greeting_the_page_header_and_the_picker_agree(chat: ChatHarness, app_settings: Settings) -> None:
    [greeting] = texts(await chat.send(SUPERVISOR, "/start", language_code="zh-hans"))
    assert f"<b>{NAME}</b>" in greeting
    choices = demo_choices(build_i18n(app_settings), "zh_CN")
    [supervisor] = [choice for choice in choices if choice["key"] == "supervisor"]
    assert supervisor["role"] == NAME, "the picker and the page header show this role"


async def test_a_bad_registry_file_is_reported_in_chinese_by_its_name_only(tmp_path: Path, db, clock, db_path) -> None:
    registry_file = tmp_path / "centres.yaml"
    shutil.copy(SAMPLE_CENTRES_FILE, registry_file)
    settings = Settings(_env_file=None, database_path=db_path, supervisor_ids=[SUPERVISOR], centres_file=registry_file)
    chat = ChatHarness.build(settings, db, clock)
    registry_file.write_text("centres:\n  - id: broken\n", encoding="utf-8")
    [reply] = texts(await chat.send(SUPERVISOR, "/reload_centres", language_code="zh-hans"))
    assert reply.startswith("调解中心名录文件 centres.yaml 有错误"), reply
    assert str(tmp_path) not in reply and "centres.yaml" in reply
    assert "broken" in reply, "what the check found still says where"

    shutil.copy(SAMPLE_CENTRES_FILE, registry_file)
    [reply] = texts(await chat.send(SUPERVISOR, "/reload_centres", language_code="zh-hans"))
    assert reply.startswith("调解中心名录已重新加载") and "centres.yaml" in reply and str(tmp_path) not in reply
