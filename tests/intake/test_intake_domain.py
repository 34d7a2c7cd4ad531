"""The intake's domain rules, without chat or database."""

from datetime import UTC, date, datetime

import pytest

from bot.cases import DisputeKind
from bot.intake.collective import AlertReason, alert_reasons, employer_key
from bot.intake.draft import Draft, Notice
from bot.intake.limitation import add_months, estimate, work_injury_deadline
from bot.intake.next_steps import add_calendar_days, add_working_days, next_steps
from bot.intake.notices import due_notices
from bot.intake.prefill import prefill
from bot.intake.questions import QUESTIONS
from bot.intake.validation import (
    CONFIRM_COUNT_ABOVE,
    Problem,
    check,
    check_coordinates,
    clean_text,
    confirmed_count,
)
from bot.understanding import Understanding

TODAY = date(2026, 11, 24)


def draft(**answers) -> Draft:
    return Draft(consented_at=datetime(2026, 11, 24, tzinfo=UTC), answers=answers)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 3, 15), 9, date(2026, 12, 15)),
])
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected) -> None:
    assert add_months(day, months) == expected


def test_no_limitation_warning_while_the_job_goes_on() -> None:
    assert estimate(draft(kind="wages", job_ended=False, end_date="2025-01-01"), TODAY) is None


def test_a_recent_end_gives_no_warning_yet() -> None:
    assert estimate(draft(kind="wages", job_ended=True, end_date="2026-06-01"), TODAY) is None


def test_an_end_nine_months_ago_gives_a_conservative_date() -> None:
    found = estimate(draft(kind="contract", contract_issue="dismissal", end_date="2026-02-10"), TODAY)
    assert found is not None and found.last_day == date(2027, 2, 10) and not found.passed


def test_an_end_over_a_year_ago_may_have_passed() -> None:
    found = estimate(draft(kind="platform", incident_date="2025-10-01"), TODAY)
    assert found is not None and found.passed and found.last_day == date(2026, 10, 1)


def test_working_days_skip_weekends_and_holidays() -> None:
    assert add_working_days(date(2026, 11, 27), 1) == (date(2026, 11, 30), True)   # Friday -> Monday
    assert add_working_days(date(2026, 9, 30), 1)[0] == date(2026, 10, 8)          # National Day week


def test_a_period_ending_on_a_rest_day_ends_on_the_next_working_day() -> None:
    assert add_calendar_days(date(2026, 11, 13), 15) == (date(2026, 11, 30), True)  # 28 Nov is a Saturday


def test_dates_in_a_year_the_calendar_does_not_know_are_provisional() -> None:
    steps = next_steps(DisputeKind.WAGES, date(2026, 12, 28))
    assert steps.provisional and steps.mediation_until == date(2027, 1, 12)
    assert not next_steps(DisputeKind.WAGES, TODAY).provisional


@pytest.mark.parametrize(("name", "same_as"), [
    ("武汉宏达建筑劳务有限公司", "武汉宏达建筑劳务"),
    ("Hongda Construction Co., Ltd.", "hongda construction"),
    ("ＨＯＮＧＤＡ　Construction", "Hongda-Construction"),
])
def test_employer_names_compare_without_legal_form_width_or_punctuation(name, same_as) -> None:
    assert employer_key(name) == employer_key(same_as)


def test_alert_reasons() -> None:
    assert alert_reasons(10, 0) == [AlertReason.COLLECTIVE]
    assert alert_reasons(9, 1) == []
    assert alert_reasons(None, 2) == [AlertReason.REPEATED_EMPLOYER]


@pytest.mark.parametrize(("code", "text", "expected"), [
    ("amount", "一万二", "12000"),
    ("amount", "12,500.50元", "12500.5"),
    ("amount", "-300", Problem.NEGATIVE_AMOUNT),
    ("amount", "0", Problem.ZERO_AMOUNT),
    ("amount", "100000000", Problem.ABSURD_AMOUNT),
    ("monthly_wage", "900000", Problem.ABSURD_AMOUNT),
    ("amount", "lots", Problem.NOT_AN_AMOUNT),
    ("start_date", "2026-12-01", Problem.FUTURE_DATE),
    ("start_date", "1980-01-01", Problem.TOO_OLD),
    ("start_date", "上个月15号", "2026-10-15"),
    ("start_date", "whenever", Problem.NOT_A_DATE),
    ("end_date", "去年", Problem.TOO_VAGUE),
    ("end_date", "2025年3月", "2025-03-01"),
    ("period", "从3月开始", {"start": "2026-03-01", "end": "2026-11-24"}),
    ("period", "明年", Problem.FUTURE_DATE),
    ("workers_affected", "我们一共十二个人", 12),
    ("workers_affected", "3个班组共40人", 40),
    ("workers_affected", "1,200", 1200),
    ("period", "8月到3月", {"start": "2025-08-01", "end": "2026-03-31"}),
    ("period", "from August to March", {"start": "2025-08-01", "end": "2026-03-31"}),
    ("period", "2026年8月到2027年3月", Problem.FUTURE_DATE),
    ("workers_affected", "200000", Problem.ABSURD_COUNT),
    ("workers_affected", "nobody", Problem.NOT_A_COUNT),
    ("phone", "138 0013 8000", "+8613800138000"),
    ("phone", "12345", Problem.NOT_A_PHONE),
    ("name", "   ", Problem.EMPTY),
    ("name", "x" * 51, Problem.TOO_LONG),
])
def test_typed_answers(code, text, expected) -> None:
    verdict = check(QUESTIONS[code], text, TODAY)
    if isinstance(expected, Problem):
        assert verdict.problem is expected
    else:
        assert verdict.ok and verdict.value == expected


def test_back_goes_through_the_answers_in_order() -> None:
    worked = draft()
    worked.answer("kind", "wages")
    worked.answer("employer", "Hongda")
    worked.skip("industry")
    worked.pending = "period"
    assert worked.step_back() == "industry"
    worked.pending = "industry"
    assert worked.step_back() == "employer"
    worked.pending = "employer"
    assert worked.step_back() == "kind"
    worked.pending = "kind"
    assert worked.step_back() is None


def test_back_passes_over_a_question_a_later_answer_made_moot() -> None:
    worked = draft()
    worked.answer("kind", "wages")
    worked.answer("job_ended", True)
    worked.answer("end_date", "2026-09-30")
    worked.answer("job_ended", False)  # changed: the job goes on, so its end date no longer applies
    worked.pending = "claim"
    assert worked.step_back() == "job_ended"
    worked.pending = "job_ended"
    assert worked.step_back() == "kind", "the end date is not asked again"


def test_a_draft_refuses_unknown_questions() -> None:
    with pytest.raises(ValueError, match="unknown"):
        Draft.model_validate({"consented_at": "2026-11-24T00:00:00Z", "answers": {"password": "x"}})


# --- issue 11: wrong answers taken ----------------------------------------------------------------

@pytest.mark.parametrize(("code", "text", "expected"), [
    ("workers_affected", "付清一万三", Problem.MONEY_NOT_COUNT),
    ("workers_affected", "欠我8000元", Problem.MONEY_NOT_COUNT),
    ("workers_affected", "1e308", Problem.NOT_A_COUNT),
    ("workers_affected", "about 1e3", Problem.NOT_A_COUNT),
    ("workers_affected", "1.5", Problem.NOT_A_COUNT),
    ("workers_affected", "0.5", Problem.NOT_A_COUNT),
    ("workers_affected", "1/2", Problem.NOT_A_COUNT),
    ("workers_affected", "inf", Problem.NOT_A_COUNT),
    ("workers_affected", "0", Problem.NOT_A_COUNT),
    ("workers_affected", "十几个", 10),
    ("workers_affected", "12 workers", 12),
    ("start_date", "明天", Problem.FUTURE_DATE),
    ("start_date", "next Friday", Problem.FUTURE_DATE),
    ("start_date", "下周五", Problem.FUTURE_DATE),
    ("start_date", "last Friday", "2026-11-20"),
    ("start_date", "2月30号", Problem.NO_SUCH_DAY),
    ("start_date", "2026年4月31日", Problem.NO_SUCH_DAY),
    ("start_date", "2024年2月29日", "2024-02-29"),
    ("period", "2026-02-30 to 2026-03-01", Problem.NO_SUCH_DAY),
    ("period", "2026-01-15 to 2026-03-01", {"start": "2026-01-15", "end": "2026-03-01"}),
    ("name", "\u200b\u200b", Problem.EMPTY),
    ("name", "\x00", Problem.EMPTY),
    ("name", "\u202e", Problem.EMPTY),
    ("name", "😀🙂", Problem.NO_WORDS),
    ("employer", "\u202eABC公司\u200b", "ABC公司"),
    ("evidence_held", "📷 📄", Problem.NO_WORDS),
    ("workplace", "📍", Problem.NO_WORDS),
])
def test_wrong_answers_are_not_taken(code, text, expected) -> None:
    verdict = check(QUESTIONS[code], text, TODAY)
    if isinstance(expected, Problem):
        assert verdict.problem is expected
    else:
        assert verdict.ok and verdict.value == expected


def test_an_impossible_day_is_named_with_its_months_length() -> None:
    verdict = check(QUESTIONS["start_date"], "2026-02-30", TODAY)
    assert (verdict.detail, verdict.limit) == ("2026-02-30", 28)


def test_a_large_count_is_taken_only_once_confirmed() -> None:
    assert check(QUESTIONS["workers_affected"], str(CONFIRM_COUNT_ABOVE), TODAY).unsure is False
    verdict = check(QUESTIONS["workers_affected"], "2.5万", TODAY)
    assert verdict.ok and verdict.value == 25_000 and verdict.unsure
    assert confirmed_count("25000") == 25_000 and confirmed_count("1") == 1
    assert [confirmed_count(forged) for forged in ("1e308", "0", "-3", "999999999", "")] == [None] * 5


@pytest.mark.parametrize(("lat", "lon"), [
    (1e9, float("-inf")), (float("nan"), 114.1), (30.6, float("inf")), (91, 114.1), (30.6, 181), (0, 0),
    (48.85, 2.35),
])
def test_coordinates_that_cannot_be_used(lat, lon) -> None:
    assert check_coordinates(lat, lon).problem is Problem.NOT_A_LOCATION


def test_coordinates_in_wuhan_are_kept_to_five_decimals() -> None:
    assert check_coordinates(30.6312345, 114.1312345).value == {"lat": 30.63123, "lon": 114.13123}


def test_clean_text_keeps_line_breaks_and_emoji_joiners() -> None:
    assert clean_text(" 第一行\n第二行\u202e\x00 👩\u200d👩\u200d👧 ") == "第一行\n第二行 👩\u200d👩\u200d👧"


def test_the_group_total_and_the_workers_own_amount_are_kept_apart() -> None:
    group = draft()
    prefill(group, Understanding(kind="wages", amount_yuan=180000, workers_affected=15), TODAY)
    assert group.answers["group_amount"] == "180000" and "amount" not in group.answers
    assert group.next_question().code == "employer"
    own = draft()
    prefill(own, Understanding(kind="wages", amount_yuan=15000, own_amount_yuan=3000, workers_affected=5), TODAY)
    assert own.answers["amount"] == "3000" and own.answers["group_amount"] == "15000"
    alone = draft()
    prefill(alone, Understanding(kind="wages", amount_yuan=12000), TODAY)
    assert alone.answers["amount"] == "12000" and "group_amount" not in alone.answers


def test_the_group_total_is_dropped_from_the_case_when_the_worker_is_alone() -> None:
    filed = draft(kind="wages", group_amount="180000", workers_affected=1)
    assert "group_amount" not in filed.case_fields()
    assert "group_amount" not in {question.code for question in filed.questions()}


def test_work_injury_recognition_follows_the_injury_date() -> None:
    injured = draft(kind="platform", platform_issue="injury")
    assert Notice.WORK_INJURY not in due_notices(injured, TODAY)
    injured.answer("incident_date", "2026-11-03")
    assert Notice.WORK_INJURY in due_notices(injured, TODAY)
    assert work_injury_deadline(injured) == date(2027, 11, 3)
    assert work_injury_deadline(draft(kind="platform", platform_issue="pay", incident_date="2026-11-03")) is None


def test_a_large_count_in_the_free_text_is_asked_not_taken() -> None:
    told = draft()
    prefill(told, Understanding(kind="wages", workers_affected=3000), TODAY)
    assert "workers_affected" not in told.answers
