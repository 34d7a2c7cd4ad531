"""`python -m bot staff ...` in a subprocess, against the database file a dispatcher is serving from: the
dispatcher goes on answering while the command runs, and its next update sees the change."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from bot.cases import EventType, Mediation
from bot.people import Front, Role
from bot.settings import PROJECT_ROOT
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness
from tests.staff.conftest import DONGXIHU, JIANGJUNLU, WUJIASHAN, held_case, someone

EN = "en"


async def staff_cli(db_path: Path, *args: str) -> tuple[int, Any, str]:
    """Exit code, the JSON on stdout (None if there is none) and stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "staff", *args, cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_PATH": str(db_path)}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, json.loads(out) if out.strip() else None, err.decode()


async def test_operators_change_staff_while_the_bot_serves_and_it_sees_each_change(
        chat: ChatHarness, db: Database, db_path: Path, clock) -> None:
    await chat.send(7, "/start", language_code=EN)
    assert "signed in as" not in chat.last_message(7)["text"]

    command = asyncio.create_task(staff_cli(db_path, "add", "--role", "mediator", "--centre", WUJIASHAN,
                                            "--telegram-id", "7"))
    await chat.send(20, "/start", language_code=EN)  # the bot answers while the command runs
    assert "Half-Hour Mediation" in chat.last_message(20)["text"]
    code, added, _ = await command
    assert code == 0 and (added["role"], added["centre_id"], added["user_id"]) == ("mediator", WUJIASHAN, 7)
    await chat.send(7, "/start", language_code=EN)
    assert "signed in as a mediator" in chat.last_message(7)["text"], "the bot's cached person was dropped"

    results = await asyncio.gather(
        staff_cli(db_path, "add", "--role", "supervisor", "--district", DONGXIHU, "--telegram-id", "8"),
        staff_cli(db_path, "add", "--role", "supervisor", "--city", "--telegram-id", "9"),
        staff_cli(db_path, "add", "--role", "inspection", "--district", DONGXIHU, "--telegram-id", "10"),
        staff_cli(db_path, "add", "--role", "mediator", "--centre", "nowhere", "--telegram-id", "12"),
        staff_cli(db_path, "add", "--role", "supervisor", "--telegram-id", "12"),
    )
    assert [result[0] for result in results] == [0, 0, 0, 2, 2]
    assert results[3][1] is None and "error: no such centre in the registry" in results[3][2]
    assert "error: a supervisor needs --district NAME, or --city" in results[4][2]
    assert await PeopleRepository(db).find(Front.TELEGRAM, 12) is None, "a refused command writes nothing"
    await chat.send(8, "/staff", language_code=EN)
    assert f"(no. {added['id']}) · mediator · Wujiashan" in chat.last_message(8)["text"], \
        "the district supervisor made at the command line manages the mediator"

    code, listed, _ = await staff_cli(db_path, "list")
    assert code == 0
    assert {(row["user_id"], row["role"], row["district"]) for row in listed} == {
        (7, "mediator", None), (8, "supervisor", DONGXIHU), (9, "supervisor", None), (10, "inspection", DONGXIHU),
        (900, "supervisor", None)}  # 900: SUPERVISOR_IDS, made a supervisor by the bot's first update
    assert all(row["open_cases"] == 0 for row in listed)


async def test_remove_hands_back_the_open_cases_and_a_web_code_makes_staff(chat: ChatHarness, db: Database,
                                                                           db_path: Path, clock) -> None:
    mediator = await someone(db, clock, 7, Role.MEDIATOR, centre_id=WUJIASHAN)
    case = await held_case(db, clock, await someone(db, clock, 20), mediator, "d1")
    await chat.send(7, "/start", language_code=EN)
    assert "signed in as a mediator" in chat.last_message(7)["text"]

    (listed_code, listed, _), (removed_code, removed, _), (code_code, issued, _) = await asyncio.gather(
        staff_cli(db_path, "list", "--centre", WUJIASHAN),
        staff_cli(db_path, "remove", str(mediator.id)),
        staff_cli(db_path, "add", "--role", "mediator", "--centre", JIANGJUNLU, "--web-code"),
    )
    assert listed_code == removed_code == code_code == 0
    assert [row["user_id"] for row in listed] in ([7], []), "the list ran before or after the removal"
    assert removed == {"removed": removed["removed"], "cases_back_in_queue": [case.number]}
    assert removed["removed"]["role"] == "worker"
    now = await CaseRepository(db).get(case.id)
    assert (now.mediation, now.mediator_id) == (Mediation.ASSIGNED, None)
    passed = (await CaseRepository(db).events(case.id))[-1]
    assert (passed.type, passed.actor_id) == (EventType.PASSED, None), "an operator acts as the system"
    await chat.send(7, "/start", language_code=EN)
    assert "signed in as a mediator" not in chat.last_message(7)["text"]

    assert issued["send"] == f"/join {issued['code']}" and issued["centre_id"] == JIANGJUNLU
    await chat.send(11, issued["send"], language_code=EN)
    assert "you are now a mediator of Jiangjunlu" in chat.last_message(11)["text"]
