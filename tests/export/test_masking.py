"""Masking the worker's name and phone, and the CSV a supervisor opens in a spreadsheet."""

from __future__ import annotations

import csv
import io

from bot.register import CaseSummary, mask_name, mask_phone, masked, render_csv


def summary(**changes) -> CaseSummary:
    values = dict(number="LD-2026-000001", kind="wages", mediation="assigned", outcome=None, payment=None,
                  arbitration=None, arbitration_outcome=None, inspection=None, urgent=False, centre_id=None,
                  district=None, street=None, travel_minutes=None, worker_name="欧阳娜娜",
                  worker_phone="+8613800000000",
                  employer="武汉鸿达建筑劳务有限公司", amount_yuan="12500", submitted_at="2026-11-24T02:30:00+00:00",
                  assigned_at=None, accepted_at=None, mediation_ended_at=None, arbitration_applied_at=None,
                  inspection_handed_over_at=None)
    return CaseSummary(**(values | changes))


def test_names_keep_their_first_character_and_phones_their_network_and_last_four() -> None:
    assert [mask_name(name) for name in ("张三", "欧阳娜娜", "John Smith", "", None)] == [
        "张*", "欧***", "J*** *****", "", None]
    assert [mask_phone(phone) for phone in ("+8613800000000", "13800000000", "027-8888", None)] == [
        "+86138****0000", "138****0000", "****", None]
    shown = masked(summary())
    assert (shown.worker_name, shown.worker_phone) == ("欧***", "+86138****0000")
    assert shown.employer == "武汉鸿达建筑劳务有限公司", "the employer is no one's personal data"


def test_typed_text_cannot_run_as_a_formula_in_the_supervisors_csv() -> None:
    row = summary(employer='=HYPERLINK("http://example.com","点我")', worker_name="@张三")
    [_, people_row] = list(csv.reader(io.StringIO(render_csv([row], "zh_CN").decode("utf-8-sig"))))
    assert people_row[15] == '\'=HYPERLINK("http://example.com","点我")' and people_row[13] == "'@张三"
    assert people_row[14] == "+8613800000000", "a phone number stays a phone number"
    [_, script_row] = list(csv.reader(io.StringIO(render_csv([row], None).decode("utf-8-sig"))))
    assert script_row[15] == '=HYPERLINK("http://example.com","点我")', "scripts get the value as it is"
