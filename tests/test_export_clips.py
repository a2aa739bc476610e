"""MP4 clips remuxed from recorded segments (recorder/export/clips.py), checked against the session's
footage (tests/export_footage.py: two channels recorded from the real RTSP test server, 25 fps, a
keyframe every second, 3 s segments): cut points, continuity across segment boundaries, size
limits, gaps, new codec parameters, cancelling, a full disk, a segment file gone; and a stream with
B-frames recorded by the recorder's Segmenter. Every file is opened and decoded by PyAV."""

from __future__ import annotations

import errno
import shutil
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import pytest
from sqlmodel import select

from recorder.events import ChannelReporter
from recorder.export.clips import Clip, ExportCancelled, mp4_size_bound, recorded_ms, write_clips
from recorder.index import index_segment
from recorder.segment_writer import SegmentWriter
from recorder.segmenter import Segmenter, StreamInfo
from storage import schema, segments
from storage.db import Database
from storage.models import Segment
from tests.export_footage import Footage
from tests.needs import needs_rtsp
from tests.rtsp_server import make_h264_clip
from tests.test_disk_full import open_files_under, tmpfs

pytestmark = needs_rtsp  # the footage is recorded from the RTSP test server

MB = 1 << 20


@dataclass(frozen=True)
class FileFacts:
    frames_ms: list[int]  # wall-clock time of each frame: the clip's begin_ms + its timestamp
    keyframes_ms: list[int]
    first_is_keyframe: bool
    first_frame_decoded: bool
    duration_ms: int


def facts(clip: Clip) -> FileFacts:
    with av.open(str(clip.path)) as container:
        stream = container.streams.video[0]
        assert stream.time_base is not None
        ms = float(stream.time_base * 1000)
        packets = [p for p in container.demux(stream) if p.size]
        first = packets[0].dts
        assert first is not None
        frames = [(clip.begin_ms + round((p.dts - first) * ms), p.is_keyframe) for p in packets if p.dts is not None]
        last = packets[-1]
        duration = round((last.dts - first + last.duration) * ms)
    with av.open(str(clip.path)) as container:
        decoded = next(container.decode(video=0))
        first_decoded = decoded.pts == packets[0].pts and decoded.width == 640
    return FileFacts(frames_ms=[t for t, _ in frames], keyframes_ms=[t for t, k in frames if k],
                     first_is_keyframe=packets[0].is_keyframe, first_frame_decoded=first_decoded,
                     duration_ms=duration)


def name(chid: int, first_ms: int) -> str:
    return f"CH{chid}.{first_ms}.mp4"


def export(footage: Footage, out_dir: Path, chid: int, begin_ms: int, end_ms: int, max_bytes: int = 64 * MB,
           db: Database | None = None, **kwargs: object) -> list[Clip]:
    out_dir.mkdir(exist_ok=True)
    own = db is None
    db = db or Database(f"sqlite:///{footage.data_dir / 'tsnvr.db'}")
    try:
        return list(write_clips(db, footage.data_dir, chid, begin_ms, end_ms, out_dir=out_dir, name=name,
                                max_bytes=max_bytes, **kwargs))  # type: ignore[arg-type]
    finally:
        if own:
            db.dispose()


def expected_frames(footage: Footage, chid: int, begin_ms: int, end_ms: int) -> list[int]:
    """The recorded frames from the keyframe at or before begin_ms to the last one starting before end_ms."""
    start = max(k for k in footage.keyframes(chid) if k <= begin_ms)
    return [t for t in footage.frames(chid) if start <= t < end_ms]


def test_a_range_across_segment_boundaries_is_one_continuous_file_from_a_keyframe(footage: Footage,
                                                                                  tmp_path: Path):
    chid = 1
    keys = footage.keyframes(chid)
    begin_ms = keys[1] + 300  # within the second GOP of the first segment
    end_ms = footage.segments[chid][2].begin_ms + 1510  # within the third segment: two boundaries crossed
    clips = export(footage, tmp_path / "out", chid, begin_ms, end_ms)
    wanted = expected_frames(footage, chid, begin_ms, end_ms)
    assert wanted[0] == keys[1] and wanted[-1] == footage.segments[chid][2].begin_ms + 1480
    assert len(clips) == 1
    clip = clips[0]
    assert clip.path == tmp_path / "out" / name(chid, keys[1])
    assert (clip.chid, clip.begin_ms, clip.end_ms, clip.frames) == (chid, keys[1], wanted[-1] + 40, len(wanted))
    assert clip.size == clip.path.stat().st_size
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [clip.path.name]  # no .part left
    got = facts(clip)
    assert got.first_is_keyframe and got.first_frame_decoded
    assert got.frames_ms == wanted  # every frame at its recorded wall-clock time: no gap, no overlap
    assert {b - a for a, b in zip(got.frames_ms, got.frames_ms[1:], strict=False)} == {footage.frame_ms}
    assert got.keyframes_ms == [k for k in keys if keys[1] <= k < end_ms]
    assert got.duration_ms == end_ms - begin_ms + 300 + 10  # from the keyframe to the end of the last frame begun
    assert abs(got.duration_ms - (end_ms - begin_ms)) <= 1000  # within one GOP of the range asked


def test_a_range_on_a_keyframe_starts_there_and_ends_before_end_ms(footage: Footage, tmp_path: Path):
    chid = 2
    keys = footage.keyframes(chid)
    clips = export(footage, tmp_path / "out", chid, keys[3], keys[6])
    assert [(c.begin_ms, c.end_ms, c.frames) for c in clips] == [(keys[3], keys[6], 75)]
    got = facts(clips[0])
    assert got.frames_ms == [t for t in footage.frames(chid) if keys[3] <= t < keys[6]]
    assert got.duration_ms == 3000


def test_max_bytes_splits_at_keyframes_into_files_that_cover_the_range(footage: Footage, tmp_path: Path):
    chid = 1
    begin_ms, end_ms = footage.span(chid)
    whole = export(footage, tmp_path / "whole", chid, begin_ms, end_ms)
    assert len(whole) == 1 and whole[0].frames == len(footage.frames(chid))
    max_bytes = whole[0].size // 4
    clips = export(footage, tmp_path / "split", chid, begin_ms, end_ms, max_bytes=max_bytes)
    assert len(clips) >= 4
    frames: list[int] = []
    for clip in clips:
        assert clip.size == clip.path.stat().st_size <= max_bytes
        assert clip.path.name == name(chid, clip.begin_ms)
        got = facts(clip)
        assert got.first_is_keyframe and got.first_frame_decoded
        assert clip.begin_ms in footage.keyframes(chid)
        assert got.frames_ms[-1] + footage.frame_ms == clip.end_ms
        frames += got.frames_ms
    assert [c.end_ms for c in clips[:-1]] == [c.begin_ms for c in clips[1:]]  # end to begin
    assert frames == footage.frames(chid)  # together: every frame once, in order
    assert sorted(p.name for p in (tmp_path / "split").iterdir()) == sorted(c.path.name for c in clips)


def test_cancel_stops_within_a_packet_and_leaves_no_file(footage: Footage, tmp_path: Path):
    chid = 2
    begin_ms, end_ms = footage.span(chid)
    cancelled = threading.Event()
    positions: list[int] = []

    def progress(wall_ms: int) -> None:
        positions.append(wall_ms)
        cancelled.set()

    with pytest.raises(ExportCancelled):
        export(footage, tmp_path / "out", chid, begin_ms, end_ms, on_progress=progress, cancelled=cancelled)
    assert positions == [begin_ms]  # the first frame was written, then the next packet saw the flag
    assert list((tmp_path / "out").iterdir()) == []


def test_cancel_after_a_file_keeps_the_files_handed_over(footage: Footage, tmp_path: Path):
    chid = 1
    begin_ms, end_ms = footage.span(chid)
    cancelled = threading.Event()
    db = Database(f"sqlite:///{footage.data_dir / 'tsnvr.db'}")
    out = tmp_path / "out"
    out.mkdir()
    clips = write_clips(db, footage.data_dir, chid, begin_ms, end_ms, out_dir=out, name=name, max_bytes=300_000,
                        cancelled=cancelled)
    first = next(clips)
    cancelled.set()
    with pytest.raises(ExportCancelled):
        next(clips)
    db.dispose()
    assert sorted(out.iterdir()) == [first.path]


def test_a_range_without_recording_gives_nothing(footage: Footage, tmp_path: Path):
    begin_ms, end_ms = footage.span(1)
    db = Database(f"sqlite:///{footage.data_dir / 'tsnvr.db'}")
    try:
        assert recorded_ms(db, 1, begin_ms - 60_000, begin_ms) == 0
        assert recorded_ms(db, 3, begin_ms, end_ms) == 0  # no such channel
        assert recorded_ms(db, 1, begin_ms, end_ms) == end_ms - begin_ms
        assert recorded_ms(db, 1, begin_ms - 5000, begin_ms + 4321) == 4321
    finally:
        db.dispose()
    assert export(footage, tmp_path / "out", 1, begin_ms - 60_000, begin_ms) == []
    assert export(footage, tmp_path / "out", 1, end_ms, end_ms + 60_000) == []
    assert export(footage, tmp_path / "out", 1, end_ms, begin_ms) == []
    assert list((tmp_path / "out").iterdir()) == []


def shifted_copy(footage: Footage, tmp_path: Path, chid: int, from_segment: int, shift_ms: int) -> Database:
    """A copy of the footage's database in which the channel's segments from `from_segment` on were
    recorded shift_ms later (a gap in the recording; the files are the same)."""
    shutil.copy(footage.data_dir / "tsnvr.db", tmp_path / "tsnvr.db")
    db = Database(f"sqlite:///{tmp_path / 'tsnvr.db'}")
    later = {seg.path for seg in footage.segments[chid][from_segment:]}
    with db.write() as s:
        for row in s.exec(select(Segment).where(Segment.chid == chid)):
            if row.path in later:
                row.begin_ms += shift_ms
                row.end_ms += shift_ms
    return db


def test_a_gap_over_10_s_starts_a_new_file_and_a_shorter_one_stays_in_the_timeline(footage: Footage,
                                                                                    tmp_path: Path):
    chid = 2
    begin_ms, end_ms = footage.span(chid)
    boundary = footage.segments[chid][2].begin_ms
    before = [t for t in footage.frames(chid) if t < boundary]
    after = [t for t in footage.frames(chid) if t >= boundary]
    for shift_ms, files in ((10_500, 2), (2_000, 1)):
        db = shifted_copy(footage, tmp_path, chid, 2, shift_ms)
        try:
            clips = export(footage, tmp_path / f"out{shift_ms}", chid, begin_ms, end_ms + shift_ms, db=db)
        finally:
            db.dispose()
        assert len(clips) == files
        frames = [t for clip in clips for t in facts(clip).frames_ms]
        assert frames == before + [t + shift_ms for t in after]
        if files == 2:
            assert [(c.begin_ms, c.end_ms) for c in clips] == [(begin_ms, boundary),
                                                                (boundary + shift_ms, end_ms + shift_ms)]


def test_new_codec_parameters_start_a_new_file(footage: Footage, tmp_path: Path):
    """Channel 2's recording goes on, end to begin, in a 320x180 segment (a camera reconfigured)."""
    chid = 2
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "rec").symlink_to(footage.data_dir / "rec")
    shutil.copy(footage.data_dir / "tsnvr.db", data_dir / "tsnvr.db")
    small = make_h264_clip(tmp_path / "small.mp4", 320, 180, seconds=2.0)
    boundary = footage.segments[chid][2].begin_ms
    with av.open(str(small)) as src:
        writer = SegmentWriter(data_dir / "other" / "small.mp4.part", src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                writer.write(packet)
        path = writer.close()
    db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
    try:
        later = {seg.path for seg in footage.segments[chid][2:]}
        with db.write() as s:
            for row in s.exec(select(Segment).where(Segment.chid == chid)):
                if row.path in later:
                    s.delete(row)
        segments.add_segment(db, Segment(chid=chid, begin_ms=boundary, end_ms=boundary + 2000,
                                         path=path.relative_to(data_dir).as_posix(), size=path.stat().st_size,
                                         codec="h264", width=320, height=180))
        out = tmp_path / "out"
        out.mkdir()
        begin_ms = footage.span(chid)[0]
        clips = list(write_clips(db, data_dir, chid, begin_ms, boundary + 2000, out_dir=out, name=name,
                                 max_bytes=64 * MB))
    finally:
        db.dispose()
    assert [(c.begin_ms, c.end_ms, c.frames) for c in clips] == [(begin_ms, boundary, 150),
                                                                  (boundary, boundary + 2000, 50)]
    for clip, width in zip(clips, (640, 320), strict=True):
        with av.open(str(clip.path)) as container:
            first = next(container.decode(video=0))
            assert (first.width, container.streams.video[0].codec_context.width) == (width, width)
    assert facts(clips[0]).frames_ms == [t for t in footage.frames(chid) if t < boundary]


def test_a_gop_larger_than_max_bytes_is_cut_short_and_one_too_small_for_a_keyframe_refused(footage: Footage,
                                                                                          tmp_path: Path):
    chid = 1
    segment = footage.segments[chid][1]
    with av.open(str(footage.data_dir / segment.path)) as container:
        stream = container.streams.video[0]
        sizes = [p.size for p in container.demux(stream) if p.size]
        extradata = len(stream.codec_context.extradata or b"")
    keys = segment.keyframes
    max_bytes = mp4_size_bound(sum(sizes[:10]), 10, 1, extradata)  # ten frames of the segment's first GOP
    clips = export(footage, tmp_path / "out", chid, keys[0], keys[2], max_bytes=max_bytes)
    assert [c.begin_ms for c in clips] == [keys[0], keys[1]]
    gops = [[t for t in segment.frames if lo <= t < hi] for lo, hi in ((keys[0], keys[1]), (keys[1], keys[2]))]
    assert clips[0].frames == 10
    for clip, gop in zip(clips, gops, strict=True):
        got = facts(clip)
        assert clip.size <= max_bytes and got.first_is_keyframe and got.first_frame_decoded
        assert 0 < clip.frames < footage.gop_frames and got.frames_ms == gop[:clip.frames]
    with pytest.raises(ValueError, match="cannot hold one keyframe"):
        export(footage, tmp_path / "tiny", chid, keys[0], keys[2], max_bytes=sizes[0])
    assert list((tmp_path / "tiny").iterdir()) == []


def test_a_full_disk_raises_enospc_and_leaves_no_file_and_no_open_descriptor(footage: Footage, tmp_path: Path):
    chid = 1
    begin_ms, end_ms = footage.span(chid)
    with tmpfs(tmp_path / "small", 1) as out:  # 1 MB: less than the channel's recording
        with pytest.raises(OSError) as raised:
            export(footage, out, chid, begin_ms, end_ms)
        assert raised.value.errno == errno.ENOSPC
        assert list(out.iterdir()) == []
        assert open_files_under(out) == []


def test_a_segment_file_gone_since_it_was_indexed_is_a_gap(footage: Footage, tmp_path: Path):
    """Retention may delete a segment while an export runs: its time is a gap (3 s: kept in the timeline)."""
    chid = 2
    data_dir = tmp_path / "data"
    gone = footage.segments[chid][1]
    for seg in footage.segments[chid]:
        if seg is not gone:
            (data_dir / seg.path).parent.mkdir(parents=True, exist_ok=True)
            (data_dir / seg.path).symlink_to(footage.data_dir / seg.path)
    shutil.copy(footage.data_dir / "tsnvr.db", data_dir / "tsnvr.db")
    db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
    out = tmp_path / "out"
    out.mkdir()
    begin_ms, end_ms = footage.span(chid)
    try:
        clips = list(write_clips(db, data_dir, chid, begin_ms, end_ms, out_dir=out, name=name, max_bytes=64 * MB))
    finally:
        db.dispose()
    assert [(c.begin_ms, c.end_ms) for c in clips] == [(begin_ms, end_ms)]
    assert facts(clips[0]).frames_ms == [t for t in footage.frames(chid) if t not in gone.frames]
    assert facts(clips[0]).duration_ms == end_ms - begin_ms


def b_frame_recording(tmp_path: Path, begin_ms: int) -> tuple[Path, Database]:
    """4 s of 320x180 H.264 with two B-frames between references (a keyframe every second), recorded
    by the recorder's own Segmenter in 1 s segments as if each packet arrived at its time."""
    clip = tmp_path / "bframes.mp4"
    with av.open(str(clip), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt, stream.gop_size = 320, 180, "yuv420p", 25
        stream.options = {"bf": "2", "preset": "veryfast", "sc_threshold": "0"}
        for i in range(100):
            frame = av.VideoFrame(320, 180, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(i * 7 + plane.line_size) % 256]) * (plane.line_size * plane.height))
            frame.pts, frame.time_base = i, Fraction(1, 25)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
    schema.upgrade(db)
    with av.open(str(clip)) as src:
        source = src.streams.video[0]
        info = StreamInfo.of(source)
        assert info.reorders
        segmenter = Segmenter(1, info, data_dir, 1.0, ChannelReporter(1, lambda _event: None),
                              lambda closed: index_segment(db, data_dir, closed) and None)
        for packet in src.demux(source):
            if packet.dts is not None:
                segmenter.feed(packet, begin_ms + float(packet.dts * packet.time_base * 1000))
        segmenter.close()
    return data_dir, db


def shown_ms(clip: Clip) -> list[int]:
    """Wall-clock time at which each decoded frame is shown, in presentation order."""
    with av.open(str(clip.path)) as container:
        stream = container.streams.video[0]
        time_base = stream.time_base  # (PyAV 18.1.1 refuses a closed container's stream)
        assert time_base is not None
        pts = [frame.pts for frame in container.decode(stream)]
    return [clip.begin_ms + round((p - pts[0]) * time_base * 1000) for p in pts]


def test_b_frames_are_cut_at_gop_boundaries_without_a_hole_and_continue_across_segments(tmp_path: Path):
    base = 1_800_000_000_000
    data_dir, db = b_frame_recording(tmp_path, base)
    out = tmp_path / "out"
    out.mkdir()
    try:
        assert len(segments.channel_segments(db, 1)) == 4
        one_gop = list(write_clips(db, data_dir, 1, base + 1000, base + 2000, out_dir=out, name=name,
                                   max_bytes=64 * MB))
        assert [(c.begin_ms - base, c.end_ms - base, c.frames) for c in one_gop] == [(1000, 2000, 25)]
        assert shown_ms(one_gop[0]) == list(range(base + 1000, base + 2000, 40))
        across = list(write_clips(db, data_dir, 1, base + 500, base + 3500, out_dir=out, name=name,
                                  max_bytes=64 * MB))
    finally:
        db.dispose()
    assert len(across) == 1 and across[0].begin_ms == base
    shown = shown_ms(across[0])
    # every frame from the keyframe on, none missing, to the last taken in decoding order before
    # end_ms, which may be a reference frame shown after end_ms: here up to 4 frames later (it comes
    # before the 2 B-frames shown ahead of it, and decoding runs 2 frames ahead of showing)
    assert shown == list(range(base, shown[-1] + 1, 40))
    assert base + 3480 <= shown[-1] < base + 3500 + 4 * 40
    assert across[0].end_ms == shown[-1] + 40
