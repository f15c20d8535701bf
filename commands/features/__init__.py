"""One module per feature; each exposes `register(registry)`."""

from __future__ import annotations

from commands.features import approvals, basics, kpi, link, nudges
from commands.registry import Registry


def build_registry() -> Registry:
    """The registry of every command and action this product has."""
    registry = Registry()
    basics.register(registry)
    link.register(registry)
    approvals.register(registry)
    kpi.register(registry)
    nudges.register(registry)
    return registry
