"""Settings: .env.example documents exactly the Settings classes; bad config is one clear line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SETTINGS_GROUPS, load_settings
from commands.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]


def _documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return {m.group(1) for m in re.finditer(r"^([A-Z][A-Z0-9_]*)=", text, re.MULTILINE)}


def _declared() -> set[str]:
    names = set()
    for group in SETTINGS_GROUPS:
        prefix = group.model_config.get("env_prefix", "")
        names |= {(prefix + field).upper() for field in group.model_fields}
    return names


def test_env_example_matches_settings() -> None:
    assert _documented() == _declared()


def test_env_example_loads_cleanly() -> None:
    settings = load_settings(ROOT / ".env.example")
    assert settings.core.port == 3978 and settings.teams.local_mode and not settings.slack.enabled


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "abc"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "nope", "SLACK_SIGNING_SECRET": "abc"}, "SLACK_BOT_TOKEN"),
        (
            {"MICROSOFT_APP_ID": "id", "MICROSOFT_APP_PASSWORD": "pw", "MICROSOFT_APP_TYPE": "SingleTenant"},
            "MICROSOFT_APP_TENANT_ID",
        ),
        ({"MICROSOFT_APP_ID": "id"}, "MICROSOFT_APP_PASSWORD"),
        ({"MICROSOFT_APP_TYPE": "Bogus"}, "MICROSOFT_APP_TYPE"),
        ({"PORT": "eighty"}, "PORT"),
        ({"TIMEZONE": "Mars/Base"}, "TIMEZONE"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ],
)
def test_bad_configuration_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], variable: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigurationError) as info:
        load_settings(None)
    assert str(info.value).startswith(variable + ":")


def test_cli_prints_one_line_not_a_traceback(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SLACK_BOT_TOKEN=xoxb-secret-value\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--env-file", str(env_file), "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "chatops: configuration error: SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set"
    ]
    assert "xoxb-secret-value" not in result.stderr


def test_demo_reseed_command_writes_both_demo_databases(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"ERP_DEMO_DB={tmp_path}/erp.db\nDOORAY_DEMO_DB={tmp_path}/gw.db\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--env-file", str(env_file), "demo", "reseed"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "erp.db") as conn:
        assert conn.execute("SELECT count(*) FROM employees").fetchone()[0] >= 50
        assert conn.execute("SELECT count(*) FROM approvals").fetchone()[0] >= 30
