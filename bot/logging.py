"""loguru set-up: human or JSON lines, request ids, stdlib logging routed in, secrets redacted."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from loguru import logger

if TYPE_CHECKING:
    from loguru import Record

_TOKEN_PATTERNS = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}"
    r"|dooray-api\s+\S+|(?i:api[_-]?key)[\"'=:\s]+[A-Za-z0-9._-]{6,})"
)
HUMAN_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> <level>{level: <7}</level> "
    "<cyan>{extra[request_id]}</cyan> {name}: {message}"
)


class Redactor:
    """Replaces configured secret values and token-shaped strings with '***'."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return _TOKEN_PATTERNS.sub("***", text)


class _InterceptHandler(logging.Handler):
    """Routes stdlib logging (aiohttp, botbuilder, slack_bolt, sqlalchemy) into loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).log(level, "{}", record.getMessage())


def configure_logging(*, fmt: str = "human", level: str = "INFO", secrets: Iterable[str] = ()) -> Redactor:
    redact = Redactor(secrets)

    def patch(record: Record) -> None:
        record["message"] = redact(record["message"])
        record["extra"].setdefault("request_id", "-")
        if record["exception"] is not None:
            _, value, _ = record["exception"]
            if value is not None and value.args:
                value.args = tuple(redact(a) if isinstance(a, str) else a for a in value.args)

    logger.remove()
    logger.configure(patcher=patch, extra={"request_id": "-"})
    sink: Any = sys.stderr
    if fmt == "json":
        logger.add(sink, level=level, serialize=True, backtrace=False, diagnose=False)
    else:
        logger.add(sink, level=level, format=HUMAN_FORMAT, backtrace=False, diagnose=False)
    logging.basicConfig(handlers=[_InterceptHandler()], level=logging.INFO, force=True)
    for noisy in ("aiohttp.access", "msrest", "urllib3", "httpx", "httpcore", "apscheduler.executors"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return redact
