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
