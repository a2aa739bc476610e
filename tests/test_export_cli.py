"""`tsnvr export`, run as the real command on a copy of the session's recorded footage: the files it
delivers (PyAV decodes every frame the recording holds in the range; names in the data directory's
zone; subtitles, md5 sums, encrypted ZIPs; split by size), its event-log row and its exit statuses."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import av
import pytest
import pyzipper

from recorder.export.stages import FileBegin, Stage
from recorder.export.subtitles import LANGUAGES, SubtitleFormat
from recorder.export.task import ExportRequest, ExportTask
from storage import settings as settings_file
from storage.eventlog import EventType, PrivacyCode
from tests.export_footage import Footage
from tests.needs import needs_rtsp
from tests.test_export_files import read_cues
from tsnvr import export_cli, export_run
from tsnvr.cli import main
from tsnvr.database import open_database
from tsnvr.export_progress import Progress

pytestmark = needs_rtsp

ZONE = ZoneInfo("America/New_York")  # the footage's timezone setting
TSNVR = Path(sys.executable).with_name("tsnvr")


@pytest.fixture(scope="module")
def data(footage: Footage, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The footage's data directory, copied: exports add event-log rows."""
    copy = tmp_path_factory.mktemp("export-cli") / "data"
    shutil.copytree(footage.data_dir, copy)
    return copy


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, ZONE).isoformat(timespec="milliseconds")


def local_name(chid: int, ms: int, suffix: str = ".mp4") -> str:
    return f"CH{chid}.{datetime.fromtimestamp(ms / 1000, ZONE):%Y-%m-%dT%H.%M.%S}{suffix}"


def export(data: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != export_run.PASSWORD_ENV}
    return subprocess.run([str(TSNVR), "--data", str(data), "export", *args], input=stdin, text=True,
                          capture_output=True, env=env, timeout=60)


def time_range(footage: Footage) -> tuple[int, int]:
    """From 2.5 s after the second keyframe (mid-GOP) to 1.7 s before the recording ends."""
    begin = footage.keyframes(1)[2] + 500
    end = footage.span(1)[1] - 1700
    return begin, end


def expected_frames(footage: Footage, chid: int, begin: int, end: int) -> list[int]:
    """The recorded frames a clip holds: from the keyframe at or before begin, those starting before end."""
    first = max(k for k in footage.keyframes(chid) if k <= begin)
    return [t for t in footage.frames(chid) if first <= t < end]


def decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def expected_cues(first_ms: int, end_ms: int) -> list[tuple[int, int]]:
    """(start, end) of one cue per wall-clock second, relative to the clip's first frame."""
    starts = [0] + list(range((first_ms // 1000 + 1) * 1000 - first_ms, end_ms - first_ms, 1000))
    return list(zip(starts, [*starts[1:], end_ms - first_ms], strict=True))


def korean(ms: int) -> str:
    """The ko-KR text of a second, written out from the date's parts (not by babel)."""
    moment = datetime.fromtimestamp(ms // 1000, ZONE)
    half = "오전" if moment.hour < 12 else "오후"
    offset = moment.strftime("%z")
    return (f"{moment.year}. {moment.month}. {moment.day}. {half} {moment.hour % 12 or 12}:{moment:%M:%S} "
            f"{offset[:3]}:{offset[3:]}")


def test_every_channel_with_subtitles_md5_and_event_log(footage: Footage, data: Path, tmp_path: Path) -> None:
    begin, end = time_range(footage)
    out = tmp_path / "out"
    done = export(data, "--from", iso(begin), "--to", iso(end), "--out", str(out), "--subtitles", "VTT", "--md5",
                  "--lang", "ko-KR", "--submitter", "Officer Kim", "--recipient", "Court",
                  "--purpose", "case 7\nexhibit B")
    assert done.returncode == 0, done.stderr
    names = []
    for chid in footage.chids:
        frames = expected_frames(footage, chid, begin, end)
        video, subtitles = out / local_name(chid, frames[0]), out / local_name(chid, frames[0], ".vtt")
        names += [video.name, subtitles.name, video.name + ".md5", subtitles.name + ".md5"]
        assert decoded_frames(video) == len(frames)  # playable from the first frame, none missing
        clip_end = frames[-1] + footage.frame_ms
        cues = read_cues(subtitles, SubtitleFormat.VTT)
        assert [(start, stop) for start, stop, _ in cues] == expected_cues(frames[0], clip_end)
        assert [text for _, _, text in cues] == [korean(frames[0] + start) for start, _, _ in cues]
        for path in (video, subtitles):
            digest = hashlib.md5(path.read_bytes()).hexdigest()
            assert (out / (path.name + ".md5")).read_text() == f"{digest}  {path.name}\n"
            assert f"{digest}  {path}" in done.stdout.splitlines()
    assert sorted(p.name for p in out.iterdir()) == sorted(names)  # and no work directory left behind
    checked = subprocess.run(["md5sum", "-c", *(n for n in names if n.endswith(".md5"))], cwd=out,
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    with sqlite3.connect(data / "tsnvr.db") as db:
        rows = db.execute("SELECT param FROM event_log WHERE type = ? AND code = ? ORDER BY id",
                          (int(EventType.PRIVACY), int(PrivacyCode.DATA_EXPORTED))).fetchall()
    assert f'"ch": [{", ".join(map(str, footage.chids))}]' in rows[-1][0]
    assert '"submitter": "Officer Kim", "recipient": "Court", "purpose": "case 7\\nexhibit B"' in rows[-1][0]
    assert f'"timeRange": ["{iso(begin)}", "{iso(end)}"]' in rows[-1][0]


def test_split_by_size_in_encrypted_zips(footage: Footage, data: Path, tmp_path: Path) -> None:
    begin, end = time_range(footage)
    out = tmp_path / "sealed"
    max_bytes = 300 * 1024
    done = export(data, "--from", iso(begin), "--to", iso(end), "--ch", "2", "--out", str(out), "--size", "300KB",
                  "--subtitles", "srt", "--password", stdin="zip Secret 9\n")
    assert done.returncode == 0, done.stderr
    frames = expected_frames(footage, 2, begin, end)
    keyframes = set(footage.keyframes(2))
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    taken, files = 0, 0
    while taken < len(frames):  # file by file: each starts at a keyframe, where the last one stopped
        first = frames[taken]
        assert first in keyframes
        video, subtitles = local_name(2, first), local_name(2, first, ".srt")
        for name in (video, subtitles):
            with pyzipper.AESZipFile(out / (name + ".zip")) as archive:
                with pytest.raises(RuntimeError):
                    archive.read(name)
                archive.setpassword(b"zip Secret 9")
                (unpacked / name).write_bytes(archive.read(name))
        assert (unpacked / video).stat().st_size <= max_bytes
        count = decoded_frames(unpacked / video)
        taken += count
        clip_end = frames[taken - 1] + footage.frame_ms
        cues = read_cues(unpacked / subtitles, SubtitleFormat.SRT)
        assert [(start, stop) for start, stop, _ in cues] == expected_cues(first, clip_end)
        files += 1
    assert taken == len(frames) and files > 2
    assert len(list(out.iterdir())) == 2 * files
    assert done.stdout.splitlines() == [str(out / p) for p in sorted(os.listdir(out))]


def test_no_recorded_video_in_the_range(footage: Footage, data: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    before = footage.span(1)[0] - 60_000
    out = tmp_path / "none"
    assert main(["--data", str(data), "export", "--from", iso(before), "--to", iso(before + 30_000),
                 "--out", str(out)]) == 1
    assert "no recorded video" in capsys.readouterr().err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026-13-01T00:00:00", "--to", "2026-12-01T00:00:00"], "--from: '2026-13-01T00:00:00'"),
    (["--from", "2026-12-01T00:00:00", "--to", "2026-12-01T00:00:00"], "--to must be later than --from"),
    (["--from", "yesterday", "--to", "2026-12-01T00:00:00"], "not an ISO 8601 date-time"),
    (["--from", "2026-12-01", "--to", "2026-12-02", "--ch", "1,9"], "no channel 9"),
    (["--from", "2026-12-01", "--to", "2026-12-02", "--ch", "0"], "'0' is not a whole number of 1 or more"),
    (["--from", "2026-12-01", "--to", "2026-12-02", "--size", "60KB"], "mediaSize '60KB': at least 64KB"),
    (["--from", "2026-12-01", "--to", "2026-12-02", "--size", "7TB"], "mediaSize '7TB': a size such as 500MB"),
    (["--from", "2026-12-01", "--to", "2026-12-02", "--subtitles", "ASS"], "subtitleFormat 'ASS': one of VTT"),
    (["--from", "2026-12-01", "--to", "2026-12-02", "--lang", "fr-FR"], "'fr-FR' is not one of en-US, ko-KR"),
    (["--from", "2026-12-01", "--to", "2026-12-02", "--purpose", "x" * 4097], "--purpose: at most 4096 characters"),
    (["--to", "2026-12-02"], "the following arguments are required: --from"),
])
def test_bad_arguments(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                       message: str) -> None:
    out = tmp_path / "bad"
    try:
        status = main(["--data", str(data), "export", "--out", str(out), *args])
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code  # type: ignore[assignment]
    assert status == 2
    assert message in capsys.readouterr().err
    assert not out.exists() or list(out.iterdir()) == []


def test_the_help_names_the_languages_and_statuses() -> None:
    assert ", ".join(LANGUAGES) == export_cli.LANGUAGES_HELP
    statuses = {"done": 0, "no recorded video in the range": export_run.NO_DATA,
                "bad arguments": export_run.BAD_ARGUMENTS, "not enough space": export_run.NO_SPACE,
                "interrupted": export_run.INTERRUPTED}
    assert export_cli.EXIT_HELP.startswith("Exit status: " + ", ".join(f"{n} {w}" for w, n in statuses.items()))


def test_sizes_are_the_guides_units() -> None:
    assert [export_cli.media_size(t) for t in ("700MB", "1GB", "500 kb", "1.5GB", "65536")] == [
        700 << 20, 1 << 30, 500 << 10, 3 << 29, 65536]


def test_a_second_export_does_not_overwrite_the_first(footage: Footage, data: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    begin = footage.keyframes(1)[1]
    out = tmp_path / "twice"
    args = ["--data", str(data), "export", "--from", iso(begin), "--to", iso(begin + 1500), "--ch", "1",
            "--out", str(out), "--subtitles", "SMI"]
    assert main(args) == 0
    assert main(args) == 0
    name = local_name(1, begin, "")
    assert sorted(p.name for p in out.iterdir()) == [f"{name}(2).mp4", f"{name}(2).smi", f"{name}.mp4", f"{name}.smi"]
    assert (out / f"{name}.mp4").read_bytes() == (out / f"{name}(2).mp4").read_bytes()
    assert capsys.readouterr().out.splitlines()[-2:] == [str(out / f"{name}(2).mp4"), str(out / f"{name}(2).smi")]


class InterruptAtFirstFile(Progress):
    """Sends the process SIGINT (what Ctrl-C does) when the first file begins."""

    def show(self, stage: Stage) -> None:
        super().show(stage)
        if isinstance(stage, FileBegin) and stage.fid == 1:
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_cancels_and_leaves_nothing_behind(footage: Footage, data: Path, tmp_path: Path) -> None:
    settings = settings_file.load(data, env={})
    begin, end = footage.span(1)
    request = ExportRequest(chids=(1, 2), begin_ms=begin, end_ms=end, max_file_bytes=200 * 1024)
    out = tmp_path / "interrupted"
    out.mkdir()
    db = open_database(settings)
    try:
        task = ExportTask(db, settings, request, out / f".tsnvr-export-{uuid.uuid4()}", tz=ZONE)
        status = anyio.run(export_run.run_export, task, out, InterruptAtFirstFile(ZONE, bar=False))
    finally:
        db.dispose()
    assert status == export_run.INTERRUPTED
    assert list(out.iterdir()) == []  # the file being made was abandoned, the work directory deleted
