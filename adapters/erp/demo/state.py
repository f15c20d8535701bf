"""What every demo ERP handler can reach: its database, clock, webhook sender and credentials."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from aiohttp import web

from adapters.erp.demo.db import DemoDb
from adapters.erp.demo.webhooks import WebhookSender
from commands.ports.clock import Clock

dumps = partial(json.dumps, ensure_ascii=False)


@dataclass
class DemoState:
    db: DemoDb
    clock: Clock
    webhooks: WebhookSender
    api_key: str | None
    oauth_clients: Mapping[str, str]
    token_ttl: timedelta
    tokens: dict[str, datetime] = field(default_factory=dict)  # bearer token -> expiry

    @property
    def open(self) -> bool:
        return not self.api_key and not self.oauth_clients


STATE = web.AppKey("demo_erp", DemoState)


def state(request: web.Request) -> DemoState:
    return request.app[STATE]
