"""Supervisors reload the registry and ask for the coverage map in chat; others cannot."""

import shutil

from aiogram.methods import SendPhoto

from bot.settings import SAMPLE_CENTRES_FILE, Settings
from tests.harness import ChatHarness, texts

SUPERVISOR = 900  # in SUPERVISOR_IDS of the test settings
WORKER = 1001


async def test_reload_keeps_the_old_registry_when_the_file_is_bad(tmp_path, db, clock, db_path) -> None:
    registry_file = tmp_path / "centres.yaml"
    shutil.copy(SAMPLE_CENTRES_FILE, registry_file)
    settings = Settings(_env_file=None, database_path=db_path, supervisor_ids=[SUPERVISOR],
                        centres_file=registry_file)
    chat = ChatHarness.build(settings, db, clock)
    routing = chat.dispatcher["routing"]
    before = len(routing.registry)

    registry_file.write_text("centres:\n  - id: broken\n", encoding="utf-8")
    [reply] = texts(await chat.send(SUPERVISOR, "/reload_centres", language_code="en"))
    assert "has an error" in reply and f"the {before} centres in use are kept" in reply
    assert "broken" in reply or "row" in reply, "the error says where"
    assert len(routing.registry) == before

    shutil.copy(SAMPLE_CENTRES_FILE, registry_file)
    [reply] = texts(await chat.send(SUPERVISOR, "/reload_centres", language_code="en"))
    assert reply.startswith(f"Registry reloaded: {before} centres")


async def test_a_worker_cannot_reload(chat: ChatHarness) -> None:
    [reply] = texts(await chat.send(WORKER, "/reload_centres", language_code="en"))
    assert "I did not understand" in reply


async def test_coverage_map_is_sent_as_a_photo_with_the_share(chat: ChatHarness) -> None:
    calls = await chat.send(SUPERVISOR, "/coverage 东西湖区", language_code="zh-hans")
    [photo] = [call for call in calls if isinstance(call, SendPhoto)]
    assert "东西湖区" in photo.caption and "%" in photo.caption
    assert len(photo.caption) <= 1024
    sent = chat.last_message(SUPERVISOR)
    assert sent["photo"][0]["file_size"] > 1000, "a real PNG was uploaded"


async def test_coverage_of_an_unknown_district_names_the_known_ones(chat: ChatHarness) -> None:
    [reply] = texts(await chat.send(SUPERVISOR, "/coverage 火星区", language_code="en"))
    assert "No district called “火星区”" in reply and "东西湖区" in reply
