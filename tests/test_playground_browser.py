"""The playground in headless Chromium: help, a card, a click that changes it, on Teams and on Slack.

Screenshots land in test-artifacts/playground-*.png. Skipped (with the reason) without a Chromium.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.browser import ARTIFACTS, ServeFactory

pytestmark = pytest.mark.browser
TIMEOUT_MS = 15_000


async def _connected(page: Any) -> None:
    await page.wait_for_selector("#status.on", timeout=TIMEOUT_MS)


async def _say(page: Any, text: str) -> None:
    await page.fill("#input", text)
    await page.press("#input", "Enter")


async def test_help_and_show_example_on_teams_then_slack(
    serve_playground: ServeFactory, chromium_page: Any
) -> None:
    from playwright.async_api import expect

    page = chromium_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    server = await serve_playground()
    await page.goto(f"{server.base_url}/playground?platform=teams&user=minjun.kim")
    await expect(page.locator(".users li.selected")).to_contain_text("김민준")
    await _connected(page)

    # Teams: an Adaptive Card rendered by the adaptivecards renderer, Action.Execute replaces it.
    await _say(page, "help")
    card = page.locator(".message.bot .ac-host").first
    await expect(card).to_contain_text("ChatOps 봇 도움말", timeout=TIMEOUT_MS)
    await expect(page.locator(".message.user")).to_contain_text("help")
    await page.screenshot(path=ARTIFACTS / "playground-teams-help.png")
    await card.locator(".ac-pushButton", has_text="예시 보기").nth(1).click()
    await expect(card).to_contain_text("ping 예시", timeout=TIMEOUT_MS)
    await expect(page.locator(".message.bot .edited")).to_be_visible()
    await page.screenshot(path=ARTIFACTS / "playground-teams-example.png")

    # Slack: a signed slash command, the Block Kit preview, a block_actions click and chat.update.
    await page.click("#tab-slack")
    await _connected(page)
    await expect(page.locator("#chat")).to_have_attribute("data-platform", "slack")
    await _say(page, "/chatops help")
    message = page.locator(".message.bot").first
    await expect(message.locator(".sk-header")).to_have_text("ChatOps 봇 도움말", timeout=TIMEOUT_MS)
    await page.screenshot(path=ARTIFACTS / "playground-slack-help.png")
    await message.locator(".sk-button", has_text="예시 보기").nth(1).click()
    await expect(message.locator(".sk-header")).to_have_text("ping 예시", timeout=TIMEOUT_MS)
    await expect(message.locator(".sk-button.primary")).to_have_text("도움말로 돌아가기")
    await page.screenshot(path=ARTIFACTS / "playground-slack-example.png")

    # An English-speaking employee gets English, and only their own conversation.
    await page.locator(".users li", has_text="Grace Yoon").click()
    await _connected(page)
    await expect(page.locator(".message")).to_have_count(0)
    await _say(page, "whoami")
    await expect(page.locator(".message.bot .sk-header")).to_have_text("Who you are", timeout=TIMEOUT_MS)
    await page.screenshot(path=ARTIFACTS / "playground-slack-whoami-en.png")
    assert errors == [], errors
