"""The event bus: fan-out by topic, publishing from other threads, slow subscribers dropped."""

from __future__ import annotations

import asyncio
import threading

import pytest

from storage.events import (
    ChannelEvent,
    ChannelMotion,
    ChannelRecording,
    ChannelStatusEvent,
    EmergencyCallEvent,
    LprEvent,
    MotionChangesEvent,
    RecordingStatusEvent,
    SubscriberOverflow,
    Topic,
)
from tsnvr.bus import EventBus
from tsnvr.live import LiveState


def plate(n: int) -> LprEvent:
    return LprEvent(ts_ms=n, plate_no=f"P{n}", device_code="gate", device_name="Gate")


def call(n: int) -> EmergencyCallEvent:
    return EmergencyCallEvent(ts_ms=n, event="callStart", caller="0001", name="Stairs")


def test_fan_out_by_topic_in_order_from_threads():
    async def scenario() -> None:
        bus = EventBus()
        lpr = bus.subscribe(frozenset({Topic.LPR}), 100)
        both = bus.subscribe(frozenset({Topic.LPR, Topic.EMERGENCY_CALL}), 100)
        threads = [threading.Thread(target=bus.publish, args=(plate(1),)),
                   threading.Thread(target=bus.publish, args=(call(2),))]
        for t in threads:
            t.start()
            t.join()
        bus.publish(plate(3))
        got_lpr = [await asyncio.wait_for(lpr.get(), 1) for _ in range(2)]
        got_both = [await asyncio.wait_for(both.get(), 1) for _ in range(3)]
        assert got_lpr == [plate(1), plate(3)]
        assert got_both == [plate(1), call(2), plate(3)]
        assert lpr.queue.empty()
        lpr.close()
        both.close()
        assert bus.subscriber_count == 0

    asyncio.run(scenario())


def test_a_full_queue_drops_that_subscriber_only():
    async def scenario() -> None:
        bus = EventBus()
        slow = bus.subscribe(frozenset({Topic.LPR}), 3)
        fast = bus.subscribe(frozenset({Topic.LPR}), 1000)
        for n in range(10):
            bus.publish(plate(n))
            await fast.get()
        with pytest.raises(SubscriberOverflow):
            await slow.get()
        assert bus.subscriber_count == 1

    asyncio.run(scenario())


def test_live_state_follows_events():
    live = LiveState()
    live(ChannelStatusEvent(ChannelEvent.STATUS_CHANGED, 3, status=200))
    live(RecordingStatusEvent((ChannelRecording(3, streaming=True, recording=True),)))
    live(MotionChangesEvent((ChannelMotion(3, True),)))
    assert live.channel_status(3) == 200
    assert live.channel_status(4) == -2
    assert live.recording_status(3) == {"streaming": True, "recording": True}
    assert live.motion() == {3: True}
    live(ChannelStatusEvent(ChannelEvent.CHANNEL_REMOVED, 3))
    assert live.channel_status(3) == -2 and live.motion() == {}


def test_an_event_is_rendered_once_per_view_and_scheduled_once_per_loop():
    async def scenario() -> None:
        bus = EventBus()
        loop = asyncio.get_running_loop()
        scheduled: list[object] = []
        schedule = loop.call_soon_threadsafe

        def counting(callback, *args):
            scheduled.append(callback)
            return schedule(callback, *args)

        loop.call_soon_threadsafe = counting
        renders: list[str] = []

        def renderer(view: str):
            def render(event: object) -> str | None:
                renders.append(view)
                return f"{view}:{event.plate_no}" if isinstance(event, LprEvent) else None
            return render

        plain = [bus.subscribe_view(frozenset({Topic.LPR}), 10, "plain", renderer("plain")) for _ in range(100)]
        # a wider topic set with another view: rendered apart; an equal view would share
        calls = [bus.subscribe_view(frozenset({Topic.LPR, Topic.EMERGENCY_CALL}), 10, "calls", renderer("calls"))
                 for _ in range(3)]
        raw = bus.subscribe(frozenset({Topic.LPR}), 10)
        bus.publish(plate(1))
        got = [await asyncio.wait_for(s.get(), 1) for s in plain + calls]
        assert renders == ["plain", "calls"]
        assert len(scheduled) == 1
        assert got == ["plain:P1"] * 100 + ["calls:P1"] * 3
        assert all(m is got[0] for m in got[:100])  # the very same text for every subscriber of a view
        assert await asyncio.wait_for(raw.get(), 1) == plate(1)
        bus.publish(call(2))  # "calls" renders nothing for it: nothing queued
        bus.publish(plate(3))
        assert [await asyncio.wait_for(s.get(), 1) for s in calls] == ["calls:P3"] * 3
        assert renders == ["plain", "calls", "calls", "plain", "calls"]
        assert len(scheduled) == 3

    asyncio.run(scenario())


def test_a_view_that_fails_to_render_an_event_leaves_the_others_and_the_next_events():
    async def scenario() -> None:
        bus = EventBus()

        def fragile(event: object) -> str:
            assert isinstance(event, LprEvent)
            if event.plate_no == "P1":
                raise ValueError("malformed")
            return event.plate_no

        broken = bus.subscribe_view(frozenset({Topic.LPR}), 10, "fragile", fragile)
        sound = bus.subscribe_view(frozenset({Topic.LPR}), 10, "sound", lambda e: "ok")
        bus.publish(plate(1))
        bus.publish(plate(2))
        assert await asyncio.wait_for(broken.get(), 1) == "P2"
        assert [await asyncio.wait_for(sound.get(), 1) for _ in range(2)] == ["ok", "ok"]
        assert bus.subscriber_count == 2

    asyncio.run(scenario())


def test_a_closed_subscription_gets_nothing_more():
    async def scenario() -> None:
        bus = EventBus()
        renders: list[int] = []
        gone = bus.subscribe_view(frozenset({Topic.LPR}), 10, "v", lambda e: renders.append(1) or "x")
        bus.publish(plate(1))
        gone.close()  # before the loop ran the delivery
        await asyncio.sleep(0.01)
        assert gone.queue.empty() and renders == [] and bus.subscriber_count == 0

    asyncio.run(scenario())


def test_subscribers_with_a_backlog_take_turns_with_the_rest_of_the_loop():
    async def scenario() -> None:
        bus = EventBus()
        subs = {name: bus.subscribe_view(frozenset({Topic.LPR}), 10, name, lambda e: "m") for name in "ab"}
        for n in range(3):
            bus.publish(plate(n))
        await asyncio.sleep(0.01)  # delivered: each has a backlog of 3
        turns: list[str] = []

        async def reader(name: str) -> None:
            for _ in range(3):
                await subs[name].get()
                turns.append(name)

        async def other_work() -> None:  # e.g. answering a push
            turns.append("other")

        await asyncio.gather(reader("a"), reader("b"), other_work())
        # one message per subscriber per loop turn, other work in between: not a's three at once
        assert turns == ["other", "a", "b", "a", "b", "a", "b"]

    asyncio.run(scenario())
