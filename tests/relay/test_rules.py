"""The relay's and the employer's rules, by table: what a message may carry, which phone numbers are kept."""

import pytest

from bot.employer import EmployerField, EmployerRefusal, checked
from bot.people import Front
from bot.relay import CAPTION_LIMIT, TEXT_LIMIT, Content, ContentKind, RelayRefusal, check_content


@pytest.mark.parametrize(("content", "refusal"), [
    (Content(kind=ContentKind.TEXT, text="明天上午来", front=Front.WEB), None),
    (Content(kind=ContentKind.TEXT, text="   ", front=Front.WEB), RelayRefusal.EMPTY),
    (Content(kind=ContentKind.TEXT, text="字" * (TEXT_LIMIT + 1), front=Front.WEB), RelayRefusal.TOO_LONG),
    (Content(kind=ContentKind.PHOTO, file_ref="p1", front=Front.TELEGRAM), None),
    (Content(kind=ContentKind.PHOTO, front=Front.TELEGRAM), RelayRefusal.EMPTY),
    (Content(kind=ContentKind.DOCUMENT, file_ref="d1", text="字" * (CAPTION_LIMIT + 1), front=Front.TELEGRAM),
     RelayRefusal.TOO_LONG),
])
def test_what_a_message_may_carry(content: Content, refusal: RelayRefusal | None) -> None:
    assert check_content(content) == refusal


@pytest.mark.parametrize(("typed", "kept"), [
    ("13800138000", "+8613800138000"),
    ("138 0013 8000", "+8613800138000"),
    ("027-8888 8888", "+862788888888"),
    ("(027) 88888888", "+862788888888"),
    ("12345", EmployerRefusal.BAD_PHONE),
    ("call the boss", EmployerRefusal.BAD_PHONE),
])
def test_the_employers_phone_is_a_chinese_mobile_or_landline(typed: str, kept: str | EmployerRefusal) -> None:
    assert checked(EmployerField.PHONE, typed) == kept


@pytest.mark.parametrize(("typed", "kept"), [
    ("  武汉鸿达建筑劳务有限公司 ", "武汉鸿达建筑劳务有限公司"),
    ("🏢🏢", EmployerRefusal.BAD_TEXT),
    ("字" * 121, EmployerRefusal.BAD_TEXT),
])
def test_a_name_or_address_is_words(typed: str, kept: str | EmployerRefusal) -> None:
    assert checked(EmployerField.NAME, typed) == kept
