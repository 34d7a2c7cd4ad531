"""`python -m bot rates ...`: the JSON scripts read, the text, errors on stderr with an exit code, and the
rebuild."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from bot.cases import Actor, Command, CommandKind, decide
from bot.cases.machine import SYSTEM
from bot.people import Role
from bot.settings import PROJECT_ROOT
from storage.cases import CaseRepository
from storage.db import Database
from tests.engine.builders import AT, filed_case, person


async def rates_cli(db_path: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "rates", *args, cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_PATH": str(db_path)}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


async def an_agreement(db: Database) -> None:
    """One wages case of 吴家山街道, 东西湖区, routed to Wujiashan on 2026-11-24, agreed the same day."""
    worker = await person(db, 41)
    mediator = await person(db, 42, Role.MEDIATOR, "dxh-wujiashan")
    cases = CaseRepository(db)
    case = await filed_case(db, worker.id)
    for command in (Command(CommandKind.ASSIGN, SYSTEM, centre_id="dxh-wujiashan", params={"within_half_hour": True}),
                    Command(CommandKind.ACCEPT, Actor(mediator.id, Role.MEDIATOR, "dxh-wujiashan")),
                    Command(CommandKind.END_MEDIATION, SYSTEM, outcome="agreement")):
        case = await cases.apply(case, decide(case.state, command, AT), recorded_at=AT)


async def test_json_for_scripts(db: Database, db_path: Path) -> None:
    await an_agreement(db)
    code, out, err = await rates_cli(db_path, "--period", "本月", "--today", "2026-11-24", "--district", "东西湖区",
                                     "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["period"] == {"start": "2026-11-01", "end": "2026-11-30"}
    assert shown["scope"] == {"centre": None, "district": "东西湖区", "street": None, "kind": None}
    assert shown["rates"]["mediation_success"] == {"numerator": 1, "denominator": 1, "value": 1.0, "target": 0.72}
    assert shown["rates"]["half_hour_coverage"] == {"numerator": 1, "denominator": 1, "value": 1.0, "target": None}
    assert shown["previous"]["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    assert shown["previous"]["rates"]["mediation_success"]["value"] is None
    assert [centre["centre_id"] for centre in shown["by_centre"]] == ["dxh-wujiashan"]
    assert (shown["open"], shown["overdue"], shown["collective"], shown["median_days_to_close"]) == (0, 0, 0, 0.0)


async def test_text_errors_and_rebuild(db: Database, db_path: Path) -> None:
    await an_agreement(db)
    code, out, _ = await rates_cli(db_path, "--period", "2026-11-01..2026-11-30", "--centre", "dxh-wujiashan",
                                   "--today", "2026-11-24", "--locale", "zh_CN")
    assert code == 0 and out.splitlines()[0] == "📊 吴家山街道劳动争议调解中心 · 2026-11-01 至 2026-11-30"
    assert "调解成功率 100.0%（1/1）目标 ≥72% ✅ · 上期无数据" in out and "<b>" not in out
    code, out, err = await rates_cli(db_path, "--period", "2025-13-45")
    assert (code, out) == (2, "") and "no such date: '2025-13-45'" in err and "Examples:" in err
    code, out, err = await rates_cli(db_path, "--centre", "nowhere")
    assert code == 2 and "no centre 'nowhere' in the registry" in err
    code, out, err = await rates_cli(db_path, "--centre", "dxh-wujiashan", "--kind", "wages")
    assert code == 2 and "--kind goes alone or with --district" in err
    code, out, err = await rates_cli(db_path, "--rebuild", "--period", "2026年11月", "--json", "--today", "2026-11-24")
    assert code == 0 and json.loads(out)["rates"]["mediation_success"]["numerator"] == 1
    assert "rollups rebuilt:" in err and "from 4 events of 1 cases" in err
    code, out, _ = await rates_cli(db_path, "--definitions", "--locale", "en")
    assert code == 0 and out.startswith("How the rates are counted") and "Half-hour coverage" in out
