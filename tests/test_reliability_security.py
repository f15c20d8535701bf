"""Refusals that change nothing: replayed and tampered Slack requests, wrongly signed Teams tokens (real
botbuilder validation against a local OpenID/JWKS server), foreign tenants clicking cards, replayed and
tampered ERP webhooks. ERP text shows literally on both platforms; logs never carry a secret.

Already proven elsewhere (see docs/reliability.md): bad/stale Slack signatures (test_spine_slack), unsigned
Teams requests and a foreign tenant's message (test_spine_teams), bad/stale/unsigned ERP webhooks
(test_approvals_edges), redaction of configured secrets (test_logging)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from botframework.connector.auth import AuthenticationConstants
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata
from cryptography.hazmat.primitives.asymmetric import rsa
from loguru import logger

from adapters.erp.webhook import sign_webhook
from bot.logging import configure_logging
from commands.invocation import Platform
from commands.ports.audit import AuditEvent
from tests.fixtures.bot import BOT_TOKEN, SIGNING_SECRET, BotFactory, BotHarness
from tests.fixtures.platforms import eventually
from tests.fixtures.reliability_servers import OpenIdServer
from tests.test_approvals_journey import (
    REQUESTER,
    TEAM_HEAD,
    create_item,
    link_slack,
    link_teams,
    teams_cards_to,
)


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """Dialect-independent checks: SQLite only (PostgreSQL runs would add time, not coverage)."""
    return sqlite_database_url


APP_ID = "00000000-0000-0000-0000-0000000000b1"
APP_PASSWORD = "teams-password-never-logged-42"
INJECTION = '<!channel> <@U0ADMIN> **굵게** _기울임_ [클릭](https://evil.example) {{DATE(2026-01-01T00:00:00Z)}} "},{"type":"Action.OpenUrl"} &amp; ${user}'


def _blocks(post: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = post["blocks"]
    return list(json.loads(blocks) if isinstance(blocks, str) else blocks)


def _approve_button(post: dict[str, Any]) -> dict[str, Any]:
    return next(
        e
        for b in _blocks(post)
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("approval.decide.approve")
    )


def _click_form(button: dict[str, Any], user: str, channel: str, response_url: str) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": "T1"},
        "team": {"id": "T1"},
        "channel": {"id": channel},
        "container": {"message_ts": "1700000000.000009", "channel_id": channel},
        "actions": [{**button, "block_id": "b", "action_ts": "1"}],
        "response_url": response_url,
        "api_app_id": "A1",
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


async def test_replayed_slack_click_is_one_decision_and_a_stale_replay_is_401(bot: BotHarness) -> None:
    await link_slack(bot, "UHEAD", TEAM_HEAD)
    item = await create_item(bot, REQUESTER, 100_000)
    post = (
        await eventually(
            lambda: [
                p
                for p in bot.slack.method_calls("chat.postMessage")
                if item["id"] in json.dumps(p, ensure_ascii=False)
            ],
            limit=10,
        )
    )[-1]
    form = _click_form(_approve_button(post), "UHEAD", "DUHEAD", bot.slack.response_url("replay"))
    ts = int(time.time())
    for _ in range(4):  # the same bytes, the same signature: what an attacker who saw the request has
        response = await bot.slack_post(form, "application/x-www-form-urlencoded", timestamp=ts)
        assert response.status == 200
    stale = await bot.slack_post(form, "application/x-www-form-urlencoded", timestamp=ts - 301)
    assert stale.status == 401
    for _ in range(100):  # the listeners work after the ack
        final = await bot.container.services.erp.get_approval(item["id"])
        if final.status == "approved":
            break
        await asyncio.sleep(0.05)
    assert final.status == "approved" and [s.decided_by for s in final.steps].count(TEAM_HEAD) == 1
    records = await bot.container.services.audit.list(item_id=item["id"])
    # replays that reach the ERP are answered from its idempotency record: one decision, one key
    assert len({r.detail.get("idempotency_key") for r in records if r.event == AuditEvent.DECIDED}) == 1


async def test_tampered_or_oddly_signed_slack_requests_run_nothing(bot: BotHarness) -> None:
    signed = urllib.parse.urlencode(
        {
            "command": "/chatops",
            "text": "help",
            "user_id": "UX",
            "team_id": "T1",
            "channel_id": "DX",
            "response_url": bot.slack.response_url(),
        }
    )
    tampered = signed.replace("help", "ping")
    ts = int(time.time())
    good = _slack_headers(signed, ts)
    cases = [
        (tampered, good),  # someone else's signature on a changed body
        (signed, {**good, "X-Slack-Signature": good["X-Slack-Signature"].replace("v0=", "v1=")}),
        (signed, {k: v for k, v in good.items() if k != "X-Slack-Signature"}),
        (signed, {k: v for k, v in good.items() if k != "X-Slack-Request-Timestamp"}),
        (signed, _slack_headers(signed, ts + 600)),  # from the future
        (signed, {**good, "X-Slack-Request-Timestamp": "not-a-number"}),
    ]
    for body, headers in cases:
        response = await bot.client.post("/slack/events", data=body.encode(), headers=headers)
        assert response.status == 401, headers
    assert bot.slack.calls == []
    assert await bot.container.services.targets.find(Platform.SLACK, "T1", "DX") is None


def _slack_headers(body: str, ts: int) -> dict[str, str]:
    from tests.fixtures.platforms import slack_signature

    return {"Content-Type": "application/x-www-form-urlencoded", **slack_signature(SIGNING_SECRET, body, ts)}


@pytest.fixture
def openid(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenIdServer]:
    """botbuilder fetches signing keys from Microsoft's OpenID metadata (blocking `requests`): seed its
    metadata cache with a reader of a local server, in a thread, that publishes our own key."""
    server = OpenIdServer()
    server.start()
    for name in dir(AuthenticationConstants):
        url = getattr(AuthenticationConstants, name)
        if isinstance(url, str) and url.startswith("https://") and "openid" in url.lower():
            monkeypatch.setitem(JwtTokenExtractor.metadataCache, url, _OpenIdMetadata(server.metadata_url))
    yield server
    server.stop()


def _token(key: Any, *, kid: str = "k1", alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        "aud": APP_ID,
        "nbf": now - 60,
        "exp": now + 600,
        **claims,
    }
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


async def test_wrongly_signed_teams_tokens_are_401_and_change_nothing(
    make_bot: BotFactory, openid: OpenIdServer
) -> None:
    bot = await make_bot(teams={"app_id": APP_ID, "app_password": APP_PASSWORD})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    service_url = bot.connector.url
    wrong = {
        "another key, same kid": _token(other_key, serviceurl=service_url),
        "for another bot": _token(
            openid.key, aud="11111111-2222-3333-4444-555555555555", serviceurl=service_url
        ),
        "expired": _token(openid.key, exp=int(time.time()) - 3600, serviceurl=service_url),
        "unknown issuer": _token(openid.key, iss="https://evil.example", serviceurl=service_url),
        "another serviceUrl": _token(openid.key, serviceurl="https://evil.example/"),
        "unsigned (alg none)": jwt.encode(
            {"iss": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER, "aud": APP_ID},
            None,  # type: ignore[arg-type]
            algorithm="none",
        ),
        "HS256 with the public key": _hs256_with(openid.key.public_key(), service_url),
    }
    for label, token in wrong.items():
        for activity in (bot.activity(text="help"), bot.activity(type="typing")):
            response = await bot.teams_post(activity, headers={"Authorization": f"Bearer {token}"})
            assert response.status == 401, label
    assert bot.connector.calls == []
    assert await bot.container.services.targets.find(Platform.TEAMS, "tenant-1", "a:personal-1") is None
    # the control: the same request with a good token gets through (a typing activity needs no reply)
    good = _token(openid.key, serviceurl=service_url)
    response = await bot.teams_post(bot.activity(type="typing"), headers={"Authorization": f"Bearer {good}"})
    assert response.status == 200
    assert await bot.container.services.targets.find(Platform.TEAMS, "tenant-1", "a:personal-1") is not None


def _hs256_with(public_key: Any, service_url: str) -> str:
    """The classic algorithm confusion: HMAC with the public key as the secret."""
    from cryptography.hazmat.primitives import serialization

    secret = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": "k1", "typ": "JWT"}).encode())
    body = jwt.utils.base64url_encode(
        json.dumps(
            {
                "iss": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
                "aud": APP_ID,
                "exp": int(time.time()) + 600,
                "serviceurl": service_url,
            }
        ).encode()
    )
    import hashlib
    import hmac

    signature = jwt.utils.base64url_encode(hmac.new(secret, header + b"." + body, hashlib.sha256).digest())
    return (header + b"." + body + b"." + signature).decode()


async def test_card_click_from_a_foreign_tenant_is_403_and_decides_nothing(make_bot: BotFactory) -> None:
    bot = await make_bot(teams_policy={"allowed_tenants": ["tenant-1"]})
    await link_teams(bot, "29:head", TEAM_HEAD)
    item = await create_item(bot, REQUESTER, 100_000)
    await eventually(lambda: teams_cards_to(bot, "a:dm-29:head", item["id"]), limit=10)
    foreign = {
        "from": {"id": "29:head", "name": "류수아"},
        "channelData": {"tenant": {"id": "tenant-evil"}},
        "conversation": {"id": "a:dm-29:head", "conversationType": "personal", "tenantId": "tenant-evil"},
    }
    response = await bot.teams_execute("approval.decide.approve", {"item": item["id"], "v": "1"}, **foreign)
    assert response.status == 403
    current = await bot.container.services.erp.get_approval(item["id"])
    assert current.status == "pending" and current.version == item["version"]
    assert await bot.container.services.targets.find(Platform.TEAMS, "tenant-evil", "a:dm-29:head") is None


async def test_replayed_and_tampered_erp_webhooks(bot: BotHarness) -> None:
    await link_teams(bot, "29:head", TEAM_HEAD)
    item = await create_item(bot, REQUESTER, 100_000)
    await eventually(lambda: teams_cards_to(bot, "a:dm-29:head", item["id"]), limit=10)
    secret = bot.container.backends.erp_webhook_secret
    body = json.dumps(
        {
            "event_id": "evt-replay-1",
            "type": "approval.updated",
            "item_id": item["id"],
            "version": item["version"],
            "occurred_at": "2026-11-21T00:00:00Z",
        }
    ).encode()
    ts = int(time.time())
    headers = {"X-ERP-Timestamp": str(ts), "X-ERP-Signature": sign_webhook(secret, ts, body)}
    first = await bot.client.post("/erp/webhook", data=body, headers=headers)
    replays = [await bot.client.post("/erp/webhook", data=body, headers=headers) for _ in range(3)]
    assert first.status == 202 and {r.status for r in replays} == {200}
    assert {(await r.json())["status"] for r in replays} == {"duplicate"}
    tampered = body.replace(item["id"].encode(), b"EX-2026-9999")
    refused = await bot.client.post("/erp/webhook", data=tampered, headers=headers)
    assert refused.status == 401
    await bot.container.erp_webhook.drain()
    cards = teams_cards_to(bot, "a:dm-29:head", item["id"])
    assert len(cards) == 1  # the card was posted once, whatever the webhook traffic


async def test_erp_text_is_shown_literally_on_both_platforms(bot: BotHarness) -> None:
    await link_teams(bot, "29:head", TEAM_HEAD)
    await link_slack(bot, "UHEAD", TEAM_HEAD)
    backends = bot.container.backends
    import httpx

    async with httpx.AsyncClient(
        base_url=backends.demo_erp_url, headers={"X-API-Key": backends.demo_erp_api_key}
    ) as http:
        created = await http.post(
            "/v1/approvals",
            json={
                "type": "expense",
                "title": INJECTION[:190],
                "requester_employee_no": REQUESTER,
                "amount": 50_000,
                "currency": "KRW",
                "lines": [{"description": INJECTION, "quantity": 1, "unit_price": 50_000}],
            },
        )
        created.raise_for_status()
        item_id = created.json()["id"]
    post = (
        await eventually(
            lambda: [p for p in bot.slack.method_calls("chat.postMessage") if item_id in json.dumps(p)],
            limit=10,
        )
    )[-1]
    slack_text = json.dumps({"text": post["text"], "blocks": _blocks(post)}, ensure_ascii=False)
    for raw in ("<!channel>", "<@U0ADMIN>", "<https://evil", "|클릭>"):
        assert raw not in slack_text, raw  # Slack would notify, mention or link
    assert "&lt;!channel&gt;" in slack_text and "굵게" in slack_text
    card = teams_cards_to(bot, "a:dm-29:head", item_id)[-1]
    card_text = json.dumps(card, ensure_ascii=False)
    assert "{{DATE(" not in card_text and "**굵게**" not in card_text  # no function, no bold
    assert "<!channel>" in card_text  # Teams shows it as text
    actions = [a for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"]]
    assert all(a["type"] in ("Action.Execute", "Action.OpenUrl") for a in actions)
    assert not any("evil.example" in json.dumps(a) for a in actions)  # the "}, {…} text made no action


async def test_logs_never_carry_a_secret(make_bot: BotFactory) -> None:
    bot = await make_bot()
    settings = bot.settings
    configure_logging(fmt="json", level="DEBUG", secrets=settings.secrets())
    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG", serialize=True)
    try:
        await bot.slack_command("help")
        await bot.slack_command("help", secret="wrong")
        await bot.teams_message("approvals")
        body = b'{"event_id": "x"}'
        await bot.client.post(
            "/erp/webhook", data=body, headers={"X-ERP-Timestamp": "1", "X-ERP-Signature": "bad"}
        )
        await bot.teams_post(bot.activity(text="help"), headers={"Authorization": f"Bearer {BOT_TOKEN}"})
        await bot.container.backends.demo_erp.stop()
        await bot.slack_command("approvals")  # the ERP is down: errors get logged
        await bot.container.backends.demo_erp.start()
    finally:
        logger.remove(sink)
    text = "\n".join(lines)
    assert lines
    runtime_secrets = [bot.container.backends.demo_erp_api_key, bot.container.backends.erp_webhook_secret]
    for secret in (BOT_TOKEN, SIGNING_SECRET, *runtime_secrets):
        assert secret not in text
