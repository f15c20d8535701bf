"""`chatops serve` start-up: the collector is off while modules load and back on, with the start-up
heap frozen, once the app is built."""

from __future__ import annotations

import gc

from bot.cli import _freeze_heap


async def test_the_collector_is_back_on_once_the_heap_is_frozen() -> None:
    gc.disable()  # as `chatops serve` starts
    try:
        await _freeze_heap(None)
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()
