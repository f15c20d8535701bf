"""Errors of the store, mapped into the core's single error root."""

from __future__ import annotations

from commands.errors import ChatOpsError


class DatabaseUnavailable(ChatOpsError):
    """The database cannot be reached or stayed locked/busy after a few retries."""

    key = "error.internal"
