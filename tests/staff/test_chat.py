"""Staff through the dispatcher, as people use it: /invite, the deep link and /join on Telegram and on the
web chat, /staff with revocation, and buttons pressed by people who may not press them."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from bot.cases import EventType, Mediation
from bot.clock import FixedClock
from bot.people import Front, Role
from bot.staff import INVITE_LIFETIME, JOIN_ATTEMPTS, Issued, StaffService
from handlers.staff import STAFF_PAGE, InviteFor, StaffAct
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness, callback_answers
from tests.staff.conftest import DONGXIHU, WUCHANG, WUJIASHAN, ZHONGNANLU, held_case, someone
from tests.webchat.conftest import bot_said, origin_of, serve_public, text_of

EN = "en"
SUPERVISOR = 950
LINK = re.compile(r"https://t\.me/half_hour_mediation_bot\?start=(join-[0-9A-Z]{16})")
SHOWN_CODE = re.compile(r"/join ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})")


def buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    return [button for row in message.get("reply_markup", {}).get("inline_keyboard", []) for button in row]


def assert_buttons_fit(message: dict[str, Any]) -> None:
    assert all(len(button["callback_data"].encode()) <= 64 for button in buttons(message))


async def test_a_supervisor_invites_a_mediator_who_joins_by_the_telegram_link(chat: ChatHarness, db: Database,
                                                                              clock) -> None:
    await someone(db, clock, SUPERVISOR, Role.SUPERVISOR, district=DONGXIHU)
    await chat.send(SUPERVISOR, "/invite", language_code=EN)
    offer = chat.last_message(SUPERVISOR)
    labels = [button["text"] for button in buttons(offer)]
    assert "Wujiashan Street Labour Dispute Mediation Centre" in labels
    assert not any("Zhongnanlu" in label for label in labels), "only centres of the supervisor's district"
    assert_buttons_fit(offer)

    calls = await chat.press_button(SUPERVISOR, "Wujiashan", language_code=EN)
    assert len(callback_answers(calls)) == 1
    invite = chat.last_message(SUPERVISOR)["text"]
    assert "Invite for a mediator of Wujiashan Street Labour Dispute Mediation Centre" in invite
    link, shown = LINK.search(invite), SHOWN_CODE.search(invite)
    assert link and shown, invite

    await chat.send(7, f"/start {link.group(1)}", language_code=EN)
    assert "you are now a mediator of Wujiashan Street Labour Dispute Mediation Centre" in chat.last_message(7)["text"]
    joined = await PeopleRepository(db).find(Front.TELEGRAM, 7)
    assert (joined.role, joined.centre_id) == (Role.MEDIATOR, WUJIASHAN)
    await chat.send(7, "/start", language_code=EN)
    assert "signed in as a mediator" in chat.last_message(7)["text"], "the next update sees the new role"

    await chat.send(8, f"/join {shown.group(1)}", language_code=EN)
    assert "This code was used already" in chat.last_message(8)["text"]
    assert (await PeopleRepository(db).find(Front.TELEGRAM, 8)).role is Role.WORKER


async def test_in_chinese_the_invite_and_the_welcome_are_chinese(chat: ChatHarness, db: Database, clock) -> None:
    await someone(db, clock, SUPERVISOR, Role.SUPERVISOR, district=DONGXIHU)
    await chat.send(SUPERVISOR, "/invite")
    assert any(button["text"] == "吴家山街道劳动争议调解中心" for button in buttons(chat.last_message(SUPERVISOR)))
    await chat.press_button(SUPERVISOR, "吴家山")
    invite = chat.last_message(SUPERVISOR)["text"]
    assert "邀请码" in invite and LINK.search(invite)
    await chat.send(7, f"/join {SHOWN_CODE.search(invite).group(1).lower()}")
    assert "吴家山街道劳动争议调解中心的调解员" in chat.last_message(7)["text"]


async def test_a_city_wide_supervisor_picks_the_district_first(chat: ChatHarness, db: Database, clock) -> None:
    await chat.send(900, "/start", language_code=EN)  # 900 is in SUPERVISOR_IDS: a supervisor of the whole city
    await chat.send(900, "/invite", language_code=EN)
    districts = [button["text"] for button in buttons(chat.last_message(900))]
    assert {"Dongxihu District", "Wuchang District"} <= set(districts)
    assert_buttons_fit(chat.last_message(900))
    await chat.press_button(900, "Wuchang", language_code=EN)
    centres = [button["text"] for button in buttons(chat.last_message(900))]
    assert any("Zhongnanlu" in name for name in centres) and not any("Wujiashan" in name for name in centres)
    await chat.press_button(900, "Zhongnanlu", language_code=EN)
    assert LINK.search(chat.last_message(900)["text"])


async def test_join_explains_every_refusal(chat: ChatHarness, db: Database, clock: FixedClock,
                                           staff: StaffService) -> None:
    supervisor = await someone(db, clock, SUPERVISOR, Role.SUPERVISOR, district=DONGXIHU)
    issued = await staff.invite(supervisor, WUJIASHAN)
    assert isinstance(issued, Issued)
    await chat.send(7, "/join", language_code=EN)
    assert "Send /join followed by the code" in chat.last_message(7)["text"]
    clock.set(clock.now() + INVITE_LIFETIME)
    await chat.send(7, f"/join {issued.code}", language_code=EN)
    assert "This code expired on" in chat.last_message(7)["text"]
    await chat.send(7, "/join 1234", language_code=EN)
    assert "That is not an invite code" in chat.last_message(7)["text"]
    for _ in range(JOIN_ATTEMPTS - 2):
        await chat.send(7, "/join ABCD-ABCD-ABCD-ABCD", language_code=EN)
        assert "No invite has this code" in chat.last_message(7)["text"]
    await chat.send(7, "/join ABCD-ABCD-ABCD-ABCD", language_code=EN)
    assert "Too many wrong codes. You can try again after" in chat.last_message(7)["text"]
    await chat.send(7, "/invite", language_code=EN)
    assert chat.last_message(7)["text"] == "Only supervisors can do this."


async def test_a_visitor_of_the_public_web_chat_joins_with_a_code(app_settings, db: Database, clock,
                                                                  staff: StaffService) -> None:
    """Without demo mode the web chat has no persona picker: a code is how staff get in."""
    issued = await staff.issue(Role.MEDIATOR, centre_id=WUJIASHAN)
    assert isinstance(issued, Issued)
    client = await serve_public(app_settings, db, clock)
    try:
        await client.get("/")  # the visitor's cookie
        socket = await client.ws_connect("/socket?lang=en", headers={"Origin": origin_of(client)})
        assert (await socket.receive_json())["type"] == "history"
        await socket.send_json({"type": "text", "text": f"/join {issued.code}"})
        said = bot_said("you are now a mediator of Wujiashan Street Labour Dispute Mediation Centre")
        async with asyncio.timeout(5):
            while not said(frame := await socket.receive_json()):
                pass
        assert "/start" in text_of(frame["message"])
        [visitor] = await PeopleRepository(db).staff(WUJIASHAN)
        assert visitor.front is Front.WEB and visitor.role is Role.MEDIATOR
        await socket.close()
    finally:
        await client.close()


async def test_a_supervisor_revokes_a_mediator_and_hands_their_cases_to_a_colleague(chat: ChatHarness, db: Database,
                                                                                     clock) -> None:
    supervisor = await someone(db, clock, SUPERVISOR, Role.SUPERVISOR, district=DONGXIHU)
    leaving = await someone(db, clock, 7, Role.MEDIATOR, centre_id=WUJIASHAN)
    colleague = await someone(db, clock, 8, Role.MEDIATOR, centre_id=WUJIASHAN)
    worker = await someone(db, clock, 20)
    cases = [await held_case(db, clock, worker, leaving, f"d{n}") for n in range(2)]

    await chat.send(SUPERVISOR, "/staff", language_code=EN)
    listing = chat.last_message(SUPERVISOR)
    assert f"(no. {leaving.id}) · mediator · Wujiashan Street Labour Dispute Mediation Centre · open cases: 2" \
        in listing["text"]
    assert_buttons_fit(listing)
    calls = await chat.press_button(SUPERVISOR, f"Revoke p7 (#{leaving.id})", language_code=EN)
    assert len(callback_answers(calls)) == 1
    confirm = chat.last_message(SUPERVISOR)
    assert "They hold 2 open cases: choose who takes them." in confirm["text"]
    assert_buttons_fit(confirm)
    labels = [button["text"] for button in buttons(confirm)]
    assert labels == ["Revoke; cases back to the queue of Wujiashan Street Labour Dispute Mediation Centre",
                      f"Revoke; cases to p8 (#{colleague.id})", "No, keep"]

    calls = await chat.press_button(SUPERVISOR, f"cases to p8 (#{colleague.id})", language_code=EN)
    assert len(callback_answers(calls)) == 1
    numbers = "、".join(case.number for case in cases)
    assert chat.last_message(SUPERVISOR)["text"] == \
        f"p7 is no longer staff. Their open cases {numbers} are now with p8."
    assert (await PeopleRepository(db).get(leaving.id)).role is Role.WORKER
    store = CaseRepository(db)
    for case in cases:
        assert (await store.get(case.id)).mediator_id == colleague.id
        last = (await store.events(case.id))[-1]
        assert (last.type, last.actor_id, last.actor_role) == (EventType.REASSIGNED, supervisor.id, Role.SUPERVISOR)
    await chat.send(7, "/start", language_code=EN)
    assert "signed in as a mediator" not in chat.last_message(7)["text"]
    assert not chat.session.unanswered_callbacks


async def test_back_to_the_queue_and_keeping_are_one_tap_each(chat: ChatHarness, db: Database, clock) -> None:
    await someone(db, clock, SUPERVISOR, Role.SUPERVISOR, district=DONGXIHU)
    leaving = await someone(db, clock, 7, Role.MEDIATOR, centre_id=WUJIASHAN)
    case = await held_case(db, clock, await someone(db, clock, 20), leaving, "d1")
    await chat.send(SUPERVISOR, "/staff", language_code=EN)
    await chat.press_button(SUPERVISOR, "Revoke p7", language_code=EN)
    await chat.press_button(SUPERVISOR, "No, keep", language_code=EN)
    assert chat.last_message(SUPERVISOR)["text"] == "Nothing was changed."
    assert (await PeopleRepository(db).get(leaving.id)).role is Role.MEDIATOR

    await chat.send(SUPERVISOR, "/staff", language_code=EN)
    await chat.press_button(SUPERVISOR, "Revoke p7", language_code=EN)
    await chat.press_button(SUPERVISOR, "cases back to the queue", language_code=EN)
    assert "are back in the centre's queue" in chat.last_message(SUPERVISOR)["text"]
    now = await CaseRepository(db).get(case.id)
    assert (now.mediation, now.centre_id, now.mediator_id) == (Mediation.ASSIGNED, WUJIASHAN, None)
    assert (await CaseRepository(db).events(case.id))[-1].type == EventType.PASSED


async def test_buttons_forged_or_pressed_by_the_wrong_person_change_nothing(chat: ChatHarness, db: Database,
                                                                           clock) -> None:
    await someone(db, clock, SUPERVISOR, Role.SUPERVISOR, district=DONGXIHU)
    wuchang = 960
    await someone(db, clock, wuchang, Role.SUPERVISOR, district=WUCHANG)
    mediator = await someone(db, clock, 7, Role.MEDIATOR, centre_id=WUJIASHAN)
    case = await held_case(db, clock, await someone(db, clock, 20), mediator, "d1")
    revoke = StaffAct(act="queue", person=mediator.id).pack()

    calls = await chat.press(wuchang, revoke, language_code=EN)
    assert len(callback_answers(calls)) == 1
    assert chat.last_message(wuchang)["text"] == "This is outside your district: nothing was changed."
    await chat.send(wuchang, "/staff", language_code=EN)
    assert f"#{mediator.id}" not in chat.last_message(wuchang)["text"], "another district's staff are not listed"

    calls = await chat.press(SUPERVISOR, InviteFor(centre=ZHONGNANLU).pack(), language_code=EN)
    assert len(callback_answers(calls)) == 1
    assert chat.last_message(SUPERVISOR)["text"] == "This is outside your district: nothing was changed."

    calls = await chat.press(20, revoke, language_code=EN)
    assert [answer.text for answer in callback_answers(calls)] == [
        "This button is no longer active. Send /start for the menu."]
    calls = await chat.press(mediator.user_id, StaffAct(act="queue", person=mediator.id).pack(), language_code=EN)
    assert len(callback_answers(calls)) == 1
    assert (await PeopleRepository(db).get(mediator.id)).role is Role.MEDIATOR
    assert (await CaseRepository(db).get(case.id)).mediator_id == mediator.id

    # A supervisor revoked meanwhile: their old buttons are dead too.
    await PeopleRepository(db).set_role(Front.TELEGRAM, SUPERVISOR, Role.WORKER, None, now=clock.now())
    calls = await chat.press(SUPERVISOR, revoke, language_code=EN)
    assert len(callback_answers(calls)) == 1
    assert (await PeopleRepository(db).get(mediator.id)).role is Role.MEDIATOR
    assert not chat.session.unanswered_callbacks


async def test_a_long_staff_list_comes_in_pages(chat: ChatHarness, db: Database, clock) -> None:
    await someone(db, clock, SUPERVISOR, Role.SUPERVISOR, district=DONGXIHU)
    mediators = [await someone(db, clock, 100 + n, Role.MEDIATOR, centre_id=WUJIASHAN) for n in range(STAFF_PAGE + 1)]
    await chat.send(SUPERVISOR, "/staff", language_code=EN)
    first = chat.last_message(SUPERVISOR)
    assert f"Staff ({STAFF_PAGE + 1})" in first["text"]
    assert [button["text"] for button in buttons(first)][-1] == "Next ▶"
    assert f"(no. {mediators[-1].id})" not in first["text"]
    await chat.press_button(SUPERVISOR, "Next", language_code=EN)
    second = chat.last_message(SUPERVISOR)
    assert f"(no. {mediators[-1].id})" in second["text"] and f"(no. {mediators[0].id})" not in second["text"]
    assert [button["text"] for button in buttons(second)] == [f"✖ Revoke p{100 + STAFF_PAGE} (#{mediators[-1].id})",
                                                              "◀ Previous"]
