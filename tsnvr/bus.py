"""The event bus: every event source publishes here, every subscriber reads from here.

What passes is storage.events' contract: a payload dataclass per topic (storage.events.Topic),
domain data that the web layer renders as TS-API JSON per subscriber (language, host, verbose).

`publish` may be called from any thread. Each subscriber has a bounded queue; one that falls
behind is dropped (its queue is replaced by a single overflow marker), never the publisher.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from storage.events import Event, SubscriberOverflow, Topic

Listener = Callable[[Event], None]

class Subscription:
    def __init__(self, bus: EventBus, topics: frozenset[Topic], queue_size: int) -> None:
        self.bus = bus
        self.topics = topics
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=queue_size)  # None: dropped
        self.overflowed = False

    def offer(self, event: Event) -> None:
        # Always through the loop's queue of callbacks, even from the loop's own thread, so that
        # events keep the order in which they were published whatever thread published them.
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._put, event)

    def _put(self, event: Event) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)
            self.bus.unsubscribe(self)

    async def get(self) -> Event:
        """The next event; SubscriberOverflow once this subscriber has been dropped."""
        item = await self.queue.get()
        if item is None:
            raise SubscriberOverflow()
        return item

    def close(self) -> None:
        self.bus.unsubscribe(self)


class EventBus:
    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def listen(self, listener: Listener) -> None:
        """Call `listener(event)` synchronously, in the publishing thread, for every event."""
        self._listeners.append(listener)

    def subscribe(self, topics: frozenset[Topic], queue_size: int) -> Subscription:
        """Must be called from the event loop that will read the subscription."""
        sub = Subscription(self, frozenset(topics), queue_size)
        with self._lock:
            self._subscriptions.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(sub)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscriptions)

    def publish(self, event: Event) -> None:
        for listener in self._listeners:
            listener(event)
        with self._lock:
            targets = [s for s in self._subscriptions if event.topic in s.topics]
        for sub in targets:
            sub.offer(event)
