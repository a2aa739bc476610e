"""The LPR worker on live video: the demo street clip, played by the test RTSP server into a
channel with an LPR zone, puts the car's plate in the plate log with the right time range and
images, on the LPR WebSocket with the guide's keys, into the parking count, and motion into
motionChanges; with its weights missing the channel still records. People and a bus in a street
photo become object-log rows and `object` events."""

from __future__ import annotations

import json
import time

import cv2
import numpy as np
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from lpr.config import LprConfig
from lpr.pipeline import LprEngine
from lpr.worker import AnalyticsWorker, ChannelPlan
from lpr.zones import Zone
from recorder.frames import SampledFrame
from storage.clock import now_ms
from storage.events import ChannelMotion, Event, LprEvent, MotionChangesEvent, ObjectEvent
from storage.models import Channel, PlateRead
from storage.objects import COLORS
from tests.conftest import ADMIN_AUTH, make_runtime, wait_until, write_settings
from tests.needs import BUS_PHOTO, MODEL_CACHE, needs_bus_photo, needs_rtsp
from tests.rtsp_server import RtspServerProcess
from tsnvr import demo
from web.core.timefmt import parse

LPR_KEYS = ["timestamp", "chid", "deviceCode", "deviceName", "linkedChannel", "image", "plateNo", "score", "roi",
            "timeBegin", "topic", "parkingLot", "direction"]
DEMO_ENTRY = "down"  # the demo car drives towards the camera
# the plate is wholly in the picture in these frames of the clip
VISIBLE = [i for i in range(demo.FRAMES) if demo.plate_box(i) is not None]


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Of two (left, top, right, bottom) boxes."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union


@pytest.fixture(scope="module")
def street_clip(tmp_path_factory: pytest.TempPathFactory):
    return demo.make_demo_clip(tmp_path_factory.mktemp("clip") / "street.mp4")


def zone_settings(data_dir, **extra: object) -> None:
    write_settings(
        data_dir, segment_seconds=4.0, lpr_fps=5.0, lpr_cache_dir=str(MODEL_CACHE),
        parking_lot=[{"id": 1, "name": "Yard", "type": "counter", "max_count": 10}],
        lpr_device=[{"id": 2, "code": "1-1-1", "name": "Street gate", "linked_channels": [1],
                     "parking_entrance": 1,
                     "zone": {"id": 0, "chid": 1, "rect": list(demo.DEMO_ZONE_RECT), "mode": "driving",
                              "entry": DEMO_ENTRY}}],
        **extra)


def receive_until(ws, topic: str, deadline: float, seen: list[dict]) -> tuple[dict, float]:
    while time.monotonic() < deadline:
        message = json.loads(ws.receive_text())
        seen.append(message)
        if message.get("topic") == topic:
            return message, time.time()
    raise AssertionError(f"no {topic} event")


@needs_rtsp
def test_a_passing_car_is_logged_once_with_its_plate_images_and_events(data_dir, street_clip):
    zone_settings(data_dir, lpr_channels=[])
    with RtspServerProcess(file=street_clip) as server:
        runtime = make_runtime(data_dir)
        with runtime.db.write() as s:
            s.add(Channel(chid=1, name="Street", type="rtsp", source=server.url("file"), created_ms=now_ms()))
        with TestClient(runtime.app) as client:
            url = f"/wsapi/subscribeEvents?topics=LPR,parkingCount,motionChanges&auth={ADMIN_AUTH}"
            with client.websocket_connect(url) as ws:
                assert json.loads(ws.receive_text())["topics"] == ["LPR", "parkingCount", "motionChanges"]
                deadline, seen = time.monotonic() + 60, []
                event, arrived = receive_until(ws, "LPR", deadline, seen)
                counted, _ = receive_until(ws, "parkingCount", deadline, seen)
            assert list(event) == LPR_KEYS
            assert event["plateNo"] == "DEMO123"
            assert (event["deviceCode"], event["deviceName"], event["topic"]) == ("1-1-1", "Street gate", "LPR")
            assert event["chid"]["chid"] == 1 and event["chid"]["title"] == "Street"
            assert [c["chid"] for c in event["linkedChannel"]] == [1]
            assert (event["parkingLot"], event["direction"]) == ({"entrance": 1}, "entry")
            assert 60 <= event["score"] <= 100
            x, y = event["roi"]["offset"]
            w, h = event["roi"]["size"]
            # the plate of one of the frames the plate was wholly in, where the generator drew it
            assert max(iou((x, y, x + w, y + h), demo.plate_box(i)) for i in VISIBLE) >= 0.6
            image = client.get(event["image"].replace("http://testserver", "") + f"?auth={ADMIN_AUTH}")
            assert image.status_code == 200 and image.content[:3] == b"\xff\xd8\xff"
            assert client.get(event["image"].replace("http://testserver", "")).status_code == 401
            assert counted["updated"] == [{"id": 1, "name": "Yard", "type": "counter", "count": 1, "maxCount": 10}]

            found = client.get(f"/api/find?what=carNo&auth={ADMIN_AUTH}").json()
            assert found["totalCount"] == 1
            row = found["data"][0]
            assert (row["plateNo"], row["srcCode"], row["direction"]) == ("DEMO123", "1-1-1", "entry")
            first, last = (parse(t, runtime.services.tz).ms for t in row["timeRange"])
            seen_s = (last - first) / 1000
            visible_s = len(VISIBLE) / demo.FPS
            # read over more than a second of the car's approach, never longer than its plate was in view
            assert 1.0 <= seen_s <= visible_s + 0.5
            assert row["timeRange"][0] == event["timeBegin"] and row["timeRange"][1] == event["timestamp"]
            # the plate's event came within a second of its last sighting (plus the track's gap)
            assert arrived * 1000 - last <= 1000 * (0.6 + 1.0)
            assert len(row["image"]) == 2
            frame = client.get(row["image"][1].replace("http://testserver", "") + f"?auth={ADMIN_AUTH}")
            assert frame.status_code == 200 and frame.content[:3] == b"\xff\xd8\xff"
            assert [v["chid"] for v in row["vod"]] == [1]
            # motion: the current state first, then the car's arrival, on the one-second cycle
            motion = [m["updated"] for m in seen if m.get("topic") == "motionChanges"]
            assert [c["chid"] for c in motion[0]] == [1] and [{"chid": 1, "motion": True}] in motion[1:]


@needs_rtsp
def test_missing_weights_are_named_and_recording_goes_on(data_dir, street_clip):
    missing = data_dir / "no-such-plates.onnx"
    zone_settings(data_dir, lpr_plate_model=str(missing))
    with RtspServerProcess(file=street_clip) as server:
        runtime = make_runtime(data_dir)
        with runtime.db.write() as s:
            s.add(Channel(chid=1, name="Street", type="rtsp", source=server.url("file"), created_ms=now_ms()))
        with TestClient(runtime.app) as client:
            def recording():
                body = client.get(f"/api/status?recordingStatus&auth={ADMIN_AUTH}").json()
                return body and body[0]["recordingStatus"]["recording"]

            assert wait_until(recording)
            error = wait_until(lambda: runtime.analytics.worker.model_error)
            assert error == f"setting lpr_plate_model ({missing}): no such file"



def ready_engine() -> LprEngine:
    """An engine with its models loaded: the worker drops the frames offered while it loads them, and these
    tests offer a few frames at the pace of a camera."""
    engine = LprEngine(LprConfig(cache_dir=str(MODEL_CACHE)))
    engine.load(objects=True)
    return engine

@needs_bus_photo
def test_people_and_a_bus_become_object_rows_and_events(data_dir):
    assert BUS_PHOTO is not None, "ultralytics/assets/bus.jpg is not installed"
    photo = cv2.imread(str(BUS_PHOTO))
    runtime = make_runtime(data_dir)
    worker = AnalyticsWorker(ready_engine(), runtime.db, data_dir,
                             runtime.bus.publish, lambda: [])
    worker.configure([ChannelPlan(4, (), objects=True)])
    with TestClient(runtime.app) as client:
        with client.websocket_connect(f"/wsapi/subscribeEvents?topics=object&objectType=vehicle"
                                      f"&auth={ADMIN_AUTH}") as ws:
            assert json.loads(ws.receive_text())["topics"] == ["object"]
            worker.start()
            try:
                for k in range(5):  # the camera pans a little: motion, and the same objects frame after frame
                    worker.offer(4, time.time() * 1000, np.ascontiguousarray(np.roll(photo, 6 * k, axis=1)))
                    time.sleep(0.4)
                event = json.loads(ws.receive_text())
            finally:
                worker.stop()
        assert list(event) == ["timestamp", "chid", "objId", "type", "likelihood", "attributes", "image", "topic"]
        assert (event["chid"], event["type"], event["attributes"]["vehicleType"]) == (4, "vehicle", "bus")
        assert set(event["attributes"]) <= {"vehicleType", "colors"} and 35 <= event["likelihood"] <= 100
        image = client.get(event["image"].replace("http://testserver", "") + f"?auth={ADMIN_AUTH}")
        assert image.status_code == 200 and image.content[:3] == b"\xff\xd8\xff"

        people = client.get(f"/api/find?what=object&objectType=human&auth={ADMIN_AUTH}").json()
        assert people["totalCount"] >= 3
        ids = [p["objId"] for p in people["data"]]
        assert len(set(ids)) == len(ids) and event["objId"] not in ids
        for person in people["data"]:
            assert set(person["attributes"]) <= {"clothes"}
            for clothes in person["attributes"].get("clothes", []):
                assert clothes["type"] in ("tops", "bottoms") and set(clothes["colors"]) <= set(COLORS)
        vehicles = client.get(f"/api/find?what=object&objectType=vehicle&auth={ADMIN_AUTH}").json()
        assert [v["objId"] for v in vehicles["data"]] == [event["objId"]]


def test_an_unknown_plate_region_is_named_and_the_server_keeps_serving(data_dir):
    zone_settings(data_dir, lpr_regions=["BR", "XX"])
    runtime = make_runtime(data_dir)
    with TestClient(runtime.app) as client:
        assert client.get(f"/api/status?auth={ADMIN_AUTH}").status_code == 200
        assert runtime.analytics.worker is None
        assert runtime.analytics.error.startswith("setting lpr_regions: unknown plate region 'XX' (known: ")
        write_settings(data_dir, lpr_regions=["BR"], lpr_plate_patterns=["LLL NNNN", "Q"])
        runtime.reload_settings()
        assert runtime.analytics.error == "setting lpr_plate_patterns: plate format 'Q': 'Q' is not L, N, H, A, " \
                                          "a [...] set of letters and digits or a {m,n} count"
        write_settings(data_dir, lpr_plate_patterns=[])
        runtime.reload_settings()
        assert runtime.analytics.error is None and runtime.analytics.worker is not None


def test_a_car_in_a_parking_zone_is_logged_once_parked_and_its_row_ends_when_it_leaves(data_dir):
    runtime = make_runtime(data_dir)
    events: list[tuple[str, Event]] = []
    worker = AnalyticsWorker(ready_engine(), runtime.db, data_dir,
                             lambda event: events.append((event.topic, event)), lambda: [])
    bay = Zone(device_id=3, code="bay-7", name="Bay 7", chid=2, rect=(0, 0, 7680, 4320), mode="parking",
               entry="down", linked=(2,), parking_entrance=1, parking_exit=None)
    worker.configure([ChannelPlan(2, (bay,), objects=False)])
    frames = {i: demo.render_frame(i).to_ndarray(format="bgr24") for i in (0, *range(100, 185, 5))}
    worker.start()
    try:
        def show(index: int, seconds: float) -> None:
            for _ in range(round(seconds * 5)):
                worker.offer(2, time.time() * 1000, frames[index])
                time.sleep(0.2)

        for i in range(100, 185, 5):  # drives in
            show(i, 0.2)
        show(180, 6.0)  # parks: logged while it stands there
        lpr = [e for _, e in events if isinstance(e, LprEvent)]
        assert [(e.plate_no, e.device_code, e.direction, e.parking_entrance) for e in lpr] == [
            ("DEMO123", "bay-7", None, None)]
        assert lpr[0].ts_ms - lpr[0].begin_ms >= 5000
        show(0, 3.0)  # leaves
    finally:
        worker.stop()
    assert [topic for topic, _ in events if topic in ("LPR", "parkingCount")] == ["LPR"]
    with runtime.db.read() as s:
        [row] = s.exec(select(PlateRead)).all()
    assert row.plate_no == "DEMO123" and row.begin_ms == lpr[0].begin_ms and row.end_ms > lpr[0].ts_ms


@needs_bus_photo
def test_people_standing_still_keep_their_object_ids(data_dir):
    """Without motion the worker looks every two seconds; the people it keeps seeing stay the same
    objects, so when the camera moves again nobody is reported a second time."""
    photo = cv2.imread(str(BUS_PHOTO))
    runtime = make_runtime(data_dir)
    events: list[ObjectEvent] = []
    worker = AnalyticsWorker(ready_engine(), runtime.db, data_dir,
                             lambda event: events.append(event) if isinstance(event, ObjectEvent) else None,
                             lambda: [])
    worker.configure([ChannelPlan(5, (), objects=True)])

    def pan(start: int) -> None:
        for k in range(start, start + 4):
            worker.offer(5, time.time() * 1000, np.ascontiguousarray(np.roll(photo, 6 * k, axis=1)))
            time.sleep(0.3)

    worker.start()
    try:
        pan(0)
        wait_until(lambda: len(events) >= 4)
        time.sleep(1)
        reported = len(events)
        still = np.ascontiguousarray(np.roll(photo, 18, axis=1))
        for _ in range(35):  # 7 s of a still picture: looked at every 2 s once the motion has settled
            worker.offer(5, time.time() * 1000, still)
            time.sleep(0.2)
        pan(3)
        time.sleep(1)
    finally:
        worker.stop()
    assert len(events) == reported
    assert len({e.obj_id for e in events}) == len(events)


def test_a_car_still_in_view_when_analysis_stops_is_logged(data_dir):
    zone_settings(data_dir, lpr_objects=False)
    runtime = make_runtime(data_dir)
    analytics = runtime.analytics
    analytics.apply(runtime.settings)
    frames = [demo.render_frame(i).to_ndarray(format="bgr24") for i in range(100, 160, 5)]
    try:
        for image in frames:  # the car approaches; the server stops before it has left
            analytics._on_frame(SampledFrame(1, time.time() * 1000, image, image.shape[1], image.shape[0]))
            time.sleep(0.2)
        wait_until(lambda: analytics.worker._channels[1].plates.open)
    finally:
        analytics.stop()
    with runtime.db.read() as s:
        assert [row.plate_no for row in s.exec(select(PlateRead))] == ["DEMO123"]


def test_motion_changes_carry_changes_only(data_dir):
    """A still channel sends nothing (subscribers start out told "no motion"); a moving one sends true,
    then false when it settles, each once."""
    runtime = make_runtime(data_dir)
    events: list[MotionChangesEvent] = []
    worker = AnalyticsWorker(ready_engine(), runtime.db, data_dir,
                             lambda event: events.append(event) if isinstance(event, MotionChangesEvent) else None,
                             lambda: [])
    worker.configure([ChannelPlan(6, (), objects=False)])
    still, moved = (demo.render_frame(i).to_ndarray(format="bgr24") for i in (0, 150))
    worker.start()
    try:
        for image in [still] * 12 + [moved, still] * 3 + [still] * 30:
            worker.offer(6, time.time() * 1000, image)
            time.sleep(0.1)
    finally:
        worker.stop()
    assert [e.updated for e in events] == [(ChannelMotion(6, True),), (ChannelMotion(6, False),)]
