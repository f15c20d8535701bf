"""What the playground's fake platforms received, per conversation, and the live feed to browsers.

A message is a plain JSON-able dict (the front end renders it as is):
  id, platform ("teams" | "slack"), conversation, audience (a user key, or "" for everyone),
  sender ("user" | "bot" | "system"), text, time, and per platform `attachments` (Teams) or
  `blocks` + `ephemeral` (Slack).
Every change is published as an event {"type": "message" | "update" | "delete" | "modal", ...}.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

Message = dict[str, Any]
Event = dict[str, Any]
MAX_PER_CONVERSATION = 200
MAX_CONVERSATIONS = 500
QUEUE_SIZE = 500


class Hub:
    def __init__(self) -> None:
        self._conversations: OrderedDict[tuple[str, str], OrderedDict[str, Message]] = OrderedDict()
        self._subscribers: set[asyncio.Queue[Event | None]] = set()
        self._seq = itertools.count(1)
        self.closed = False

    # --- transcript -------------------------------------------------------------------------------------

    def new_id(self) -> str:
        return f"{int(time.time())}.{next(self._seq):06d}"

    def add(self, message: Message) -> Message:
        message.setdefault("id", self.new_id())
        message.setdefault("time", datetime.now(UTC).isoformat(timespec="seconds"))
        message.setdefault("audience", "")
        message["seq"] = next(self._seq)
        key = (message["platform"], message["conversation"])
        messages = self._conversations.setdefault(key, OrderedDict())
        self._conversations.move_to_end(key)
        messages[message["id"]] = message
        while len(messages) > MAX_PER_CONVERSATION:
            messages.popitem(last=False)
        while len(self._conversations) > MAX_CONVERSATIONS:
            self._conversations.popitem(last=False)
        self.publish({"type": "message", "message": message})
        return message

    def find(self, platform: str, conversation: str, message_id: str) -> Message | None:
        messages = self._conversations.get((platform, conversation))
        return messages.get(message_id) if messages is not None else None

    def update(self, platform: str, conversation: str, message_id: str, **changes: Any) -> Message | None:
        message = self.find(platform, conversation, message_id)
        if message is None:
            return None
        message.update(changes, edited=True)
        self.publish({"type": "update", "message": message})
        return message

    def delete(self, platform: str, conversation: str, message_id: str) -> bool:
        messages = self._conversations.get((platform, conversation))
        message = messages.pop(message_id, None) if messages is not None else None
        if message is None:
            return False
        self.publish({"type": "delete", "message": message})
        return True

    def history(self, platform: str, audience: str, conversations: set[str]) -> list[Message]:
        """What `audience` sees: their `conversations` and every shared one, oldest first."""
        found = [
            m
            for (p, conversation), messages in self._conversations.items()
            if p == platform
            for m in messages.values()
            if (m["audience"] == audience and conversation in conversations) or m["audience"] == ""
        ]
        return sorted(found, key=lambda m: int(m["seq"]))

    # --- live feed --------------------------------------------------------------------------------------

    def publish(self, event: Event) -> None:
        for queue in list(self._subscribers):
            if queue.full():  # a stalled browser: end its feed rather than grow without bound
                self._subscribers.discard(queue)
                _end(queue)
            else:
                queue.put_nowait(event)

    def subscribe(self) -> asyncio.Queue[Event | None]:
        queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_SIZE)
        if self.closed:
            queue.put_nowait(None)
        else:
            self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event | None]) -> None:
        self._subscribers.discard(queue)

    def close(self) -> None:
        """End every live feed (called on shutdown, so open streams do not hold the server)."""
        self.closed = True
        for queue in list(self._subscribers):
            self._subscribers.discard(queue)
            _end(queue)


def _end(queue: asyncio.Queue[Event | None]) -> None:
    while queue.full():
        queue.get_nowait()
    queue.put_nowait(None)
