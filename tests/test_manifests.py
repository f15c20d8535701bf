"""Teams app package and Slack app manifest: official schemas, zip layout, icons, checked-in copies."""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft4Validator, Draft7Validator
from jsonschema.exceptions import best_match

from bot.manifests import (
    CHECKED_IN,
    PLACEHOLDER_BOT_ID,
    ManifestInputs,
    ManifestSettings,
    add_manifest_commands,
    reference_inputs,
    write_checked_in,
)
from bot.manifests_slack import BOT_SCOPES, slack_manifest
from bot.manifests_teams import MAX_COMMANDS, teams_package, zip_package
from commands.cards import Reply
from commands.errors import ConfigurationError
from commands.features import build_registry
from commands.i18n import CATALOG
from commands.registry import Registry
from tests.fixtures.schemas import SCHEMAS

BOT_ID = "3f2b1c1e-8a4d-4b5e-9c6f-0a1b2c3d4e5f"
REGENERATE = "the checked-in manifests are stale: run `make manifests` (chatops manifest refresh) and commit"

# The Teams localization file schema (MicrosoftTeams.Localization.schema.json), as its reference
# documents it: these keys only, with these lengths.
LOCALIZATION_KEYS = {
    r"\$schema": 2048,
    r"name\.short": 30,
    r"name\.full": 100,
    r"description\.short": 80,
    r"description\.full": 4000,
    r"bots\[0\]\.commandLists\[[0-2]\]\.commands\[[0-9]\]\.title": 32,
    r"bots\[0\]\.commandLists\[[0-2]\]\.commands\[[0-9]\]\.description": 128,
}


@lru_cache(maxsize=2)
def _schema(name: str) -> dict[str, Any]:
    return dict(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


def _assert_valid(validator: Any, instance: Any) -> None:
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        raise AssertionError(f"invalid at /{where}: {error.message[:300]}")


def validate_teams_manifest(manifest: dict[str, Any]) -> None:
    _assert_valid(Draft4Validator(_schema("teams-manifest-1.29.schema.json")), manifest)


def validate_slack_manifest(manifest: dict[str, Any]) -> None:
    _assert_valid(Draft7Validator(_schema("slack-manifest-1.0.0.schema.json")), manifest)


def validate_localization(strings: dict[str, Any]) -> None:
    for key, value in strings.items():
        limit = next((n for pattern, n in LOCALIZATION_KEYS.items() if re.fullmatch(pattern, key)), None)
        assert limit is not None, f"not a localization key: {key}"
        assert isinstance(value, str) and 0 < len(value) <= limit, f"{key}: {value!r}"


def read_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """(width, height, RGBA pixels) of an 8-bit RGBA PNG; any row filter."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert (depth, color) == (8, 6), "expected 8-bit RGBA"
    raw, stride, rows, prev = zlib.decompress(idat), width * 4, [], bytearray(width * 4)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a, b, c = line[i - 4] if i >= 4 else 0, prev[i], prev[i - 4] if i >= 4 else 0
            p = a + b - c
            paeth = min((abs(p - a), a), (abs(p - b), b), (abs(p - c), c))[1]
            line[i] = (line[i] + (0, a, b, (a + b) // 2, paeth)[kind]) & 0xFF
        rows.append(bytes(line))
        prev = line
    pixels = b"".join(rows)
    return width, height, [tuple(pixels[i : i + 4]) for i in range(0, len(pixels), 4)]  # type: ignore[misc]


def cli_main(argv: list[str]) -> int:
    """`chatops …` as bot/cli.py runs it, with the manifest subcommands hooked in."""
    parser = argparse.ArgumentParser(prog="chatops")
    parser.add_argument("--env-file", default=".env")
    add_manifest_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigurationError as exc:
        print(f"chatops: configuration error: {exc}", file=sys.stderr)
        return 2


def _inputs(**changes: Any) -> ManifestInputs:
    base = reference_inputs()
    fields = {
        "public_url": base.public_url,
        "default_locale": base.default_locale,
        "bot_app_id": base.bot_app_id,
        "socket_mode": base.socket_mode,
        "manifest": base.manifest,
    }
    return ManifestInputs(**{**fields, **changes})


async def _noop(ctx: Any) -> Reply:
    return Reply(text="ok")


def _big_registry(monkeypatch: pytest.MonkeyPatch, count: int) -> Registry:
    registry = Registry()
    for i in range(count):
        name = f"cmd{i:02d}"
        scopes = ("personal",) if i % 2 else ("personal", "team", "groupChat")
        registry.command(name, _noop, example=name, scopes=scopes, slash=i == 3)
        long = "설명 " * 100 if i == 0 else f"명령 {i}"
        monkeypatch.setitem(CATALOG, f"cmd.{name}.description", {"ko": long, "en": f"Command {i}"})
        monkeypatch.setitem(CATALOG, f"cmd.{name}.usage", {"ko": f"{name} [값]", "en": f"{name} [value]"})
    return registry


# --- Teams ----------------------------------------------------------------------------------------------


def test_teams_manifest_is_valid_and_built_from_the_registry() -> None:
    registry = build_registry()
    package = teams_package(_inputs(bot_app_id=BOT_ID), registry)
    manifest = json.loads(package.files["manifest.json"])
    validate_teams_manifest(manifest)
    bot = manifest["bots"][0]
    assert bot["botId"] == BOT_ID and bot["scopes"] == ["personal", "team", "groupChat"]
    assert bot["supportsFiles"] is False and bot["isNotificationOnly"] is False
    visible = [c.name for c in registry.commands if not c.hidden]
    listed = [c["title"] for entry in bot["commandLists"] for c in entry["commands"]]
    assert listed[: len(visible)] == visible[:MAX_COMMANDS]
    assert manifest["validDomains"] == ["chatops.example.com"]
    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "ko",
        "additionalLanguages": [{"languageTag": "en", "file": "en.json"}],
    }
    assert not [w for w in package.warnings if "MICROSOFT_APP_ID" in w]


def test_teams_localization_follows_the_default_locale() -> None:
    package = teams_package(_inputs(default_locale="en"), build_registry())
    manifest = json.loads(package.files["manifest.json"])
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "en"
    assert manifest["bots"][0]["commandLists"][0]["commands"][0]["description"].startswith("List commands")
    korean = json.loads(package.files["ko.json"])
    validate_localization(korean)
    assert korean["bots[0].commandLists[0].commands[0].description"] == "명령 목록과 사용법을 보여줍니다"


def test_placeholder_bot_id_is_used_and_warned_about() -> None:
    package = teams_package(_inputs(public_url="http://localhost:3978"), build_registry())
    manifest = json.loads(package.files["manifest.json"])
    validate_teams_manifest(manifest)
    assert manifest["bots"][0]["botId"] == PLACEHOLDER_BOT_ID
    assert any("MICROSOFT_APP_ID is empty" in w for w in package.warnings)
    assert any("not https" in w for w in package.warnings)


def test_app_id_is_stable_derived_or_configured() -> None:
    derived = _inputs().teams_app_id
    assert derived == _inputs().teams_app_id, "the same settings must give the same app id"
    assert _inputs(bot_app_id=BOT_ID).teams_app_id not in (derived, BOT_ID)
    fixed = ManifestSettings.model_construct(teams_app_id="11111111-2222-3333-4444-555555555555")
    assert _inputs(manifest=fixed).teams_app_id == "11111111-2222-3333-4444-555555555555"


def test_more_than_ten_commands_are_cut_per_scope_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    package = teams_package(_inputs(), _big_registry(monkeypatch, 14))
    manifest = json.loads(package.files["manifest.json"])
    validate_teams_manifest(manifest)
    lists = manifest["bots"][0]["commandLists"]
    by_scope = {
        scope: [c["title"] for c in entry["commands"]] for entry in lists for scope in entry["scopes"]
    }
    assert len(by_scope["personal"]) == MAX_COMMANDS
    assert by_scope["personal"] == [f"cmd{i:02d}" for i in range(10)]
    assert by_scope["team"] == by_scope["groupChat"] == [f"cmd{i:02d}" for i in range(0, 14, 2)]
    assert any("personal leaves out cmd10, cmd11, cmd12, cmd13" in w for w in package.warnings)
    descriptions = [c["description"] for entry in lists for c in entry["commands"]]
    assert all(len(d) <= 128 for d in descriptions) and descriptions[0].endswith("…")
    validate_localization(json.loads(package.files["en.json"]))


def test_zip_from_the_cli_is_what_teams_accepts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PUBLIC_URL", "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "DEFAULT_LOCALE"):
        monkeypatch.delenv(name, raising=False)
    env = tmp_path / "env"
    env.write_text(
        f"PUBLIC_URL=https://bot.contoso.example/\nMICROSOFT_APP_ID={BOT_ID}\nMICROSOFT_APP_PASSWORD=pw\n"
        "MANIFEST_APP_VERSION=2.3.4\n"
    )
    out = tmp_path / "pkg" / "app.zip"
    assert cli_main(["--env-file", str(env), "manifest", "teams", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert sorted(names) == ["color.png", "en.json", "manifest.json", "outline.png"]
        assert all("/" not in n for n in names), "Teams wants every file at the zip root"
        manifest = json.loads(archive.read("manifest.json"))
        validate_teams_manifest(manifest)
        assert manifest["version"] == "2.3.4" and manifest["bots"][0]["botId"] == BOT_ID
        assert manifest["validDomains"] == ["bot.contoso.example"]
        for language in manifest["localizationInfo"]["additionalLanguages"]:
            validate_localization(json.loads(archive.read(language["file"])))
        width, height, _ = read_png(archive.read(manifest["icons"]["color"]))
        assert (width, height) == (192, 192)
        width, height, pixels = read_png(archive.read(manifest["icons"]["outline"]))
        assert (width, height) == (32, 32)
    assert all(p[:3] == (255, 255, 255) or p[3] == 0 for p in pixels), "outline must be white on transparent"
    assert any(p[3] == 255 for p in pixels) and any(p[3] == 0 for p in pixels)


def test_a_command_without_catalogue_messages_gets_no_manifest() -> None:
    registry = Registry()
    registry.command("nomessages", _noop, example="nomessages")
    with pytest.raises(ConfigurationError, match=r"cmd\.nomessages\.description"):
        teams_package(_inputs(), registry)
    with pytest.raises(ConfigurationError, match=r"cmd\.nomessages\.description"):
        slack_manifest(_inputs(), registry)


def test_zip_is_reproducible() -> None:
    files = teams_package(_inputs(), build_registry()).files
    assert zip_package(files) == zip_package(dict(files))


# --- Slack ----------------------------------------------------------------------------------------------


def test_slack_manifest_is_valid_with_request_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = slack_manifest(
        _inputs(public_url="https://bot.contoso.example/"), _big_registry(monkeypatch, 5)
    )
    validate_slack_manifest(manifest)
    url = "https://bot.contoso.example/slack/events"
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert list(commands) == ["/chatops", "/cmd03"]
    assert all(c["url"] == url and c["should_escape"] is False for c in commands.values())
    assert commands["/cmd03"] == {
        "command": "/cmd03",
        "url": url,
        "description": "Command 3",
        "usage_hint": "[value]",
        "should_escape": False,
    }
    assert "cmd00, cmd01" in commands["/chatops"]["usage_hint"]
    assert manifest["oauth_config"] == {"scopes": {"bot": list(BOT_SCOPES)}}
    assert set(BOT_SCOPES) == {"commands", "chat:write", "users:read", "users:read.email", "im:write"}
    assert manifest["settings"] == {
        "interactivity": {"is_enabled": True, "request_url": url},
        "org_deploy_enabled": False,
        "socket_mode_enabled": False,
        "token_rotation_enabled": False,
    }
    assert "event_subscriptions" not in manifest["settings"]
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True, "DMs from the bot must show"


def test_slack_manifest_in_socket_mode_has_no_urls() -> None:
    manifest = slack_manifest(_inputs(socket_mode=True), build_registry())
    validate_slack_manifest(manifest)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"] == {"is_enabled": True}
    assert "https://" not in json.dumps(manifest["features"])


def test_slack_cli_yaml_follows_the_app_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("PUBLIC_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    env = tmp_path / "env"
    env.write_text("SLACK_BOT_TOKEN=xoxb-1\nSLACK_SIGNING_SECRET=s\nSLACK_APP_TOKEN=xapp-1\n")
    assert cli_main(["--env-file", str(env), "manifest", "slack"]) == 0
    manifest = yaml.safe_load(capsys.readouterr().out)
    validate_slack_manifest(manifest)
    assert manifest["settings"]["socket_mode_enabled"] is True
    out = tmp_path / "slack.json"
    assert (
        cli_main(
            ["--env-file", str(tmp_path / "none"), "manifest", "slack", "--format", "json", "--out", str(out)]
        )
        == 0
    )
    http_mode = json.loads(out.read_text())
    validate_slack_manifest(http_mode)
    assert http_mode["settings"]["socket_mode_enabled"] is False
    assert "PUBLIC_URL is local" in capsys.readouterr().err


def test_bad_manifest_setting_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MANIFEST_TEAMS_APP_ID", "not-a-guid")
    assert (
        cli_main(
            ["--env-file", str(tmp_path / "none"), "manifest", "teams", "--out", str(tmp_path / "x.zip")]
        )
        == 2
    )
    assert "MANIFEST_TEAMS_APP_ID: must be a GUID" in capsys.readouterr().err


# --- checked-in copies ------------------------------------------------------------------------------------


def test_checked_in_copies_are_current(tmp_path: Path) -> None:
    fresh = write_checked_in(tmp_path)
    assert fresh, "nothing generated"
    for path in fresh:
        checked_in = CHECKED_IN / path.relative_to(tmp_path)
        assert checked_in.exists(), f"{checked_in} is missing: {REGENERATE}"
        assert checked_in.read_bytes() == path.read_bytes(), f"{checked_in} differs: {REGENERATE}"
    teams = json.loads((CHECKED_IN / "teams" / "manifest.json").read_text())
    validate_teams_manifest(teams)
    for name in ("manifest.json", "manifest.yaml"):
        text = (CHECKED_IN / "slack" / name).read_text()
        validate_slack_manifest(json.loads(text) if name.endswith("json") else yaml.safe_load(text))


def test_manifest_subcommands_parse() -> None:
    parser = argparse.ArgumentParser()
    add_manifest_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["manifest", "slack", "--format", "json", "--socket-mode"])
    assert args.format == "json" and args.socket_mode is True and callable(args.func)
    assert parser.parse_args(["manifest", "slack"]).socket_mode is None, "None = follow SLACK_APP_TOKEN"
