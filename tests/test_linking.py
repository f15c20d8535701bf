"""Identity linking: automatic by the platform's email, manual with confirmation, unlink, whoami."""

from __future__ import annotations

import json

from commands.cards import Reply
from commands.context import CommandContext, require_employee
from commands.invocation import Platform
from tests.fixtures.bot import BotFactory, BotHarness
from tests.fixtures.platforms import eventually
from tests.fixtures.schemas import validate_adaptive_card, validate_block_kit

CEO_EMAIL = "seojun.kang@hanbit.example"


def _card_text(activity: dict) -> str:
    return json.dumps([a["content"] for a in activity.get("attachments") or []], ensure_ascii=False)


async def test_slack_user_is_linked_automatically_by_email(bot: BotHarness) -> None:
    bot.slack.users["U7"] = {
        "id": "U7",
        "locale": "ko-KR",
        "profile": {"email": CEO_EMAIL, "real_name": "강서준"},
    }
    body = await (await bot.slack_command("whoami", user="U7")).json()
    validate_block_kit(body)
    text = json.dumps(body, ensure_ascii=False)
    assert "강서준 (1998001" in text
    user = await bot.container.services.identities.get(Platform.SLACK, "T1", "U7")
    assert user is not None and user.employee_no == "1998001" and user.link_method == "email"


async def test_teams_user_is_linked_from_roster_email(bot: BotHarness) -> None:
    bot.connector.members["29:user-1"] = {"id": "29:user-1", "name": "강서준", "email": CEO_EMAIL}
    await bot.teams_message("whoami")
    assert "1998001" in _card_text(bot.connector.activities()[-1])
    # the roster is asked once; later commands use the stored link
    await bot.teams_message("whoami")
    roster_calls = [c for c in bot.connector.calls if c.method == "GET" and "/members/" in c.path]
    assert len(roster_calls) == 1


async def test_unmatched_email_stays_unlinked(bot: BotHarness) -> None:
    bot.slack.users["U8"] = {"id": "U8", "locale": "en-US", "profile": {"email": "nobody@else.example"}}
    body = await (await bot.slack_command("whoami", user="U8")).json()
    assert "Not linked" in json.dumps(body)


async def test_manual_link_needs_matching_email(bot: BotHarness) -> None:
    bot.slack.users["U9"] = {"id": "U9", "locale": "en-US", "profile": {"email": "someone@else.example"}}
    body = await (await bot.slack_command("link 1998001", user="U9")).json()
    validate_block_kit(body)
    confirm = next(
        e
        for b in body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if "link.confirm" in e["action_id"]
    )
    await bot.slack_click({**confirm, "block_id": "b", "action_ts": "1"}, user="U9", ephemeral=True)
    responses = await eventually(bot.slack.responses)
    assert "differs" in json.dumps(responses[-1])
    user = await bot.container.services.identities.get(Platform.SLACK, "T1", "U9")
    assert user is not None and not user.employee_no


async def test_manual_link_confirmed_on_teams_when_demo_allows(make_bot: BotFactory) -> None:
    bot = await make_bot(link={"require_email_match": False})
    await bot.teams_message("link seojun.kang@hanbit.example", locale="en-US")
    card = bot.connector.activities()[-1]["attachments"][0]["content"]
    validate_adaptive_card(card)
    action = next(
        a
        for s in card["body"]
        if s["type"] == "ActionSet"
        for a in s["actions"]
        if a["verb"] == "link.confirm"
    )
    data = {k: v for k, v in action["data"].items() if k != "action"}
    response = await bot.teams_execute("link.confirm", data, locale="en-US")
    body = await response.json()
    assert "You are now linked to 강서준" in json.dumps(body, ensure_ascii=False)
    user = await bot.container.services.identities.get(Platform.TEAMS, "tenant-1", "29:user-1")
    assert user is not None and user.employee_no == "1998001" and user.link_method == "manual"
    # someone else clicking the same confirmation changes nothing
    other = await bot.teams_execute(
        "link.confirm",
        {"employee_no": "1998001", "user": "29:user-1"},
        locale="en-US",
        **{"from": {"id": "29:other", "name": "x"}},
    )
    assert "someone else" in json.dumps(await other.json())
    other_user = await bot.container.services.identities.get(Platform.TEAMS, "tenant-1", "29:other")
    assert other_user is None or not other_user.employee_no
    await bot.teams_message("unlink", locale="en-US")
    assert "removed" in bot.connector.activities()[-1]["text"]
    user = await bot.container.services.identities.get(Platform.TEAMS, "tenant-1", "29:user-1")
    assert user is not None and not user.employee_no


async def test_link_unknown_employee_gives_usage(bot: BotHarness) -> None:
    body = await (await bot.slack_command("link 0000000")).json()
    assert "0000000" in json.dumps(body, ensure_ascii=False)


async def test_unlinked_user_is_told_how_to_link(bot: BotHarness) -> None:
    async def needs_identity(ctx: CommandContext) -> Reply:
        require_employee(ctx)
        return Reply(text="ok")

    bot.container.services.registry.command("needsid", needs_identity, example="needsid")
    body = await (await bot.slack_command("needsid", user="U5")).json()
    assert "link" in body["text"] and "연결" in body["text"]
