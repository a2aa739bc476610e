"""The event bus: every event source publishes here, every subscriber reads from here.

What passes is storage.events' contract: a payload dataclass per topic (storage.events.Topic),
domain data that the web layer renders as TS-API JSON per subscriber (language, host, verbose).

`publish` may be called from any thread and never waits for subscribers. Its cost grows with the
number of distinct views, not of subscribers: a subscription names its `view` (a hashable value;
subscriptions with equal views must render every event to the same message) and its `render`.
For each event the bus schedules one callback on each event loop that has subscribers of its
topic; there the event is rendered once per distinct view, and the same message is put in the
queue of every subscriber with that view.

Each subscriber has a bounded queue; one that falls behind is dropped (its queue is replaced by a
single overflow marker), never the publisher.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from storage.events import Event, SubscriberOverflow, Topic

log = logging.getLogger("tsnvr.bus")

Listener = Callable[[Event], None]
Message = TypeVar("Message")

RAW_EVENTS = object()  # the view of subscriptions that take the events themselves


def the_event(event: Event) -> Event:
    return event


class Subscription(Generic[Message]):
    def __init__(self, bus: EventBus, topics: frozenset[Topic], queue_size: int, view: Hashable,
                 render: Callable[[Event], Message | None]) -> None:
        self.bus = bus
        self.topics = topics
        self.view = view
        self.render = render
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Message | None] = asyncio.Queue(maxsize=queue_size)  # None: dropped
        self.overflowed = False
        self.closed = False

    def put(self, message: Message) -> None:
        """On the subscription's loop: queue a message, or drop this subscriber when it is full."""
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)
            self.bus.unsubscribe(self)

    async def get(self) -> Message:
        """The next message; SubscriberOverflow once this subscriber has been dropped."""
        if not self.queue.empty():
            # A backlog: a queued message is returned without yielding, and sending one does not
            # yield either, so without this a subscriber behind by k messages would hold the loop
            # for all k, and thousands of them would starve every request (POST /api/push too).
            # One message per subscriber per loop turn keeps a turn as short as one fan-out.
            await asyncio.sleep(0)
        item = await self.queue.get()
        if item is None:
            raise SubscriberOverflow()
        return item

    def close(self) -> None:
        self.closed = True
        self.bus.unsubscribe(self)


AnySubscription = Subscription[Any]


def deliver(event: Event, subscriptions: tuple[AnySubscription, ...]) -> None:
    """On the subscriptions' loop: render the event once per distinct view, queue it for each."""
    messages: dict[Hashable, Any] = {}
    for sub in subscriptions:
        if sub.closed or sub.overflowed:
            continue
        try:
            message = messages[sub.view]
        except KeyError:
            try:
                message = sub.render(event)
            except Exception:  # one malformed event must not end the subscriptions
                log.exception("event not rendered", extra={"fields": {"topic": event.topic}})
                message = None
            messages[sub.view] = message
        if message is not None:
            sub.put(message)


class EventBus:
    def __init__(self) -> None:
        # topic -> loop -> its subscriptions, in the order they subscribed (a dict as an ordered set)
        self._by_topic: dict[Topic, dict[asyncio.AbstractEventLoop, dict[AnySubscription, None]]] = {}
        self._subscriptions: set[AnySubscription] = set()
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def listen(self, listener: Listener) -> None:
        """Call `listener(event)` synchronously, in the publishing thread, for every event."""
        self._listeners.append(listener)

    def subscribe(self, topics: frozenset[Topic], queue_size: int) -> Subscription[Event]:
        """The events themselves. Must be called from the event loop that will read the subscription."""
        return self.subscribe_view(topics, queue_size, RAW_EVENTS, the_event)

    def subscribe_view(self, topics: frozenset[Topic], queue_size: int, view: Hashable,
                       render: Callable[[Event], Message | None]) -> Subscription[Message]:
        """Each event as `render` makes it for `view` (None: nothing to send), rendered once for all
        the subscriptions of an equal view. Must be called from the event loop that will read it."""
        sub = Subscription(self, frozenset(topics), queue_size, view, render)
        with self._lock:
            self._subscriptions.add(sub)
            for topic in sub.topics:
                self._by_topic.setdefault(topic, {}).setdefault(sub.loop, {})[sub] = None
        return sub

    def unsubscribe(self, sub: AnySubscription) -> None:
        with self._lock:
            self._subscriptions.discard(sub)
            for topic in sub.topics:
                loops = self._by_topic.get(topic, {})
                subs = loops.get(sub.loop)
                if subs is not None:
                    subs.pop(sub, None)
                    if not subs:
                        del loops[sub.loop]

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscriptions)

    def publish(self, event: Event) -> None:
        for listener in self._listeners:
            listener(event)
        # Scheduled under the lock, and always through the loop's queue of callbacks (even from the
        # loop's own thread), so that events keep the order in which they were published whatever
        # thread published them.
        with self._lock:
            for loop, subs in self._by_topic.get(event.topic, {}).items():
                if loop.is_closed():
                    continue
                try:
                    loop.call_soon_threadsafe(deliver, event, tuple(subs))
                except RuntimeError:  # the loop closed meanwhile: nobody is left to read
                    continue
