"""The event bus: fan-out by topic, publishing from other threads, slow subscribers dropped."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tsnvr.bus import EventBus, SubscriberOverflow
from tsnvr.live import LiveState


def test_fan_out_by_topic_in_order_from_threads():
    async def scenario() -> None:
        bus = EventBus()
        lpr = bus.subscribe(frozenset({"LPR"}), 100)
        both = bus.subscribe(frozenset({"LPR", "emergencyCall"}), 100)
        threads = [threading.Thread(target=bus.publish, args=("LPR", {"n": 1})),
                   threading.Thread(target=bus.publish, args=("emergencyCall", {"n": 2}))]
        for t in threads:
            t.start()
            t.join()
        bus.publish("LPR", {"n": 3})
        got_lpr = [await asyncio.wait_for(lpr.get(), 1) for _ in range(2)]
        got_both = [await asyncio.wait_for(both.get(), 1) for _ in range(3)]
        assert got_lpr == [("LPR", {"n": 1}), ("LPR", {"n": 3})]
        assert got_both == [("LPR", {"n": 1}), ("emergencyCall", {"n": 2}), ("LPR", {"n": 3})]
        assert lpr.queue.empty()
        lpr.close()
        both.close()
        assert bus.subscriber_count == 0

    asyncio.run(scenario())


def test_a_full_queue_drops_that_subscriber_only():
    async def scenario() -> None:
        bus = EventBus()
        slow = bus.subscribe(frozenset({"LPR"}), 3)
        fast = bus.subscribe(frozenset({"LPR"}), 1000)
        for n in range(10):
            bus.publish("LPR", {"n": n})
            await fast.get()
        with pytest.raises(SubscriberOverflow):
            await slow.get()
        assert bus.subscriber_count == 1

    asyncio.run(scenario())


def test_live_state_follows_events():
    live = LiveState()
    live("channelStatus", {"event": "statusChanged", "chid": 3, "status": {"code": 200}})
    live("recordingStatus", {"event": "statusChanged", "channel": [{"chid": 3, "streaming": True, "recording": True}]})
    live("motionChanges", {"updated": [{"chid": 3, "motion": True}]})
    assert live.channel_status(3) == 200
    assert live.channel_status(4) == -2
    assert live.recording_status(3) == {"streaming": True, "recording": True}
    assert live.motion() == {3: True}
    live("channelStatus", {"event": "channelRemoved", "chid": 3})
    assert live.channel_status(3) == -2 and live.motion() == {}
