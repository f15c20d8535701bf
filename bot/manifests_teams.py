"""The Teams app package: manifest.json (schema 1.29), icons and localization files, zipped flat.

Strings come from the catalogue: the manifest holds the default language (DEFAULT_LOCALE) and one
localization file per other language. Language-only tags ("ko", "en") are used on purpose: Teams
matches them for every region of that language (en-gb, en-us, ...), a region tag would not.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from bot.manifests import PLACEHOLDER_BOT_ID, ManifestInputs, require_messages
from bot.manifests_icons import color_icon, outline_icon
from commands.i18n import LOCALES, t
from commands.registry import CommandSpec, Registry

MANIFEST_VERSION = "1.29"
_SCHEMAS = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}"
SCHEMA_URL = f"{_SCHEMAS}/MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA_URL = f"{_SCHEMAS}/MicrosoftTeams.Localization.schema.json"
SCOPES = ("personal", "team", "groupChat")
MAX_COMMANDS = 10  # Teams shows at most 10 commands per command list
MAX_COMMAND_DESCRIPTION = 128  # the localization schema's limit, kept in the manifest too
COLOR_ICON, OUTLINE_ICON = "color.png", "outline.png"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class TeamsPackage:
    files: dict[str, bytes]  # file name at the zip root -> content, in zip order
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _CommandList:
    scopes: tuple[str, ...]
    commands: tuple[CommandSpec, ...]


def teams_package(inputs: ManifestInputs, registry: Registry) -> TeamsPackage:
    """Every file of the app package, plus warnings for the operator (placeholder bot id, cut lists)."""
    require_messages(registry)
    lists, warnings = _command_lists(registry)
    default = inputs.default_locale
    others = [locale for locale in LOCALES if locale != default]
    manifest = _manifest(inputs, lists, others)
    if not inputs.bot_app_id:
        warnings.append(
            f"MICROSOFT_APP_ID is empty: bots[0].botId is the placeholder {PLACEHOLDER_BOT_ID}; "
            "set it to your Azure Bot's app id before uploading"
        )
    if not inputs.public_url.lower().startswith("https://"):
        warnings.append(f"PUBLIC_URL {inputs.public_url} is not https: Teams only calls https endpoints")
    files = {"manifest.json": _json(manifest)}
    for locale in others:
        files[f"{locale}.json"] = _json(_localization(inputs, lists, locale))
    files[COLOR_ICON] = color_icon(inputs.manifest.accent_color)
    files[OUTLINE_ICON] = outline_icon()
    return TeamsPackage(files, tuple(warnings))


def zip_package(files: dict[str, bytes]) -> bytes:
    """A flat zip (Teams wants manifest.json at the root), byte-for-byte reproducible."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _command_lists(registry: Registry) -> tuple[list[_CommandList], list[str]]:
    """One list per distinct set of commands, registry order, at most MAX_COMMANDS each."""
    visible = [c for c in registry.commands if not c.hidden]
    warnings: list[str] = []
    per_scope: dict[str, tuple[CommandSpec, ...]] = {}
    for scope in SCOPES:
        commands = [c for c in visible if scope in c.scopes]
        if len(commands) > MAX_COMMANDS:
            left_out = ", ".join(c.name for c in commands[MAX_COMMANDS:])
            warnings.append(
                f"Teams lists at most {MAX_COMMANDS} commands per scope: {scope} leaves out {left_out} "
                "(they still work when typed)"
            )
        if commands:
            per_scope[scope] = tuple(commands[:MAX_COMMANDS])
    lists: list[_CommandList] = []
    for scope, listed in per_scope.items():
        same = next((i for i, existing in enumerate(lists) if existing.commands == listed), None)
        if same is None:
            lists.append(_CommandList((scope,), listed))
        else:
            lists[same] = _CommandList((*lists[same].scopes, scope), listed)
    return lists, warnings


def _manifest(inputs: ManifestInputs, lists: list[_CommandList], others: list[str]) -> dict[str, Any]:
    settings, locale = inputs.manifest, inputs.default_locale
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": settings.app_version,
        "id": inputs.teams_app_id,
        "localizationInfo": {
            "defaultLanguageTag": locale,
            "additionalLanguages": [{"languageTag": other, "file": f"{other}.json"} for other in others],
        },
        "developer": {
            "name": settings.developer_name[:32],
            "websiteUrl": settings.website_url or inputs.base_url,
            "privacyUrl": settings.privacy_url or inputs.base_url,
            "termsOfUseUrl": settings.terms_url or inputs.base_url,
        },
        "name": {"short": settings.app_name, "full": t(locale, "manifest.name.full")[:100]},
        "description": {
            "short": t(locale, "manifest.description.short")[:80],
            "full": t(locale, "manifest.description.full")[:4000],
        },
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": settings.accent_color,
        "bots": [
            {
                "botId": inputs.bot_app_id or PLACEHOLDER_BOT_ID,
                "scopes": list(SCOPES),
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": list(entry.scopes),
                        "commands": [
                            {"title": c.name, "description": _description(c, locale)} for c in entry.commands
                        ],
                    }
                    for entry in lists
                ],
            }
        ],
        # identity: the roster's email links a Teams user to an employee;
        # messageTeamMembers: approvals and nudges are sent as 1:1 messages.
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [inputs.host],
    }


def _localization(inputs: ManifestInputs, lists: list[_CommandList], locale: str) -> dict[str, Any]:
    strings: dict[str, Any] = {
        "$schema": LOCALIZATION_SCHEMA_URL,
        "name.short": inputs.manifest.app_name,
        "name.full": t(locale, "manifest.name.full")[:100],
        "description.short": t(locale, "manifest.description.short")[:80],
        "description.full": t(locale, "manifest.description.full")[:4000],
    }
    for i, entry in enumerate(lists):
        for j, command in enumerate(entry.commands):
            strings[f"bots[0].commandLists[{i}].commands[{j}].description"] = _description(command, locale)
    return strings


def _description(command: CommandSpec, locale: str) -> str:
    text = " ".join(t(locale, command.description_key).split())
    return text if len(text) <= MAX_COMMAND_DESCRIPTION else text[: MAX_COMMAND_DESCRIPTION - 1] + "…"


def _json(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode()
