"""PLAYGROUND_*: the local browser playground (bot/playground/), and the Slack it fakes when none is set.

The playground exists only in local mode (no MICROSOFT_APP_ID). When Slack is not configured either,
`playground_settings` gives the process a local-only Slack: a random bot token and signing secret and
SLACK_API_URL pointing at the playground's own fake Web API, so the real Bolt app runs end to end
without reaching slack.com.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:  # bot/settings.py may import this module for PlaygroundSettings
    from bot.settings import Settings

FAKE_SLACK_API_PATH = "/playground/slack/api/"
_WILDCARDS = ("", "0.0.0.0", "::", "[::]")


class PlaygroundSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PLAYGROUND_", env_file=".env", extra="ignore", case_sensitive=False
    )

    enabled: bool = True


def playground_active(settings: Settings, playground: PlaygroundSettings) -> bool:
    """Mounted only in local mode (an app id means a real tenant: never) and unless switched off."""
    return playground.enabled and settings.teams.local_mode


def loopback_base(settings: Settings) -> str:
    """http://host:PORT the process can call itself at (a wildcard HOST means loopback)."""
    host = settings.core.host
    host = "127.0.0.1" if host in _WILDCARDS else host
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{host}:{settings.core.port}"


def uses_playground_slack(settings: Settings) -> bool:
    """True when Slack's Web API is the playground's fake one (set up by `playground_settings`)."""
    return settings.slack.enabled and settings.slack.api_url.endswith(FAKE_SLACK_API_PATH)


def playground_settings(settings: Settings, playground: PlaygroundSettings | None = None) -> Settings:
    """Call before the container is built: a local-only Slack when the playground runs and Slack is off.

    Mutates and returns `settings`. A configured Slack (SLACK_BOT_TOKEN) is left alone.
    """
    from bot.settings import SlackSettings

    playground = playground or PlaygroundSettings()
    if not playground_active(settings, playground) or settings.slack.enabled:
        return settings
    settings.slack = SlackSettings(
        _env_file=None,
        bot_token=SecretStr("xoxb-playground-" + secrets.token_hex(12)),
        signing_secret=SecretStr(secrets.token_hex(32)),
        app_token=SecretStr(""),
        api_url=loopback_base(settings) + FAKE_SLACK_API_PATH,
    )
    return settings
