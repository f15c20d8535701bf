"""Logs carry request ids and never a token or secret."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from loguru import logger

from bot.logging import Redactor, configure_logging
from tests.fixtures.bot import BOT_TOKEN, SIGNING_SECRET, BotFactory

TEAMS_PASSWORD = "teams-app-password-XYZ987"


@pytest.fixture
def captured() -> Iterator[list[str]]:
    configure_logging(fmt="json", level="DEBUG", secrets=[BOT_TOKEN, SIGNING_SECRET, TEAMS_PASSWORD])
    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG", serialize=True)
    yield lines
    logger.remove(sink)


async def test_no_secret_in_logs_across_requests(make_bot: BotFactory, captured: list[str]) -> None:
    bot = await make_bot()
    await bot.slack_command("help")
    await bot.slack_command("help", secret="wrong")
    await bot.teams_message("whoami")
    await bot.client.post("/api/messages", data=b"{bad", headers={"Content-Type": "application/json"})
    logger.info("leak attempt {} {} Bearer abcdefghijklmnop", BOT_TOKEN, SIGNING_SECRET)
    try:
        raise RuntimeError(f"token was {BOT_TOKEN}")
    except RuntimeError:
        logger.exception("failure with secret inside")
    text = "\n".join(captured)
    assert captured
    for secret in (BOT_TOKEN, SIGNING_SECRET, TEAMS_PASSWORD, "abcdefghijklmnop"):
        assert secret not in text


async def test_request_id_reaches_handler_logs(make_bot: BotFactory, captured: list[str]) -> None:
    bot = await make_bot()
    response = await bot.client.post(
        "/api/messages", json=bot.activity(text="frobnicate"), headers={"X-Request-Id": "req-abc-123"}
    )
    assert response.headers["X-Request-Id"] == "req-abc-123"
    records = [json.loads(line)["record"] for line in captured]
    assert any(r["extra"].get("request_id") == "req-abc-123" for r in records)


def test_redactor_masks_token_shapes() -> None:
    redact = Redactor(["s3cr3t-value"])
    text = redact("xoxb-123-456-abc xapp-1-A1-xyz Bearer eyJhbGciOi.abc.def dooray-api tok123 s3cr3t-value")
    assert "xoxb-" not in text and "xapp-" not in text and "eyJhbGciOi" not in text
    assert "tok123" not in text and "s3cr3t-value" not in text


def test_generated_request_ids_are_unique_and_short() -> None:
    from bot.http import new_request_id

    ids = [new_request_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 16 and all(c in "0123456789abcdef" for c in i) for i in ids)
