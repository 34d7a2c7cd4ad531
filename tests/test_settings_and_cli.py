"""Settings fail with one clear line; the command line keeps stdout for machine output."""

import json
import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from bot.settings import PROJECT_ROOT, Settings, describe_settings_error

BAD_VALUES = [
    ("WEBCHAT_PORT", "eighty", "WEBCHAT_PORT"),
    ("WEBCHAT_PORT", "70000", "WEBCHAT_PORT"),
    ("BOT_TOKEN", "not-a-token", "BOT_TOKEN: expected a token like"),
    ("SUPERVISOR_IDS", "12,abc", "SUPERVISOR_IDS: expected comma-separated numeric"),
    ("DEFAULT_LOCALE", "fr", "DEFAULT_LOCALE: expected one of zh_CN, en"),
    ("TIMEZONE", "Mars/Olympus", "TIMEZONE: expected an IANA time zone"),
    ("DURABILITY", "sometimes", "DURABILITY"),
    ("TELEGRAM_API_URL", "localhost:8081", "TELEGRAM_API_URL: expected an http"),
    ("WEBHOOK_URL", "https://example.org/hook", "WEBHOOK_SECRET: expected a secret"),
]


@pytest.mark.parametrize(("name", "value", "expected"), BAD_VALUES)
def test_a_bad_value_names_the_variable(monkeypatch, name: str, value: str, expected: str) -> None:
    monkeypatch.setenv(name, value)
    if name == "WEBHOOK_URL":
        monkeypatch.setenv("BOT_TOKEN", "1:abc")
    with pytest.raises(ValidationError) as error:
        Settings(_env_file=None)
    line = describe_settings_error(error.value)
    assert expected in line and "\n" not in line


def test_good_values(monkeypatch) -> None:
    monkeypatch.setenv("SUPERVISOR_IDS", "12, 34")
    monkeypatch.setenv("BOT_TOKEN", "123:ABC")
    settings = Settings(_env_file=None)
    assert settings.supervisor_ids == [12, 34]
    assert not settings.webchat_on and not settings.demo_on, "with a token the web chat is opt-in"
    monkeypatch.delenv("BOT_TOKEN")
    assert Settings(_env_file=None).webchat_on


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("run", "migrate", "understand", "route", "centres"):
        assert command in result.stdout


def test_migrate_prints_json_alone_on_stdout(tmp_path) -> None:
    result = run_cli("migrate", env={"DATABASE_PATH": str(tmp_path / "cli.sqlite3")})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["applied"][0] == "0001_initial.sql"
    assert "applied migrations" in result.stderr, "logs go to stderr"


def test_a_bad_setting_stops_start_up_with_one_line(tmp_path) -> None:
    result = run_cli("run", env={"WEBCHAT_PORT": "abc", "DATABASE_PATH": str(tmp_path / "x.sqlite3")})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "WEBCHAT_PORT" in result.stderr
    assert result.stdout == ""


def test_the_example_env_file_is_valid_as_it_is(tmp_path, monkeypatch) -> None:
    for name in ("BOT_TOKEN", "WEBCHAT_ENABLED", "DEMO", "CENTRES_FILE"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=PROJECT_ROOT / ".env.example")
    assert settings.webchat_on and settings.centres_file.name == "wuhan_sample.yaml"
