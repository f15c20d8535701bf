"""App manifests generated from the command registry: `chatops manifest teams|slack|refresh`.

The Teams app package (bot/manifests_teams.py) and the Slack app manifest (bot/manifests_slack.py)
are built from `ManifestInputs`: the few deployment settings they need plus MANIFEST_* settings.
`manifest refresh` rewrites the checked-in copies under manifests/ from the documented placeholder
settings (`reference_inputs()`), ignoring .env, so they only change when the product does.
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from commands.errors import ConfigurationError
from commands.i18n import CATALOG
from commands.registry import Registry

REPO_ROOT = Path(__file__).resolve().parents[1]
CHECKED_IN = REPO_ROOT / "manifests"
# RFC 2606 reserves example.com for documentation: the checked-in copies use it.
REFERENCE_PUBLIC_URL = "https://chatops.example.com"
PLACEHOLDER_BOT_ID = "00000000-0000-0000-0000-000000000000"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_APP_ID_NAMESPACE = uuid.UUID("6f1d3c52-9a57-4a0e-8f7e-3b1c2e0c9d41")


class ManifestSettings(BaseSettings):
    """MANIFEST_*: what the app stores show about the app. All optional."""

    model_config = SettingsConfigDict(
        env_prefix="MANIFEST_", env_file=".env", extra="ignore", case_sensitive=False
    )

    teams_app_id: str = ""
    app_version: str = "1.0.0"
    app_name: str = "ChatOps"
    developer_name: str = "ChatOps"
    website_url: str = ""
    privacy_url: str = ""
    terms_url: str = ""
    accent_color: str = "#4F46E5"

    @field_validator("teams_app_id")
    @classmethod
    def _guid(cls, value: str) -> str:
        if value and not _GUID.match(value):
            raise ValueError("must be a GUID like 3f2b1c1e-8a4d-4b5e-9c6f-0a1b2c3d4e5f")
        return value.lower()

    @field_validator("app_version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not _SEMVER.match(value):
            raise ValueError("must be MAJOR.MINOR.PATCH, e.g. 1.0.0")
        return value

    @field_validator("accent_color")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not re.match(r"^#[0-9a-fA-F]{6}$", value):
            raise ValueError("must be a #RRGGBB colour")
        return value.upper()

    @field_validator("app_name")
    @classmethod
    def _short_name(cls, value: str) -> str:
        if not 0 < len(value) <= 30:
            raise ValueError("must be 1 to 30 characters (Teams' limit for the short name)")
        return value

    @field_validator("website_url", "privacy_url", "terms_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.lower().startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value


@dataclass(frozen=True)
class ManifestInputs:
    """Everything a manifest depends on besides the registry and the catalogue."""

    public_url: str
    default_locale: str
    bot_app_id: str
    socket_mode: bool
    manifest: ManifestSettings

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/")

    @property
    def host(self) -> str:
        return urlsplit(self.public_url).hostname or "localhost"

    @property
    def teams_app_id(self) -> str:
        """MANIFEST_TEAMS_APP_ID, else a GUID derived from the bot id (or the public host): stable."""
        if self.manifest.teams_app_id:
            return self.manifest.teams_app_id
        seed = self.bot_app_id.lower() or self.host
        return str(uuid.uuid5(_APP_ID_NAMESPACE, f"chatops-teams-app:{seed}"))


def require_messages(registry: Registry) -> None:
    """Every listed command has its description and usage in the catalogue (else no manifest)."""
    for command in registry.commands:
        for key in (command.description_key, command.usage_key):
            if key not in CATALOG:
                raise ConfigurationError(f"command {command.name!r} has no message {key!r} in the catalogue")


def reference_inputs() -> ManifestInputs:
    """The documented placeholder settings of the checked-in copies (environment ignored)."""
    return ManifestInputs(REFERENCE_PUBLIC_URL, "ko", "", False, ManifestSettings.model_construct())


def load_inputs(env_file: str | Path | None, *, socket_mode: bool | None = None) -> ManifestInputs:
    """Inputs from the environment and `env_file` (PUBLIC_URL, DEFAULT_LOCALE, MICROSOFT_APP_ID, ...)."""
    from bot.settings import load_settings

    settings = load_settings(env_file)
    try:
        manifest = ManifestSettings(_env_file=env_file)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "MANIFEST_" + str(first.get("loc", ("?",))[0]).upper()
        raise ConfigurationError(
            f"{name}: {str(first.get('msg', '')).removeprefix('Value error, ')}"
        ) from None
    return ManifestInputs(
        public_url=settings.core.public_url,
        default_locale=settings.core.default_locale,
        bot_app_id=settings.teams.app_id,
        socket_mode=settings.slack.socket_mode if socket_mode is None else socket_mode,
        manifest=manifest,
    )


def write_checked_in(root: Path = CHECKED_IN) -> list[Path]:
    """Regenerate manifests/teams/* and manifests/slack/* from `reference_inputs()`."""
    from bot.manifests_slack import slack_manifest, to_json, to_yaml
    from bot.manifests_teams import teams_package
    from commands.features import build_registry

    inputs, registry = reference_inputs(), build_registry()
    written: list[Path] = []
    package = teams_package(inputs, registry)
    for name, data in package.files.items():
        written.append(_write(root / "teams" / name, data))
    manifest = slack_manifest(inputs, registry)
    written.append(_write(root / "slack" / "manifest.json", to_json(manifest).encode()))
    written.append(_write(root / "slack" / "manifest.yaml", to_yaml(manifest).encode()))
    return written


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- CLI ----------------------------------------------------------------------------------------------


def add_manifest_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`chatops manifest teams|slack|refresh` (hooked into bot/cli.py's subparsers)."""
    parser = sub.add_parser("manifest", help="generate the Teams app package or the Slack app manifest")
    kinds = parser.add_subparsers(dest="manifest_kind", required=True)
    teams = kinds.add_parser("teams", help="the Teams app package (zip) for PUBLIC_URL and MICROSOFT_APP_ID")
    teams.add_argument("--out", default="dist/chatops-teams.zip", help="zip to write")
    teams.set_defaults(func=_teams_command)
    slack = kinds.add_parser("slack", help="the Slack app manifest for PUBLIC_URL")
    slack.add_argument("--format", choices=("yaml", "json"), default="yaml")
    slack.add_argument("--out", default="-", help="file to write (default: standard output)")
    slack.add_argument("--socket-mode", action="store_true", default=None, help="Socket Mode (no URLs)")
    slack.set_defaults(func=_slack_command)
    refresh = kinds.add_parser("refresh", help="rewrite the checked-in manifests/ (placeholder settings)")
    refresh.set_defaults(func=_refresh_command)


def _teams_command(args: argparse.Namespace) -> int:
    from bot.manifests_teams import teams_package, zip_package
    from commands.features import build_registry

    package = teams_package(load_inputs(args.env_file), build_registry())
    for warning in package.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    out = Path(args.out)
    _write(out, zip_package(package.files))
    print(f"wrote {out} ({', '.join(package.files)})", file=sys.stderr)
    return 0


def _slack_command(args: argparse.Namespace) -> int:
    from bot.manifests_slack import slack_manifest, to_json, to_yaml
    from commands.features import build_registry

    inputs = load_inputs(args.env_file, socket_mode=args.socket_mode)
    manifest = slack_manifest(inputs, build_registry())
    text = to_yaml(manifest) if args.format == "yaml" else to_json(manifest)
    if inputs.host in ("localhost", "127.0.0.1") and not inputs.socket_mode:
        print(
            "warning: PUBLIC_URL is local: Slack cannot reach it (use Socket Mode or a tunnel)",
            file=sys.stderr,
        )
    if args.out == "-":
        sys.stdout.write(text)
    else:
        _write(Path(args.out), text.encode())
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _refresh_command(args: argparse.Namespace) -> int:
    for path in write_checked_in():
        print(f"wrote {path.relative_to(REPO_ROOT)}", file=sys.stderr)
    return 0
