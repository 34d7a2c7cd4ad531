"""Recovery codes (issue 18, identity): issued by SMS, by the mediator, at the counter; redeemed once,
before they expire, within the attempt limits; never by knowing a case number and a phone."""

from __future__ import annotations

import pytest

from bot.clock import FixedClock
from bot.codes import read_code, shown_code
from bot.people import Front, Role
from bot.recovery import (
    CODE_LENGTH,
    REDEEM_ATTEMPTS,
    SELECTOR_LENGTH,
    IssuedCode,
    RecoveryEvent,
    RecoveryRefusal,
    Redeemed,
    Refused,
    SmsRequested,
)
from storage.cases import CaseRepository
from tests.conftest import NOW
from tests.identity.world import PHONE, World


@pytest.fixture
async def world(db) -> World:
    built = World(db, FixedClock(NOW))
    await built.setup()
    return built


async def test_a_mediator_hands_a_code_and_the_new_identity_takes_the_cases(world: World) -> None:
    case = await world.case_of(world.old_web)
    other = await world.case_of(world.old_web, accepted=False)
    issued = await world.service.issue(world.old_web.id, by=world.mediator, channel="mediator")
    assert isinstance(issued, IssuedCode) and len(issued.code) == CODE_LENGTH
    assert not await world.rows("SELECT 1 FROM recovery_codes WHERE code_hash LIKE ?", f"%{issued.code}%")

    redeemed = await world.service.redeem(world.new_web, shown_code(issued.code).lower())
    assert isinstance(redeemed, Redeemed) and sorted(c.id for c in redeemed.cases) == [case.id, other.id]
    assert redeemed.revoked_web_user == world.old_web.user_id
    moved = await CaseRepository(world.db).get(case.id)
    assert moved is not None and moved.worker_id == world.new_web.id and moved.version == case.version + 1
    kinds = await world.events(case.id)
    assert kinds[-1] == (RecoveryEvent.IDENTITY_RECOVERED, {"channel": "mediator"}), "no identity in the payload"
    assert await world.rows("SELECT user_id FROM web_identity_revocations") == [(world.old_web.user_id,)]

    again = await world.service.redeem(world.telegram, issued.code)
    assert isinstance(again, Refused) and again.reason is RecoveryRefusal.USED
    assert isinstance(await world.service.redeem(world.new_web, issued.code), Refused), "a second opening moves nothing"


async def test_only_the_mediator_holding_a_case_hands_a_code(world: World) -> None:
    await world.case_of(world.old_web, accepted=False)
    refused = await world.service.issue(world.old_web.id, by=world.mediator, channel="mediator")
    assert isinstance(refused, Refused) and refused.reason is RecoveryRefusal.NOT_ALLOWED, "not accepted yet"
    await world.case_of(world.old_web)
    assert isinstance(await world.service.issue(world.old_web.id, by=world.other_mediator, channel="mediator"), Refused)
    assert isinstance(await world.service.issue(world.old_web.id, by=world.employer, channel="mediator"), Refused)
    assert isinstance(await world.service.issue(world.old_web.id, by=world.mediator, channel="mediator"), IssuedCode)
    assert isinstance(await world.service.issue(world.mediator.id, by=None, channel="sms"), Refused), "staff: no"


async def test_a_new_code_revokes_the_old_one_and_codes_expire(world: World) -> None:
    await world.case_of(world.old_web)
    first = await world.service.issue(world.old_web.id, by=world.mediator, channel="mediator")
    second = await world.service.issue(world.old_web.id, by=world.mediator, channel="mediator")
    assert isinstance(first, IssuedCode) and isinstance(second, IssuedCode)
    replaced = await world.service.redeem(world.new_web, first.code)
    assert isinstance(replaced, Refused) and replaced.reason is RecoveryRefusal.EXPIRED
    world.later(hours=24, seconds=1)
    expired = await world.service.redeem(world.new_web, second.code)
    assert isinstance(expired, Refused) and expired.reason is RecoveryRefusal.EXPIRED


async def test_wrong_codes_lock_the_identity_out_even_for_the_right_code(world: World) -> None:
    await world.case_of(world.old_web)
    issued = await world.service.issue(world.old_web.id, by=world.mediator, channel="mediator")
    assert isinstance(issued, IssuedCode)
    for attempt in range(REDEEM_ATTEMPTS):
        wrong = await world.service.redeem(world.new_web, f"ZZZ{attempt:05d}")
        assert isinstance(wrong, Refused) and wrong.reason is RecoveryRefusal.UNKNOWN
    locked = await world.service.redeem(world.new_web, issued.code)
    assert isinstance(locked, Refused) and locked.reason is RecoveryRefusal.TOO_MANY_ATTEMPTS
    assert locked.until is not None and locked.until > world.clock.now()
    world.later(hours=1, seconds=1)
    assert isinstance(await world.service.redeem(world.new_web, issued.code), Redeemed), "after the window"


async def test_wrong_secrets_for_one_code_void_it(world: World) -> None:
    await world.case_of(world.old_web)
    issued = await world.service.issue(world.old_web.id, by=world.mediator, channel="mediator")
    assert isinstance(issued, IssuedCode)
    selector, secret = issued.code[:SELECTOR_LENGTH], issued.code[SELECTOR_LENGTH:]
    guessers = [await world.people.identify(Front.WEB, 6_000_000_000 + n, display_name="访客", language_code=None,
                                            now=world.clock.now()) for n in range(5)]
    for guesser in guessers:  # five identities, one guess each: the limit per identity never bites
        wrong = selector + ("0" * len(secret) if secret != "0" * len(secret) else "1" * len(secret))
        refused = await world.service.redeem(guesser, wrong)
        assert isinstance(refused, Refused) and refused.reason is RecoveryRefusal.UNKNOWN, "says nothing of the code"
    voided = await world.service.redeem(world.new_web, issued.code)
    assert isinstance(voided, Refused) and voided.reason is RecoveryRefusal.EXPIRED


async def test_the_case_number_and_the_phone_recover_nothing(world: World) -> None:
    """The employer knows the case number and the worker's phone: neither is a code, and asking for an
    SMS sends the code to the worker's phone, never to whoever asked."""
    case = await world.case_of(world.old_web)
    for typed in (case.number, PHONE, f"{case.number} {PHONE}", "13800000000", case.number.replace("-", "")):
        refused = await world.service.redeem(world.employer, typed)
        assert isinstance(refused, Refused)
    asked = await world.service.request_by_sms(world.employer, "138 0000 0000")
    assert asked == SmsRequested(available=True)
    [(phone, text)] = await world.rows("SELECT phone, text FROM sms_messages")
    assert phone == PHONE and "找回码" in text, "the code goes to the worker's own phone"
    assert (await CaseRepository(world.db).get(case.id)).worker_id == world.old_web.id


async def test_asking_by_sms_says_the_same_for_an_unknown_phone_and_is_limited(world: World) -> None:
    await world.case_of(world.old_web)
    unknown = await world.service.request_by_sms(world.new_web, "13900000000")
    known = await world.service.request_by_sms(world.new_web, "13800000000")
    assert unknown == known == SmsRequested(available=True)
    [(text,)] = await world.rows("SELECT text FROM sms_messages")
    code = read_code(text.split("找回码：")[1].split("，")[0], CODE_LENGTH)
    assert code is not None
    assert isinstance(await world.service.redeem(world.new_web, code), Redeemed)
    await world.service.request_by_sms(world.new_web, "13900000001")
    limited = await world.service.request_by_sms(world.new_web, "13900000002")
    assert isinstance(limited, Refused) and limited.reason is RecoveryRefusal.TOO_MANY_ATTEMPTS


async def test_without_a_gateway_no_code_is_sent(db) -> None:
    world = World(db, FixedClock(NOW), sms_on=False)
    await world.setup()
    await world.case_of(world.old_web)
    assert await world.service.request_by_sms(world.new_web, "13800000000") == SmsRequested(available=False)
    assert await world.rows("SELECT 1 FROM sms_messages") == []


async def test_a_counter_placeholder_is_claimed_by_a_chat_identity(world: World) -> None:
    placeholder = await world.people.identify(Front.WEB, 7_000_000_001, display_name="", language_code=None,
                                              now=world.clock.now())
    case = await world.case_of(placeholder)
    assert isinstance(await world.service.issue(placeholder.id, by=world.employer, channel="counter"), Refused)
    issued = await world.service.issue(placeholder.id, by=world.mediator, channel="counter")
    assert isinstance(issued, IssuedCode) and (issued.expires_at - world.clock.now()).days == 14
    world.later(days=10)
    redeemed = await world.service.redeem(world.telegram, issued.code)
    assert isinstance(redeemed, Redeemed) and [c.id for c in redeemed.cases] == [case.id]
    assert (await world.events(case.id))[-1] == (RecoveryEvent.IDENTITY_RECOVERED, {"channel": "counter"})


async def test_staff_cannot_take_a_workers_cases(world: World) -> None:
    await world.case_of(world.old_web)
    issued = await world.service.issue(world.old_web.id, by=world.mediator, channel="mediator")
    assert isinstance(issued, IssuedCode)
    refused = await world.service.redeem(world.mediator, issued.code)
    assert isinstance(refused, Refused) and refused.reason is RecoveryRefusal.STAFF
    assert world.mediator.role is Role.MEDIATOR


async def test_a_worker_gets_a_few_texts_a_day_however_many_ask(world: World) -> None:
    await world.case_of(world.old_web)
    for n in range(5):
        asker = await world.people.identify(Front.WEB, 8_000_000_000 + n, display_name="访客", language_code=None,
                                            now=world.clock.now())
        assert await world.service.request_by_sms(asker, "13800000000") == SmsRequested(available=True)
    assert len(await world.rows("SELECT 1 FROM sms_messages")) == 3
