"""ONVIF channels: a channel added through POST /api/channel with a device URL records from the
stream URI its camera gives over ONVIF (the ONVIF device simulator, tests/onvif_sim, whose profiles
point at the GStreamer RTSP test server), not from the source stored with it; after a failure the
camera is asked again, so a stream that moved (an address change) is followed and announced
(channelStatus videoSrcModified); a camera that cannot be asked leaves the last URI it gave (or the
stored source); with `substream`, analytics decode the sub stream."""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import av
from sqlmodel import select
from starlette.testclient import TestClient

from recorder.onvif.streams import OnvifStreams, StreamUris
from recorder.source import ChannelSource
from storage.events import ChannelEvent, ChannelStatusEvent
from storage.models import Segment
from tests.conftest import ADMIN_AUTH, free_port, make_runtime, wait_until, write_settings
from tests.needs import needs_rtsp
from tests.onvif_sim.server import OnvifSimulator
from tests.rtsp_server import RtspServerProcess, make_h264_clip

USER, PASSWORD = "cam", "s3cret"


def segment_sizes(runtime: Any, chid: int = 1) -> list[tuple[int, int]]:
    with runtime.db.read() as s:
        rows = s.exec(select(Segment).where(Segment.chid == chid).order_by(Segment.begin_ms)).all()
    return [(row.width, row.height) for row in rows]


@needs_rtsp
def test_an_onvif_channel_records_from_the_stream_uri_its_camera_gives(data_dir: Path, tmp_path: Path) -> None:
    write_settings(data_dir, segment_seconds=1.0, reconnect_max_seconds=0.5, lpr_enabled=False)
    first = make_h264_clip(tmp_path / "first.mp4", width=640, height=360, seconds=8.0)
    moved = make_h264_clip(tmp_path / "moved.mp4", width=320, height=240, seconds=8.0)
    nowhere = f"rtsp://127.0.0.1:{free_port()}/stream1"  # the source stored with the channel: unused
    with RtspServerProcess(file=first, user=USER, password=PASSWORD) as server, \
            RtspServerProcess(file=moved, user=USER, password=PASSWORD) as other, \
            OnvifSimulator(rtsp_main=server.url("file"), rtsp_sub=server.url("live"), user=USER,
                           password=PASSWORD) as sim:
        runtime = make_runtime(data_dir)
        events: list[ChannelStatusEvent] = []
        runtime.bus.listen(lambda e: events.append(e) if isinstance(e, ChannelStatusEvent) else None)
        with TestClient(runtime.app) as client:
            body = {"name": "Gate", "source": nowhere, "uid": USER, "password": PASSWORD,
                    "device": {"name": "Gate cam", "url": sim.url}}
            r = client.post(f"/api/channel?auth={ADMIN_AUTH}", content=json.dumps(body).encode(),
                            headers={"content-type": "application/json"})
            assert r.status_code == 200 and r.json()["added"][0]["type"] == "onvif"

            wait_until(lambda: (640, 360) in segment_sizes(runtime))
            asked = sim.calls_of("GetStreamUri")
            assert [(c.args["ProfileToken"], c.user) for c in asked[:2]] == [("main", USER), ("sub", USER)]
            capture = runtime.recorder.capture(1)
            assert capture is not None and capture.onvif is not None
            assert capture.onvif.uris is not None
            assert (capture.onvif.uris.main, capture.onvif.uris.sub) == (server.url("file"), server.url("live"))
            assert not any(e.event == ChannelEvent.VIDEO_SRC_MODIFIED for e in events)

            # The camera's stream moves (as after a reboot with a new address) and the old one ends.
            sim.set_stream_uri("main", other.url("file"))
            server.stop()
            wait_until(lambda: (320, 240) in segment_sizes(runtime))
            assert capture.onvif.uris.main == other.url("file")
            assert [e.chid for e in events if e.event == ChannelEvent.VIDEO_SRC_MODIFIED] == [1]


@contextlib.contextmanager
def camera_with_a_sub_stream(tmp_path: Path) -> Iterator[tuple[RtspServerProcess, OnvifSimulator]]:
    """An ONVIF camera whose main profile streams 640x360 (the `file` mount) and its sub profile 320x240
    (`live`)."""
    clip = make_h264_clip(tmp_path / "main.mp4", width=640, height=360, seconds=8.0)
    with RtspServerProcess(file=clip, user=USER, password=PASSWORD,
                           extra_args=("--width", "320", "--height", "240")) as server, \
            OnvifSimulator(rtsp_main=server.url("file"), rtsp_sub=server.url("live"), user=USER,
                           password=PASSWORD) as sim:
        yield server, sim


@needs_rtsp
def test_analytics_read_the_sub_stream_when_substream_is_on(data_dir: Path, tmp_path: Path) -> None:
    write_settings(data_dir, segment_seconds=1.0, lpr_enabled=False)
    with camera_with_a_sub_stream(tmp_path) as (server, sim):
        runtime = make_runtime(data_dir)
        sizes: dict[int, set[tuple[int, int]]] = {1: set(), 2: set()}
        for chid in (1, 2):
            runtime.recorder.frame_sampler(chid).attach(
                lambda frame: sizes[frame.chid].add((frame.width, frame.height)), fps=5)
        with TestClient(runtime.app) as client:
            device = {"url": sim.url}
            body = [{"source": server.url("file"), "uid": USER, "password": PASSWORD, "device": device},
                    {"source": server.url("file"), "uid": USER, "password": PASSWORD, "device": device,
                     "substream": False}]
            r = client.post(f"/api/channel?auth={ADMIN_AUTH}", content=json.dumps(body).encode(),
                            headers={"content-type": "application/json"})
            assert [item["substream"] for item in r.json()["added"]] == [True, False]
            wait_until(lambda: sizes[1] and sizes[2])
            assert sizes == {1: {(320, 240)}, 2: {(640, 360)}}  # the sub stream's frames; the main's
            first, second = runtime.recorder.capture(1), runtime.recorder.capture(2)
            assert first is not None and first.sub_feed is not None and first.sub_feed.uri == server.url("live")
            assert second is not None and second.sub_feed is not None and not second.sub_feed.analytics  # live only
            wait_until(lambda: (640, 360) in segment_sizes(runtime, 1))  # channel 1 records the main stream


def test_the_stream_uri_is_asked_again_at_each_connection_and_kept_when_the_camera_is_down() -> None:
    main, sub, moved = "rtsp://127.0.0.1:9/main", "rtsp://127.0.0.1:9/sub", "rtsp://127.0.0.1:9/moved"
    stored = "rtsp://127.0.0.1:9/stored"
    with OnvifSimulator(rtsp_main=main, rtsp_sub=sub, user=USER, password=PASSWORD) as sim:
        source = ChannelSource(chid=7, type="onvif", source=stored, uid=USER, password=PASSWORD,
                               device_url=sim.url, substream=True)
        changes: list[StreamUris] = []
        streams = OnvifStreams(source, timeout_s=1.0, on_changed=changes.append)
        assert streams.session_source() == replace(source, source=main)  # credentials added when dialled
        assert streams.uris == StreamUris(main, sub, (640, 360)) and streams.error is None
        sim.set_stream_uri("main", moved)
        assert streams.session_source().source == moved
        assert changes == [StreamUris(moved, sub, (640, 360))]
        sim.stop()
        started = time.monotonic()
        assert streams.session_source().source == moved  # the last URI the camera gave
        assert time.monotonic() - started < 1.0
        assert streams.error is not None and streams.error.code == -3
        never = OnvifStreams(source, timeout_s=1.0)
        assert never.session_source().source == stored and never.uris is None  # it never answered
        sim.start()
        refused = OnvifStreams(replace(source, password="wrong"), timeout_s=1.0)
        assert refused.session_source().source == stored
        assert refused.error is not None and refused.error.code == -3
        assert len(changes) == 1


def hls_frame_sizes(client: TestClient, name: str) -> set[tuple[int, int]]:
    """The sizes of the frames of a live playlist's first listed segment, decoded."""
    auth = f"?auth={ADMIN_AUTH}"
    playlist = client.get(f"/live/{name}/index.m3u8{auth}")
    assert playlist.status_code == 200, playlist.text
    init = re.findall(r'#EXT-X-MAP:URI="([^"]+)"', playlist.text)[0]
    media = [line for line in playlist.text.splitlines() if line and not line.startswith("#")][0]
    data = client.get(f"/live/{name}/{init}").content + client.get(f"/live/{name}/{media}").content
    with av.open(io.BytesIO(data)) as container:
        return {(frame.width, frame.height) for frame in container.decode(video=0)}


@needs_rtsp
def test_the_sub_profile_is_listed_and_served_live_beside_the_main(data_dir: Path, tmp_path: Path) -> None:
    write_settings(data_dir, segment_seconds=1.0, lpr_enabled=False)
    with camera_with_a_sub_stream(tmp_path) as (server, sim):
        sim.profiles[1].width, sim.profiles[1].height = 352, 288  # what the camera says; it streams 320x240
        runtime = make_runtime(data_dir)
        with TestClient(runtime.app) as client:
            body = {"name": "Gate", "source": server.url("file"), "uid": USER, "password": PASSWORD,
                    "device": {"url": sim.url}, "substream": False}
            r = client.post(f"/api/channel?auth={ADMIN_AUTH}", content=json.dumps(body).encode(),
                            headers={"content-type": "application/json"})
            assert r.status_code == 200
            base = "http://testserver"

            def listed() -> list[dict[str, Any]]:
                channels = client.get(f"/api/enum?what=channel&staticSrc&auth={ADMIN_AUTH}").json()
                return channels[0]["src"]

            wait_until(lambda: len(listed()) == 2)
            # Nobody watched the sub stream yet and analytics do not read it: the profile's resolution.
            assert listed() == [
                {"protocol": "hls", "profile": "main", "src": base + "/live/ch1main/index.m3u8",
                 "type": "application/x-mpegurl", "label": "360p", "size": [640, 360]},
                {"protocol": "hls", "profile": "sub", "src": base + "/live/ch1sub/index.m3u8",
                 "type": "application/x-mpegurl", "label": "QVGA", "size": [352, 288]}]
            capture = runtime.recorder.capture(1)
            assert capture is not None and capture.sub_feed is not None and capture.sub_feed.sessions == 0

            assert hls_frame_sizes(client, "ch1sub") == {(320, 240)}  # watching it connects the feed
            assert hls_frame_sizes(client, "ch1main") == {(640, 360)}
            sub = {"protocol": "hls", "profile": "sub", "src": base + "/live/ch1sub/index.m3u8",
                   "type": "application/x-mpegurl", "label": "QVGA", "size": [320, 240]}  # as streamed now
            assert listed()[1] == sub
            vod = client.get(f"/api/vod?stream=sub&auth={ADMIN_AUTH}").json()
            assert [(item["chid"], item["src"]) for item in vod] == [(1, [sub])]
            assert [s["profile"] for s in client.get(f"/api/vod?auth={ADMIN_AUTH}").json()[0]["src"]] == ["main", "sub"]

            with client.websocket_connect(f"/wsapi/live?ch=1&stream=sub&auth={ADMIN_AUTH}") as ws:
                header = json.loads(ws.receive_text())
                assert (header["width"], header["height"]) == (320, 240)
                assert ws.receive_bytes()[4:8] == b"ftyp"
            # the sub stream is not recorded: every segment is the main stream's
            assert set(segment_sizes(runtime)) == {(640, 360)}
