"""The cache key of a Block Kit rendering (adapters/slack/render.py): the reply's text and its cards'
summaries and elements with exact types (adapters/rendered.py), and the locale. Left out on purpose:
`Reply.ephemeral` and the cards' Teams refresh fields (the Slack message does not depend on them)."""

from __future__ import annotations

from adapters.rendered import MAX_BYTES, BoundedLru, RenderKey, Unfit, elements_key, text
from adapters.rendered import RenderedCache as MessageCache
from adapters.rendered import RenderKey as MessageKey
from commands.cards import Card, Reply

__all__ = ["MAX_BYTES", "BoundedLru", "MessageCache", "MessageKey", "message_key"]


def message_key(reply: Reply, locale: str) -> RenderKey | None:
    """The cache key of `reply` rendered in `locale`, or None when the reply must not be cached."""
    try:
        if type(reply) is not Reply:
            raise Unfit
        return RenderKey((text(locale), text(reply.text), tuple(map(_card_key, reply.cards))))
    except (Unfit, TypeError, AttributeError):  # TypeError: something unhashable inside an element
        return None


def _card_key(card: Card) -> tuple[object, ...]:
    if type(card) is not Card:
        raise Unfit
    return (text(card.summary), elements_key(card))
