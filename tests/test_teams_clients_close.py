"""At shutdown the reply and token clients kept across Teams turns are closed and forgotten: the fake Bot
Connector sees the bot's keep-alive connection go away, and closing twice is fine."""

from __future__ import annotations

import asyncio
import gc

from botbuilder.schema import Activity

from adapters.teams.clients import ReusingBotFrameworkAuthentication
from adapters.teams.routes import BotFrameworkConfig
from tests.fixtures.bot import BotHarness
from tests.fixtures.platforms import FakeBotConnector
from tests.test_teams_clients import _activity

LOCAL = BotFrameworkConfig("", "", "MultiTenant", "")


def _open_connections(connector: FakeBotConnector) -> int:
    assert connector.server is not None and connector.server.runner is not None
    server = connector.server.runner.server
    assert server is not None
    return len(server.connections)


async def _connections_drop_to_zero(connector: FakeBotConnector) -> bool:
    """requests lets go of a closed session's sockets when its pools are collected, so collect first."""
    for _ in range(40):
        gc.collect()
        if _open_connections(connector) == 0:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_closing_the_app_closes_the_clients_a_teams_reply_used(bot: BotHarness) -> None:
    assert (await bot.teams_message("help")).status == 200
    assert len(bot.connector.activities()) == 1
    assert _open_connections(bot.connector) == 1  # the kept reply client's keep-alive connection
    endpoint = bot.container.teams
    await bot.client.close()  # the app's shutdown closes the container, and so the Teams endpoint
    assert await _connections_drop_to_zero(bot.connector)
    await endpoint.aclose()  # closing again, after shutdown, is fine
    await endpoint.aclose()


async def test_aclose_closes_kept_clients_even_while_someone_still_holds_one(
    fake_connector: FakeBotConnector,
) -> None:
    auth = ReusingBotFrameworkAuthentication(LOCAL)
    result = await auth.authenticate_request(_activity(fake_connector.url), "")
    client = await result.connector_factory.create(fake_connector.url, result.audience)
    await auth.create_user_token_client(result.claims_identity)
    await client.conversations.send_to_conversation("a:1", Activity(type="message", text="hi"))
    assert auth.kept == 2 and _open_connections(fake_connector) == 1

    await auth.aclose()

    assert auth.kept == 0
    assert await _connections_drop_to_zero(fake_connector)  # though `client` is still referenced here
    assert await result.connector_factory.create(fake_connector.url, result.audience) is not client
    await auth.aclose()
    await auth.aclose()
    assert auth.kept == 0
