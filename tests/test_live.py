"""Live video: recorder.live turns the recorded packets into fMP4 fragments and HLS segments;
/live/.../index.m3u8 and /wsapi/live serve them from a real RTSP channel. Every byte served is
decoded with PyAV and its frames counted."""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
from pathlib import Path

import av
import pytest
from starlette.testclient import TestClient

from recorder.live import LiveStream
from recorder.segmenter import StreamInfo
from storage.clock import now_ms
from storage.models import Channel
from tests.conftest import ADMIN_AUTH, make_runtime, wait_until, write_settings
from tests.needs import needs_rtsp
from tests.rtsp_server import RtspServerProcess, make_h264_clip

FPS = 25


def decoded_frames(data: bytes) -> int:
    with av.open(io.BytesIO(data)) as container:
        return sum(1 for _ in container.decode(video=0))


def feed_file(live: LiveStream, clip: Path, shift: int = 0) -> int:
    """Feed a clip's packets as the recorder would; returns how many."""
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        live.begin(StreamInfo.of(stream))
        count = 0
        for packet in container.demux(stream):
            if packet.dts is None:
                continue
            packet.dts += shift
            packet.pts += shift
            live.feed(packet, time.time() * 1000)
            count += 1
        live.end()
    return count


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_h264_clip(tmp_path_factory.mktemp("live") / "clip.mp4", seconds=3.0)


# --- recorder.live on its own -------------------------------------------------------------------

def test_segments_are_one_gop_each_and_decode_whole(clip):
    live = LiveStream(1)
    live.touch()
    fed = feed_file(live, clip)
    segments = live.complete_segments()
    assert fed == 3 * FPS
    assert [(s.seq, s.generation, s.discontinuity, len(s.fragments)) for s in segments] == \
        [(0, 1, 0, FPS), (1, 1, 0, FPS), (2, 1, 0, FPS)]
    assert [round(s.duration, 3) for s in segments] == [1.0, 1.0, 1.0]
    init = live.init_segment(1)
    assert init is not None and init[4:8] == b"ftyp"
    assert decoded_frames(init + b"".join(s.data for s in segments)) == fed
    assert decoded_frames(init + segments[1].data) == FPS  # each segment starts at a keyframe


def test_nothing_is_muxed_while_nobody_watches(clip):
    live = LiveStream(1)
    feed_file(live, clip)
    assert live.complete_segments() == []
    assert live.init_segment(1) is None


def test_a_reconnect_is_a_new_generation_with_a_discontinuity(clip):
    live = LiveStream(1)
    live.touch()
    feed_file(live, clip)
    feed_file(live, clip)  # timestamps start again from 0: a new connection
    segments = live.complete_segments()
    assert [(s.seq, s.generation, s.discontinuity) for s in segments] == \
        [(0, 1, 0), (1, 1, 0), (2, 1, 0), (3, 2, 1), (4, 2, 1), (5, 2, 1)]
    assert live.init_segment(1) is not None and live.init_segment(2) is not None


def test_a_viewer_gets_header_init_then_frames_from_a_keyframe(clip):
    async def run() -> list[object]:
        live = LiveStream(1)
        viewer = live.subscribe(asyncio.get_running_loop())
        await asyncio.to_thread(feed_file, live, clip)
        items: list[object] = []
        while True:
            try:
                items.append(await asyncio.wait_for(viewer.get(), 0.5))
            except TimeoutError:
                return items

    items = asyncio.run(run())
    header, init, *fragments = items
    assert header.message() == {"mime": 'video/mp4; codecs="avc1.64001e"', "width": 640, "height": 360}
    assert init[4:8] == b"ftyp"
    assert all(f[4:8] == b"moof" for f in fragments)
    assert len(fragments) == 3 * FPS
    assert decoded_frames(init + b"".join(fragments)) == 3 * FPS


# --- over HTTP and WebSocket from a real RTSP channel -----------------------------------------

@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_h264_clip(tmp_path_factory.mktemp("live-long") / "long.mp4", seconds=60.0)


@pytest.fixture
def recording(data_dir, long_clip):
    write_settings(data_dir, segment_seconds=60.0)
    with RtspServerProcess(file=long_clip) as server:
        runtime = make_runtime(data_dir)
        with runtime.db.write() as s:
            s.add(Channel(chid=2, name="Gate", type="rtsp", source=server.url("file"), created_ms=now_ms()))
        with TestClient(runtime.app) as client:
            wait_until(lambda: runtime.live.recording_status(2).get("recording"))
            yield client


@needs_rtsp
def test_hls_playlist_and_segments_play(recording):
    client = recording
    auth = f"?auth={ADMIN_AUTH}"
    first = client.get("/live/ch2main/index.m3u8" + auth)
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/vnd.apple.mpegurl"
    time.sleep(2.5)
    playlist = client.get("/live/ch2main/index.m3u8" + auth).text
    lines = playlist.splitlines()
    assert lines[:3] == ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:1"]
    maps = re.findall(r'#EXT-X-MAP:URI="(init-\d+\.mp4\?auth=[^"]+)"', playlist)
    media = [line for line in lines if re.fullmatch(r"\d+\.m4s\?auth=[\w%]+", line)]
    assert len(maps) == 1 and len(media) >= 2
    assert all(d == "1.000" for d in re.findall(r"#EXTINF:([\d.]+),", playlist))
    init = client.get("/live/ch2main/" + maps[0]).content
    for uri in media:
        body = client.get("/live/ch2main/" + uri)
        assert body.status_code == 200
        assert decoded_frames(init + body.content) == FPS


@needs_rtsp
def test_hls_needs_credentials_and_a_known_channel(recording):
    client = recording
    refused = client.get("/live/ch2main/index.m3u8")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Basic realm="tsnvr"'
    assert client.get(f"/live/ch9main/index.m3u8?auth={ADMIN_AUTH}").status_code == 404
    assert client.get(f"/live/ch2sub/index.m3u8?auth={ADMIN_AUTH}").status_code == 404  # an RTSP channel has none
    assert client.get(f"/live/ch2main/999999.m4s?auth={ADMIN_AUTH}").status_code == 404
    assert client.get(f"/live/ch2main/init-77.mp4?auth={ADMIN_AUTH}").status_code == 404


@needs_rtsp
def test_websocket_streams_frames_as_they_arrive(recording):
    client = recording
    with client.websocket_connect(f"/wsapi/live?ch=2&auth={ADMIN_AUTH}") as ws:
        header = json.loads(ws.receive_text())
        assert header == {"mime": 'video/mp4; codecs="avc1.64001e"', "width": 640, "height": 360}
        init = ws.receive_bytes()
        assert init[4:8] == b"ftyp"
        started = time.monotonic()
        fragments = []
        while time.monotonic() - started < 3.0:
            fragments.append(ws.receive_bytes())
    assert all(f[4:8] == b"moof" for f in fragments)
    # three seconds of a 25 fps camera, plus the frames since the last keyframe sent at once
    assert 3 * FPS - 5 <= len(fragments) <= 4 * FPS + 5
    assert decoded_frames(init + b"".join(fragments)) == len(fragments)


@needs_rtsp
def test_websocket_refusals_close_with_a_reason(recording):
    client = recording
    for url, reason in [("/wsapi/live?ch=2", "authentication required"),
                        (f"/wsapi/live?auth={ADMIN_AUTH}", "ch is required"),
                        (f"/wsapi/live?ch=8&auth={ADMIN_AUTH}", "no live main stream for channel 8"),
                        (f"/wsapi/live?ch=2&stream=sub&auth={ADMIN_AUTH}", "no live sub stream for channel 2"),
                        (f"/wsapi/live?ch=2&stream=third&auth={ADMIN_AUTH}", "stream is main or sub")]:
        with client.websocket_connect(url) as ws:
            message = ws.receive()
            assert message["type"] == "websocket.close"
            assert message["code"] == 1008
            assert reason in message["reason"]


@needs_rtsp
def test_channel_lists_carry_the_playlist_with_its_size(recording):
    client = recording
    base = "http://testserver"
    channels = client.get(f"/api/enum?what=channel&staticSrc&auth={ADMIN_AUTH}").json()
    assert channels[0]["src"] == [{"protocol": "hls", "profile": "main", "src": base + "/live/ch2main/index.m3u8",
                                   "type": "application/x-mpegurl", "label": "360p", "size": [640, 360]}]
