"""Teams turns reuse the SDK's connector and user token clients (built once per serviceUrl / app id)
instead of building them on every turn, and every reply still reaches its own activity's serviceUrl."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

from adapters.teams.clients import ReusingBotFrameworkAuthentication
from adapters.teams.routes import BotFrameworkConfig
from tests.fixtures.bot import BotHarness
from tests.fixtures.platforms import FakeBotConnector

LOCAL = BotFrameworkConfig("", "", "MultiTenant", "")


def _activity(service_url: str) -> Activity:
    return Activity(
        type="message",
        channel_id="msteams",
        service_url=service_url,
        from_property=ChannelAccount(id="29:u"),
        recipient=ChannelAccount(id="28:bot"),
        conversation=ConversationAccount(id="a:1", conversation_type="personal", tenant_id="t"),
    )


async def test_connector_clients_are_kept_per_service_url_and_audience() -> None:
    auth = ReusingBotFrameworkAuthentication(LOCAL)
    first = await auth.authenticate_request(_activity("https://a.example/"), "")
    second = await auth.authenticate_request(_activity("https://a.example/"), "")
    a1 = await first.connector_factory.create("https://a.example/", first.audience)
    a2 = await second.connector_factory.create("https://a.example/", second.audience)
    b = await second.connector_factory.create("https://b.example/", second.audience)
    other_audience = await second.connector_factory.create("https://a.example/", "api://other")
    assert a1 is a2
    assert b is not a1 and b.config.base_url == "https://b.example/"
    assert other_audience is not a1
    assert a1.config.base_url == "https://a.example/"


async def test_user_token_clients_are_kept_per_app() -> None:
    auth = ReusingBotFrameworkAuthentication(LOCAL)
    result = await auth.authenticate_request(_activity("https://a.example/"), "")
    one = await auth.create_user_token_client(result.claims_identity)
    two = await auth.create_user_token_client(result.claims_identity)
    assert one is two


async def test_kept_clients_are_bounded() -> None:
    auth = ReusingBotFrameworkAuthentication(LOCAL, max_clients=2)
    result = await auth.authenticate_request(_activity("https://a.example/"), "")
    factory = result.connector_factory
    first = await factory.create("https://a.example/", None)
    for url in ("https://b.example/", "https://c.example/"):
        await factory.create(url, None)
    assert await factory.create("https://a.example/", None) is not first  # evicted, built again


@pytest.fixture
async def second_connector() -> AsyncIterator[FakeBotConnector]:
    fake = FakeBotConnector()
    fake.server = TestServer(fake.app)
    await fake.server.start_server()
    yield fake
    await fake.server.close()


async def test_replies_go_to_each_activitys_own_service_url(
    bot: BotHarness, second_connector: FakeBotConnector
) -> None:
    for _ in range(2):
        assert (await bot.teams_message("help")).status == 200
    assert (await bot.teams_message("help", serviceUrl=second_connector.url)).status == 200
    assert (await bot.teams_message("help")).status == 200
    assert len(bot.connector.activities()) == 3
    assert len(second_connector.activities()) == 1
    assert all("/v3/conversations/a:personal-1/activities" in c.path for c in second_connector.calls)
