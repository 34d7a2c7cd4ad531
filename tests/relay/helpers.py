"""A case a mediator holds, people whose accounts have something to leak (an id, a username, a Telegram
name), and a look at everything the bot sent one chat."""

from __future__ import annotations

import json
import struct
from typing import Any

from aiogram.methods import TelegramMethod

from bot.chat.faithful_session import FaithfulSession
from bot.chat.updates import UpdateFactory
from bot.people import Front, Role
from storage.cases import CaseRepository
from storage.people import PeopleRepository
from tests.harness import ChatHarness
from tests.intake.helpers import Worker
from tests.intake.test_mycases_and_alerts import file_wages_complaint

WORKER = 731_004_417            # files the complaint as "Chen Gang" (the case's name field)
MEDIATOR = 842_007_519          # of dxh-wujiashan, where the test complaint is routed: takes the case
COLLEAGUE = 842_007_523         # of the same centre, does not hold the case
SUPERVISOR = 900
ACCOUNTS = {WORKER: ("zhang_private_tg", "ZhangTelegramName"), MEDIATOR: ("wang_private_tg", "王调解员"),
            COLLEAGUE: ("li_private_tg", "李调解员")}
PNG = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 640, 480) + b"\x08\x02\x00\x00\x00"


class AccountUpdates(UpdateFactory):
    """Updates whose sender has a username and a name of their own, as real accounts do."""

    def _user_and_chat(self, user_id: int, first_name: str, language_code: str | None) -> tuple[dict, dict]:
        username, name = ACCOUNTS.get(user_id, (None, first_name))
        user, chat = super()._user_and_chat(user_id, name, language_code)
        if username:
            user["username"] = chat["username"] = username
        return user, chat


def with_accounts(chat: ChatHarness) -> ChatHarness:
    chat.updates = AccountUpdates(chat.session)
    return chat


def telegram_has_file(session: FaithfulSession, file_id: str, name: str, data: bytes) -> None:
    """A file a person sent: Telegram knows its id (the fake session has no public way to be told)."""
    session._files[file_id] = (name, len(data), data[:64])


async def held_case(chat: ChatHarness, db, clock, *, worker_front: Front = Front.TELEGRAM):
    """The wages complaint of WORKER, accepted by MEDIATOR (both fronts' people registered)."""
    people = PeopleRepository(db)
    for user_id in (MEDIATOR, COLLEAGUE):
        await people.set_role(Front.TELEGRAM, user_id, Role.MEDIATOR, "dxh-wujiashan", now=clock.now(),
                              display_name=ACCOUNTS[user_id][1])
        chat.session.register_chat({"id": user_id, "type": "private", "first_name": ACCOUNTS[user_id][1],
                                    "username": ACCOUNTS[user_id][0]})
    await file_wages_complaint(Worker(chat, WORKER), "Hongda Construction", 1)
    worker = await people.find(worker_front, WORKER)
    [case] = await CaseRepository(db).of_worker(worker.id)
    return case


def payloads_to(session: FaithfulSession, chat_id: int) -> list[str]:
    """Every method the bot called on this chat, as the JSON Telegram would receive."""
    return [json.dumps(_payload(call), ensure_ascii=False, default=str) for call in session.calls
            if str(getattr(call, "chat_id", "")) == str(chat_id)]


def _payload(call: TelegramMethod[Any]) -> dict[str, Any]:
    return call.model_dump(exclude_none=True)


def leaks(payloads: list[str], user_id: int) -> list[str]:
    """The payloads that carry anything of this person's account."""
    username, name = ACCOUNTS[user_id]
    marks = [str(user_id), username] + ([name] if user_id == WORKER else [])  # the mediator's name may show
    return [payload for payload in payloads if any(mark in payload for mark in marks)]
