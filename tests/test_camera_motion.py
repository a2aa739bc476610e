"""Camera motion: an ONVIF channel without an LPR zone reports motion on motionChanges from its
camera's own events (pull-point on the ONVIF simulator), subscribes again after the camera went away,
and logs tamper; MotionJoin joins decoded and camera motion as motion_source says."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from lxml import etree
from starlette.testclient import TestClient
from websockets.sync.client import ClientConnection, connect

from recorder.onvif.events import CameraEvent, PullPoint, classify, read_notification
from storage.clock import now_ms
from storage.events import ChannelMotion, Event, MotionChangesEvent
from storage.models import Channel
from tests.conftest import ADMIN_AUTH, ADMIN_PASSWORD, LiveServer, make_runtime, wait_until, write_settings
from tests.onvif_sim.server import OnvifSimulator
from tsnvr.camera_motion import MotionJoin

USER, PASSWORD = "cam", "s3cret"
TAMPER_TOPIC = "tns1:VideoSource/GlobalSceneChange/ImagingService"


def joined(source: str) -> tuple[MotionJoin, list[list[tuple[int, bool]]]]:
    published: list[list[tuple[int, bool]]] = []

    def publish(event: Event) -> None:
        assert isinstance(event, MotionChangesEvent)
        published.append([(m.chid, m.motion) for m in event.updated])

    return MotionJoin(publish, lambda: source), published


def test_topics_are_read_as_motion_tamper_or_nothing() -> None:
    assert classify("tns1:RuleEngine/CellMotionDetector/Motion") == ("motion", "IsMotion")
    assert classify("tns1:VideoSource/MotionAlarm") == ("motion", "State")
    assert classify("tns1:VideoSource/GlobalSceneChange/AnalyticsService") == ("tamper", "State")
    assert classify("tns1:VideoSource/ImageTooBlurry/ImagingService") == ("tamper", "State")
    assert classify("tns1:RuleEngine/TamperDetector/Tamper") == ("tamper", "IsTamper")
    assert classify("tns1:Device/Trigger/DigitalInput") is None
    assert classify("tns1:VideoSource/SignalLoss") is None


def test_a_message_zeep_left_as_xml_is_read_too() -> None:
    tt = "http://www.onvif.org/ver10/schema"
    message = etree.fromstring(
        f'<tt:Message xmlns:tt="{tt}" UtcTime="2026-12-06T08:00:00Z" PropertyOperation="Changed">'
        '<tt:Source><tt:SimpleItem Name="VideoSourceToken" Value="vs0"/></tt:Source>'
        '<tt:Data><tt:SimpleItem Name="State" Value="true"/></tt:Data></tt:Message>')
    notification = SimpleNamespace(Topic=SimpleNamespace(_value_1="tns1:VideoSource/MotionAlarm"),
                                   Message=SimpleNamespace(_value_1=message))
    assert read_notification(notification) == CameraEvent("motion", True, "tns1:VideoSource/MotionAlarm", False)
    other = SimpleNamespace(Topic=SimpleNamespace(_value_1="tns1:Device/Trigger/Relay"),
                            Message=SimpleNamespace(_value_1=message))
    assert read_notification(other) is None


def test_the_subscription_is_renewed_before_it_ends() -> None:
    async def scenario(sim: OnvifSimulator) -> list[CameraEvent]:
        events: list[CameraEvent] = []
        async with PullPoint.open(sim.url, USER, PASSWORD, termination=dt.timedelta(seconds=2)) as pull_point:
            deadline = asyncio.get_running_loop().time() + 2.5  # past the first termination time
            while asyncio.get_running_loop().time() < deadline:
                events += await pull_point.pull(0.5)
            sim.trigger_motion(True)
            events += await pull_point.pull(2)
        return events

    with OnvifSimulator(user=USER, password=PASSWORD) as sim:
        events = asyncio.run(scenario(sim))
        renewals = sim.calls_of("Renew")
        assert len(renewals) >= 2 and all(call.args["TerminationTime"] == "PT2S" for call in renewals)
        assert not [call for call in sim.calls if call.service == "pullpoint" and call.fault]  # never expired
        assert sim.subscriptions == {}  # unsubscribed
    motion = "tns1:RuleEngine/CellMotionDetector/Motion"
    tamper = "tns1:VideoSource/GlobalSceneChange/ImagingService"
    assert events == [CameraEvent("motion", False, motion, True), CameraEvent("tamper", False, tamper, True),
                      CameraEvent("motion", True, motion, False)]


def test_events_of_a_camera_over_https() -> None:
    async def scenario(sim: OnvifSimulator) -> list[CameraEvent]:
        async with PullPoint.open(sim.url, USER, PASSWORD) as pull_point:
            events = await pull_point.pull(0.5)  # the initial states
            sim.trigger_tamper(True)
            return events + await pull_point.pull(2)

    with OnvifSimulator(user=USER, password=PASSWORD, tls=True) as sim:
        events = asyncio.run(scenario(sim))
        assert sim.url.startswith("https://")
        assert sim.calls_of("CreatePullPointSubscription")[0].user == USER
    assert [(e.kind, e.active, e.initial) for e in events] == [
        ("motion", False, True), ("tamper", False, True), ("tamper", True, False)]


def test_both_is_motion_while_either_says_so() -> None:
    join, published = joined("both")
    join.decoded((ChannelMotion(1, True),))  # decoded changes go out as the worker gives them
    join.camera(2, True)
    join.camera(1, True)
    join.cycle()
    join.decoded((ChannelMotion(1, False),))  # the camera still sees motion on 1
    join.camera(1, False)
    join.cycle()
    assert published == [[(1, True)], [(2, True)], [(1, False)]]


def test_camera_and_decoded_each_ignore_the_other() -> None:
    camera, from_camera = joined("camera")
    decoded, from_decoded = joined("decoded")
    for join in (camera, decoded):
        join.decoded((ChannelMotion(1, True),))
        join.camera(2, True)
        join.cycle()
    assert from_camera == [[(2, True)]]
    assert from_decoded == [[(1, True)]]


def test_a_camera_motion_within_one_cycle_is_shown_for_one_and_a_removed_channel_is_forgotten() -> None:
    join, published = joined("camera")
    join.camera(3, True)
    join.camera(3, False)
    join.cycle()
    join.cycle()
    join.camera(4, True)
    join.cycle()
    join.forget(4)
    join.cycle()
    assert published == [[(3, True)], [(3, False)], [(4, True)]]


def test_decoded_subscribes_to_no_camera_until_motion_source_changes(data_dir: Path) -> None:
    write_settings(data_dir, lpr_enabled=False, motion_source="decoded")
    with OnvifSimulator(user=USER, password=PASSWORD) as sim:
        runtime = make_runtime(data_dir)
        with runtime.db.write() as s:
            s.add(Channel(chid=2, name="Door", type="onvif", source="rtsp://127.0.0.1:9/none", uid=USER,
                          password=PASSWORD, device_url=sim.url, created_ms=now_ms()))
        published: list[list[tuple[int, bool]]] = []
        runtime.bus.listen(lambda e: published.append([(m.chid, m.motion) for m in e.updated])
                           if isinstance(e, MotionChangesEvent) else None)
        with TestClient(runtime.app):
            wait_until(lambda: runtime.camera_motion.synced)
            assert runtime.camera_motion.watched == set()
            # what the analytics publish reaches the bus through the join
            runtime.analytics.publish(MotionChangesEvent((ChannelMotion(2, True),)))
            assert published == [[(2, True)]]

            write_settings(data_dir, lpr_enabled=False, motion_source="camera")
            wait_until(lambda: sim.calls_of("PullMessages"))
            assert runtime.camera_motion.watched == {2}
            wait_until(lambda: len(published) == 2)  # the next cycle
            assert published == [[(2, True)], [(2, False)]]  # decoded motion no longer counts
        assert [call.operation for call in sim.calls if call.service == "pullpoint"][-1] == "Unsubscribe"
    assert sim.calls_of("CreatePullPointSubscription")[0].user == USER


def next_motion(ws: ClientConnection, deadline_s: float = 15.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + deadline_s
    while True:
        message = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
        if message["topic"] == "motionChanges":
            return list(message["updated"])


def test_camera_motion_reaches_subscribers_and_the_subscription_is_made_again(data_dir: Path) -> None:
    write_settings(data_dir, lpr_enabled=False, reconnect_max_seconds=0.5)  # no zone, nothing decoded
    with OnvifSimulator(user=USER, password=PASSWORD) as sim:
        server = LiveServer(data_dir)
        try:
            body = {"name": "Yard", "source": "rtsp://127.0.0.1:9/none", "uid": USER, "password": PASSWORD,
                    "device": {"name": "Yard cam", "url": sim.url}}
            r = httpx.post(f"{server.url}/api/channel", auth=("admin", ADMIN_PASSWORD), json=body)
            assert r.status_code == 200 and r.json()["added"][0]["chid"] == 1
            url = f"ws://127.0.0.1:{server.port}/wsapi/subscribeEvents?topics=motionChanges&auth={quote(ADMIN_AUTH)}"
            with connect(url) as ws:
                assert json.loads(ws.recv(timeout=5))["topics"] == ["motionChanges"]
                assert json.loads(ws.recv(timeout=5))["updated"] in ([], [{"chid": 1, "motion": False}])
                wait_until(lambda: sim.calls_of("PullMessages"))  # subscribed and polling
                assert len(sim.calls_of("CreatePullPointSubscription")) == 1
                assert sim.calls_of("CreatePullPointSubscription")[0].user == USER

                sim.trigger_motion(True)
                assert next_motion(ws) == [{"chid": 1, "motion": True}]
                sim.trigger_motion(False)
                assert next_motion(ws) == [{"chid": 1, "motion": False}]

                sim.trigger_motion(True)
                assert next_motion(ws) == [{"chid": 1, "motion": True}]
                sim.stop()  # the camera goes away while it sees motion: no longer known to move
                assert next_motion(ws) == [{"chid": 1, "motion": False}]
                sim.start()  # back on the same port, still seeing motion: a new subscription says so
                assert next_motion(ws) == [{"chid": 1, "motion": True}]
                assert len(sim.calls_of("CreatePullPointSubscription")) == 2
                sim.trigger_motion(False)
                assert next_motion(ws) == [{"chid": 1, "motion": False}]

                sim.trigger_tamper(True)

                def tamper_rows() -> list[dict[str, Any]]:
                    found = httpx.get(f"{server.url}/api/find?what=eventLog&type=2",
                                      auth=("admin", ADMIN_PASSWORD)).json()["data"]
                    return [row for row in found if row["code"] == 6]

                rows = wait_until(tamper_rows)
                assert [(row["codeName"], row["param"]) for row in rows] == [
                    ("Camera tamper detected", {"chid": 1, "topic": quote(TAMPER_TOPIC, safe="")})]

                # the channel deleted: its subscription ends (Unsubscribe), and nothing more is said of it
                sim.trigger_motion(True)
                assert next_motion(ws) == [{"chid": 1, "motion": True}]
                before = set(sim.subscriptions)  # the first one too, left when the camera went away
                r = httpx.delete(f"{server.url}/api/channel/1", auth=("admin", ADMIN_PASSWORD))
                assert r.status_code == 200
                wait_until(lambda: [c.operation for c in sim.calls if c.service == "pullpoint"][-1] == "Unsubscribe")
                assert len(before) == 2 and set(sim.subscriptions) < before and len(sim.subscriptions) == 1
                sim.trigger_motion(False)
                time.sleep(1.5)  # a cycle and a half: no motionChanges for the deleted channel
                with pytest.raises(TimeoutError):
                    next_motion(ws, 0.1)
        finally:
            server.stop()
    assert "Traceback" not in server.log.read_text()
