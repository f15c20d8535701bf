"""The in-house ERP: the published contract (openapi.yaml), the httpx client implementing
commands.ports.erp.ErpPort, webhook signing, and an embedded demo ERP (adapters.erp.demo)."""

from pathlib import Path

from adapters.erp.auth import OAuthSettings
from adapters.erp.client import HttpErpClient
from adapters.erp.webhook import WebhookRejected, parse_webhook_event, sign_webhook, verify_webhook

CONTRACT_PATH = Path(__file__).resolve().parent / "openapi.yaml"

__all__ = [
    "CONTRACT_PATH",
    "HttpErpClient",
    "OAuthSettings",
    "WebhookRejected",
    "parse_webhook_event",
    "sign_webhook",
    "verify_webhook",
]
