"""The cache key of an Adaptive Card rendering (adapters/teams/render.py): the card's elements with
exact types (adapters/rendered.py), its refresh fields and the locale."""

from __future__ import annotations

from adapters.rendered import RenderedCache as CardCache
from adapters.rendered import RenderKey, Unfit, elements_key, text, text_dict
from commands.cards import Card

__all__ = ["CardCache", "card_key"]


def card_key(card: Card, locale: str) -> RenderKey | None:
    """The cache key of `card` rendered in `locale`, or None when the card must not be cached."""
    try:
        if type(card) is not Card:
            raise Unfit
        parts = (
            text(locale),
            elements_key(card),
            text(card.refresh_action),
            text_dict(card.refresh_values),
            tuple(text(u) for u in card.refresh_user_ids),
        )
        return RenderKey(parts)
    except (Unfit, TypeError, AttributeError):
        return None
