"""Fan events out to any number of subscribers, each with its own bounded queue."""

from __future__ import annotations

from typing import Generic, TypeVar

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

T = TypeVar("T")


class Broadcast(Generic[T]):
    """Bounded queues give back-pressure: a subscriber that stops reading slows the producers
    (and so the processes whose pipes fill up) instead of growing memory."""

    def __init__(self) -> None:
        self._senders: list[MemoryObjectSendStream[T]] = []

    def subscribe(self, buffer: int = 64) -> MemoryObjectReceiveStream[T]:
        send, receive = anyio.create_memory_object_stream[T](buffer)
        self._senders.append(send)
        return receive

    async def publish(self, item: T) -> None:
        for sender in list(self._senders):
            try:
                await sender.send(item)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                # Two publishers can both find the same subscriber gone.
                if sender in self._senders:
                    self._senders.remove(sender)

    def close(self) -> None:
        for sender in self._senders:
            sender.close()
        self._senders.clear()
