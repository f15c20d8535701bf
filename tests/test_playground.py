"""The playground over real HTTP: the browser API drives the real /api/messages and /slack/events,
and the bot's answers come back through the playground's connector and fake Slack Web API."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from aiohttp.test_utils import TestClient, TestServer

from adapters.slack.modal import ModalRoute, encode_route, render_input_modal
from bot.app import CONTAINER, create_app
from bot.playground import PLAYGROUND, PlaygroundSettings, playground_settings
from bot.playground.slack_client import sign
from bot.playground.state import SlackOrigin
from bot.playground.users import (
    BUILT_IN_USERS,
    TEAMS_TENANT_ID,
    slack_dm_channel,
    slack_user_id,
    teams_conversation_id,
    teams_user_id,
)
from commands.cards import Button, TextInput
from tests.fixtures.browser import PlaygroundServer, ServeFactory, SettingsFactory, mount
from tests.fixtures.platforms import slack_signature
from tests.fixtures.schemas import validate_adaptive_card, validate_block_kit

ROOT = Path(__file__).resolve().parents[1]
KIM, GRACE = BUILT_IN_USERS[0], BUILT_IN_USERS[5]
JSON = {"Content-Type": "application/json"}


async def post_json(server: PlaygroundServer, path: str, body: dict[str, Any]) -> Any:
    response = await server.post(path, data=json.dumps(body), headers=JSON)
    assert response.status == 200, await response.text()
    return await response.json()


async def history(server: PlaygroundServer, platform: str, user: str = KIM.key) -> list[dict[str, Any]]:
    response = await server.get(f"/playground/api/history?platform={platform}&user={user}")
    assert response.status == 200
    return list(await response.json())


def card_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


# --- mounting ---------------------------------------------------------------------------------------------


async def test_not_mounted_when_an_app_id_is_set(bot_settings: SettingsFactory) -> None:
    settings = bot_settings(teams={"app_id": "11111111-2222-3333-4444-555555555555", "app_password": "pw"})
    playground_settings(settings, PlaygroundSettings(_env_file=None, enabled=True))
    assert not settings.slack.enabled, "no local Slack outside local mode"
    app = create_app(settings)
    assert mount(app, settings) is False
    async with TestClient(TestServer(app)) as client:
        for path in ("/playground", "/playground/api/config", "/playground/static/app.js"):
            assert (await client.get(path)).status == 404, path
        connector = "/playground/connector/v3/conversations/a:x/activities"
        assert (await client.post(connector, json={"type": "message"})).status == 404
        assert (await client.post("/playground/slack/api/auth.test")).status == 404


async def test_not_mounted_when_switched_off(bot_settings: SettingsFactory) -> None:
    settings = bot_settings()
    playground_settings(settings, PlaygroundSettings(_env_file=None, enabled=False))
    app = create_app(settings)
    if PLAYGROUND not in app:  # create_app may mount it itself, from PLAYGROUND_ENABLED
        assert mount(app, settings, enabled=False) is False
        async with TestClient(TestServer(app)) as client:
            assert (await client.get("/playground")).status == 404
    assert not settings.slack.enabled


def test_playground_settings_add_a_local_slack_only_when_none_is_set(bot_settings: SettingsFactory) -> None:
    settings = bot_settings(core={"host": "0.0.0.0"})
    playground_settings(settings, PlaygroundSettings(_env_file=None))
    slack = settings.slack
    assert slack.api_url == f"http://127.0.0.1:{settings.core.port}/playground/slack/api/"
    assert slack.bot_token.get_secret_value().startswith("xoxb-playground-") and not slack.socket_mode
    assert len(slack.signing_secret.get_secret_value()) == 64
    other = bot_settings()
    playground_settings(other, PlaygroundSettings(_env_file=None))
    assert other.slack.signing_secret.get_secret_value() != slack.signing_secret.get_secret_value(), "random"
    real = {"bot_token": "xoxb-real", "signing_secret": "real", "api_url": "https://slack.com/api/"}
    configured = bot_settings(slack=real)
    playground_settings(configured, PlaygroundSettings(_env_file=None))
    assert configured.slack.bot_token.get_secret_value() == "xoxb-real", "a configured Slack is left alone"


def test_committed_page_matches_its_source() -> None:
    source = ROOT / "playground" / "index.html"
    built = ROOT / "bot" / "playground" / "static" / "index.html"
    assert built.read_bytes() == source.read_bytes(), "rebuild the front end: make playground"


async def test_page_config_and_users_carry_no_secrets(serve_playground: ServeFactory) -> None:
    server = await serve_playground()
    page = await server.get("/playground")
    assert page.status == 200 and "/playground/static/app.js" in await page.text()
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    script = await server.get("/playground/static/app.js")
    assert script.status == 200 and len(await script.read()) > 10_000, "the committed bundle is served"
    config = await (await server.get("/playground/api/config")).json()
    assert config["platforms"] == {
        "teams": {"ready": True, "reason": ""},
        "slack": {"ready": True, "reason": ""},
    }
    assert config["labels"]["send"] == {"ko": "보내기", "en": "Send"}
    assert [c["name"] for c in config["commands"]][:3] == ["help", "ping", "whoami"]
    users = await (await server.get("/playground/api/users")).json()
    keys = [u["key"] for u in users]
    assert len(keys) > 50 and "seojun.kang" in keys, "the demo ERP's employees can be picked"
    assert {u.key for u in BUILT_IN_USERS} <= set(keys)
    everything = json.dumps([config, users])
    slack = server.settings.slack
    for secret in (slack.signing_secret.get_secret_value(), slack.bot_token.get_secret_value()):
        assert secret and secret not in everything


async def test_browser_posts_must_be_same_origin_json(serve_playground: ServeFactory) -> None:
    server = await serve_playground()
    body = json.dumps({"user": KIM.key, "text": "ping"})
    as_form = await server.post(
        "/playground/api/teams/messages", data=body, headers={"Content-Type": "text/plain"}
    )
    assert as_form.status == 415
    other_site = {**JSON, "Origin": "https://evil.example"}
    assert (await server.post("/playground/api/teams/messages", data=body, headers=other_site)).status == 403
    unknown = json.dumps({"user": "nobody", "text": "ping"})
    assert (await server.post("/playground/api/teams/messages", data=unknown, headers=JSON)).status == 404
    assert await history(server, "teams") == []


# --- Teams ------------------------------------------------------------------------------------------------


async def test_teams_help_then_show_example_replaces_the_card(serve_playground: ServeFactory) -> None:
    server = await serve_playground()
    assert (await post_json(server, "/playground/api/teams/messages", {"user": KIM.key, "text": "help"})) == {
        "status": 200
    }
    said, answer = await history(server, "teams")
    assert said["sender"] == "user" and said["text"] == "help"
    assert answer["sender"] == "bot" and answer["conversation"] == teams_conversation_id(KIM)
    assert answer["replyToId"] == said["id"], "a reply to the user's activity"
    card = answer["attachments"][0]["content"]
    validate_adaptive_card(card)
    assert "ChatOps 봇 도움말" in json.dumps(card, ensure_ascii=False), "Korean for a ko-KR user"
    example = next(a for a in card_actions(card) if a["data"].get("command") == "ping")
    result = await post_json(
        server,
        "/playground/api/teams/invoke",
        {
            "user": KIM.key,
            "messageId": answer["id"],
            "attachment": 0,
            "verb": example["verb"],
            "data": example["data"],
        },
    )
    assert result["status"] == 200 and result["response"]["type"] == "application/vnd.microsoft.card.adaptive"
    (updated,) = [m for m in await history(server, "teams") if m["id"] == answer["id"]]
    assert updated["edited"] is True
    new_card = updated["attachments"][0]["content"]
    validate_adaptive_card(new_card)
    assert "ping 예시" in json.dumps(new_card, ensure_ascii=False)


async def test_teams_roster_answers_the_demo_users_email(serve_playground: ServeFactory) -> None:
    server = await serve_playground()
    conversation = teams_conversation_id(GRACE)
    member = await server.get(
        f"/playground/connector/v3/conversations/{conversation}/members/{teams_user_id(GRACE)}"
    )
    assert member.status == 200
    assert await member.json() == {
        "id": teams_user_id(GRACE),
        "name": GRACE.name,
        "aadObjectId": (await member.json())["aadObjectId"],
        "email": GRACE.email,
        "userPrincipalName": GRACE.email,
        "givenName": "Grace",
        "surname": "Yoon",
        "tenantId": TEAMS_TENANT_ID,
        "userRole": "user",
    }
    stranger = f"/playground/connector/v3/conversations/{conversation}/members/{teams_user_id(KIM)}"
    assert (await server.get(stranger)).status == 404
    await post_json(server, "/playground/api/teams/messages", {"user": GRACE.key, "text": "whoami"})
    answer = (await history(server, "teams", GRACE.key))[-1]
    assert "Who you are" in json.dumps(answer["attachments"]), "English for an en-US user"
    assert await history(server, "teams", KIM.key) == [], "each user sees only their own chat"


async def test_connector_create_update_delete_as_proactive_messages_do(
    serve_playground: ServeFactory,
) -> None:
    server = await serve_playground()
    base = "/playground/connector/v3/conversations"
    created = await server.post(
        base,
        json={
            "bot": {"id": "28:playground-bot"},
            "members": [{"id": teams_user_id(KIM)}],
            "tenantId": TEAMS_TENANT_ID,
            "activity": {"type": "message", "text": "결재 요청이 도착했습니다"},
        },
    )
    assert created.status == 201
    body = await created.json()
    assert body["id"] == teams_conversation_id(KIM)
    sent = await server.post(f"{base}/{body['id']}/activities", json={"type": "message", "text": "두 번째"})
    second = (await sent.json())["id"]
    typing = await server.post(f"{base}/{body['id']}/activities", json={"type": "typing"})
    assert typing.status == 200
    assert [m["text"] for m in await history(server, "teams")] == ["결재 요청이 도착했습니다", "두 번째"]
    activities = f"{base}/{body['id']}/activities"
    update = await server.request("PUT", f"{activities}/{second}", json={"type": "message", "text": "수정"})
    assert update.status == 200
    assert (await server.request("PUT", f"{activities}/nope", json={})).status == 404
    assert (await server.request("DELETE", f"{activities}/{body['activityId']}")).status == 200
    (left,) = await history(server, "teams")
    assert left["text"] == "수정" and left["edited"] is True
    nobody = await server.post(base, json={"members": [{"id": "29:stranger"}]})
    assert nobody.status == 404


async def test_events_stream_pushes_messages_and_ends_on_shutdown(serve_playground: ServeFactory) -> None:
    server = await serve_playground()
    stream = await server.get(f"/playground/api/events?platform=teams&user={KIM.key}")
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    assert await asyncio.wait_for(stream.content.readline(), 5) == b": connected\n"
    await post_json(server, "/playground/api/teams/messages", {"user": KIM.key, "text": "ping"})
    await post_json(server, "/playground/api/teams/messages", {"user": GRACE.key, "text": "ping"})
    events: list[dict[str, Any]] = []
    while len(events) < 2:
        line = await asyncio.wait_for(stream.content.readline(), 10)
        if line.startswith(b"data: "):
            events.append(json.loads(line[6:]))
    assert [(e["type"], e["message"]["sender"]) for e in events] == [("message", "user"), ("message", "bot")]
    assert events[1]["message"]["text"].startswith("pong"), "and nothing of Grace's chat"
    reading = asyncio.ensure_future(stream.content.read())
    await asyncio.wait_for(server.stop(), 4)  # shutdown_timeout is 5 s: an open stream would hold it
    assert (await asyncio.wait_for(reading, 1)).strip() == b"", "the stream ended cleanly"


# --- Slack ------------------------------------------------------------------------------------------------


async def test_slack_help_then_show_example_updates_the_message(serve_playground: ServeFactory) -> None:
    server = await serve_playground()
    assert (await post_json(server, "/playground/api/slack/commands", {"user": KIM.key, "text": "help"}))[
        "status"
    ] == 200
    said, answer = await history(server, "slack")
    assert said["sender"] == "user" and said["text"] == "/chatops help"
    assert answer["conversation"] == slack_dm_channel(KIM) and answer["ephemeral"] is False
    validate_block_kit({"text": answer["text"], "blocks": answer["blocks"]})
    example = next(b for b in buttons(answer) if '"ping"' in b["value"])
    clicked = {
        "user": KIM.key,
        "channel": answer["conversation"],
        "ts": answer["id"],
        "actionId": example["action_id"],
    }
    assert (await post_json(server, "/playground/api/slack/actions", clicked))["status"] == 200
    (updated,) = [m for m in await history(server, "slack") if m["id"] == answer["id"]]
    assert updated["edited"] is True and "ping 예시" in json.dumps(updated["blocks"], ensure_ascii=False)
    validate_block_kit({"text": updated["text"], "blocks": updated["blocks"]})


async def test_slack_requests_are_signed_like_slack(serve_playground: ServeFactory) -> None:
    assert sign("secret", "a=b", 1700000000) == slack_signature("secret", "a=b", 1700000000)
    server = await serve_playground()
    await post_json(server, "/playground/api/slack/commands", {"user": GRACE.key, "text": "/chatops whoami"})
    answer = (await history(server, "slack", GRACE.key))[-1]
    assert "Who you are" in answer["text"] + json.dumps(answer["blocks"]), "users.info gave the en-US locale"
    assert slack_user_id(GRACE) in json.dumps(answer["blocks"])
    forged = await server.post(
        "/slack/events",
        data="command=/chatops&text=help",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            **slack_signature("not-the-secret", "x"),
        },
    )
    assert forged.status == 401, "the bot really checks the signature the playground makes"


async def test_slack_unknown_slash_command_is_refused_like_slack(serve_playground: ServeFactory) -> None:
    server = await serve_playground()
    result = await post_json(server, "/playground/api/slack/commands", {"user": KIM.key, "text": "/nope now"})
    assert result == {"status": 404}
    said, notice = await history(server, "slack")
    assert said["text"] == "/nope now" and notice["sender"] == "system" and "/nope" in notice["text"]


async def test_fake_web_api_wants_the_bot_token(serve_playground: ServeFactory) -> None:
    server = await serve_playground()
    token = server.settings.slack.bot_token.get_secret_value()
    wrong = await server.post("/playground/slack/api/chat.postMessage", json={"channel": "C1", "text": "x"})
    assert await wrong.json() == {"ok": False, "error": "invalid_auth"}
    auth = {"Authorization": f"Bearer {token}"}
    posted = await server.post(
        "/playground/slack/api/chat.postMessage", json={"channel": "C1", "text": "공지"}, headers=auth
    )
    assert (await posted.json())["ok"] is True
    assert [m["text"] for m in await history(server, "slack", GRACE.key)] == ["공지"], (
        "a channel: everyone sees it"
    )
    unknown = await server.post("/playground/slack/api/admin.apps.approve", json={}, headers=auth)
    assert (await unknown.json())["error"] == "unknown_method"
    found = await server.post(
        "/playground/slack/api/users.lookupByEmail", data={"email": GRACE.email}, headers=auth
    )
    assert (await found.json())["user"]["id"] == slack_user_id(GRACE)


async def test_response_url_replaces_deletes_and_adds(serve_playground: ServeFactory) -> None:
    server = await serve_playground()
    await post_json(server, "/playground/api/slack/commands", {"user": KIM.key, "text": "ping"})
    channel, answer = slack_dm_channel(KIM), (await history(server, "slack"))[-1]
    urls = server.state.response_urls

    def url(ts: str = "") -> str:
        return f"/playground/slack/response/{urls.issue(SlackOrigin(KIM.key, channel, ts, True))}"

    assert (
        await server.post(url(answer["id"]), json={"replace_original": True, "text": "바뀜"})
    ).status == 200
    assert (await history(server, "slack"))[-1]["text"] == "바뀜"
    await server.post(url(), json={"text": "새 메시지", "response_type": "ephemeral"})
    assert (await history(server, "slack"))[-1]["ephemeral"] is True
    await server.post(url(answer["id"]), json={"delete_original": "true"})
    assert answer["id"] not in [m["id"] for m in await history(server, "slack")]
    assert (await server.post("/playground/slack/response/forged", json={"text": "x"})).status == 404


async def test_slack_modal_submission_reaches_the_action(serve_playground: ServeFactory) -> None:
    server = await serve_playground()
    await post_json(server, "/playground/api/slack/commands", {"user": KIM.key, "text": "help"})
    channel, answer = slack_dm_channel(KIM), (await history(server, "slack"))[-1]
    stream = await server.get(f"/playground/api/events?platform=slack&user={KIM.key}")
    await asyncio.wait_for(stream.content.readline(), 5)
    # What the bot does for a button with inputs: views.open with the route in private_metadata.
    route = ModalRoute("help.example", {"command": "whoami"}, channel, answer["id"])
    button = Button("예시", "help.example", inputs=(TextInput("note", "메모", required=True),))
    view = render_input_modal(button, locale="ko", private_metadata=encode_route(route))
    trigger = server.state.triggers.issue(SlackOrigin(KIM.key, channel, answer["id"]))
    token = server.settings.slack.bot_token.get_secret_value()
    opened = await server.post(
        "/playground/slack/api/views.open",
        json={"trigger_id": trigger, "view": view},
        headers={"Authorization": f"Bearer {token}"},
    )
    view_id = (await opened.json())["view"]["id"]
    line = b""
    while not line.startswith(b"data: "):
        line = await asyncio.wait_for(stream.content.readline(), 5)
    assert json.loads(line[6:])["view"]["id"] == view_id, "the modal is pushed to the browser"
    stream.close()
    submitted = {"user": KIM.key, "viewId": view_id, "values": {"input:note": "메모입니다"}}
    assert await post_json(server, "/playground/api/slack/views", submitted) == {"status": 200, "errors": {}}
    (updated,) = [m for m in await history(server, "slack") if m["id"] == answer["id"]]
    assert "whoami" in json.dumps(updated["blocks"]), "the action ran and chat.update replaced the message"
    again = await server.post("/playground/api/slack/views", data=json.dumps(submitted), headers=JSON)
    assert again.status == 404, "a submitted view is gone"


async def test_slack_tab_is_off_for_a_real_slack(serve_playground: ServeFactory) -> None:
    real = {"bot_token": "xoxb-real", "signing_secret": "real-secret", "api_url": "http://127.0.0.1:9/api/"}
    server = await serve_playground(slack=real)
    config = await (await server.get("/playground/api/config")).json()
    assert config["platforms"]["slack"] == {"ready": False, "reason": "slack_real"}
    refused = await server.post(
        "/playground/api/slack/commands", data=json.dumps({"user": KIM.key, "text": "help"}), headers=JSON
    )
    assert refused.status == 409


async def test_a_picked_employee_is_linked_and_gets_proactive_approval_cards(
    serve_playground: ServeFactory,
) -> None:
    """Through the playground's own connector: the roster gives the email, the bot links the employee,
    and a new approval for them arrives in the page like any proactive message."""
    server = await serve_playground()
    head = "sua.ryu"  # 류수아, 영업2팀장 in the demo ERP
    await post_json(server, "/playground/api/teams/messages", {"user": head, "text": "whoami"})
    said_and_answer = await history(server, "teams", head)
    assert "2009002" in json.dumps(said_and_answer[-1], ensure_ascii=False), "linked by email"
    container = server.app[CONTAINER]
    backends = container.backends
    async with httpx.AsyncClient(
        base_url=backends.demo_erp_url, headers={"X-API-Key": backends.demo_erp_api_key}
    ) as http:
        created = (
            await http.post(
                "/v1/approvals",
                json={
                    "type": "expense",
                    "title": "플레이그라운드 경비",
                    "requester_employee_no": "2015003",
                    "amount": 50000,
                },
            )
        ).json()

    async def arrived() -> bool:
        return created["id"] in json.dumps(await history(server, "teams", head), ensure_ascii=False)

    for _ in range(100):
        if await arrived():
            break
        await asyncio.sleep(0.1)
    assert await arrived()
