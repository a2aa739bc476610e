"""Exported side files: subtitles (cue times and texts, read back by FFmpeg's demuxers through PyAV),
md5 sums, and the AES-256 ZIP that a password asks for (pyzipper, 7-Zip, bsdtar)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import av
import pytest
import pyzipper

from recorder.export.sealed import md5_of, seal
from recorder.export.subtitles import SubtitleFormat, write_subtitles

CHICAGO = ZoneInfo("America/Chicago")
# 2018-07-27T09:11:19.825-05:00: a start with a fraction of a second
BEGIN_MS = int(datetime(2018, 7, 27, 9, 11, 19, 825000, CHICAGO).timestamp() * 1000)
END_MS = BEGIN_MS + 3400  # ends at 09:11:23.225
STARTS = [0, 175, 1175, 2175, 3175]
ENDS = [175, 1175, 2175, 3175, 3400]
SECONDS = [19, 20, 21, 22, 23]

TEXTS = {
    "en-US": [f"Jul 27, 2018, 9:11:{s} AM -05:00" for s in SECONDS],
    "ko-KR": [f"2018. 7. 27. 오전 9:11:{s} -05:00" for s in SECONDS],
}


def read_cues(path: Path, fmt: SubtitleFormat) -> list[tuple[int, int, str]]:
    """(start, end, text) of each cue, parsed from the file's own syntax."""
    text = path.read_text(encoding="utf-8")
    clock = r"(\d\d):(\d\d):(\d\d)[.,](\d{3})"

    def ms(h: str, m: str, s: str, milli: str) -> int:
        return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(milli)

    if fmt is SubtitleFormat.VTT:
        assert text.startswith("WEBVTT\n\n")
        found = re.findall(rf"\n{clock} --> {clock}\n(.+)\n", text)
        return [(ms(*f[0:4]), ms(*f[4:8]), f[8]) for f in found]
    if fmt is SubtitleFormat.SRT:
        found = re.findall(rf"(\d+)\n{clock} --> {clock}\n(.+)\n\n", text)
        assert [int(f[0]) for f in found] == list(range(1, len(found) + 1))
        return [(ms(*f[1:5]), ms(*f[5:9]), f[9]) for f in found]
    assert text.startswith("<SAMI>\n<HEAD>\n") and 'charset=utf-8' in text and text.endswith("</SAMI>\n")
    syncs = [(int(start), body) for start, body in re.findall(r"<SYNC Start=(\d+)><P Class=\w+>(.*?)</P></SYNC>", text)]
    assert syncs[-1][1] == "&nbsp;"  # a SAMI cue lasts until the next SYNC: the blank ends the last
    return [(start, following[0], body) for (start, body), following in zip(syncs, syncs[1:], strict=False)]


def demuxed_cues(path: Path) -> list[tuple[int, int, str]]:
    """The cues as FFmpeg's demuxer for the format reads them (times in ms)."""
    with av.open(str(path)) as container:
        stream = container.streams.subtitles[0]
        assert stream.time_base == Fraction(1, 1000)
        packets = [p for p in container.demux(stream) if p.size and b"&nbsp;" not in bytes(p)]
        return [(int(p.pts or 0), int(p.pts or 0) + int(p.duration or 0),
                 re.sub(r"<[^>]+>", "", bytes(p).decode()).strip()) for p in packets]


@pytest.mark.parametrize("lang", ["en-US", "ko-KR"])
@pytest.mark.parametrize("fmt", list(SubtitleFormat))
def test_one_cue_per_wall_clock_second(tmp_path: Path, fmt: SubtitleFormat, lang: str) -> None:
    path = tmp_path / f"CH1.2018-07-27T09.11.19{fmt.suffix}"
    assert write_subtitles(path, fmt, BEGIN_MS, END_MS, CHICAGO, lang) == path
    expected = list(zip(STARTS, ENDS, TEXTS[lang], strict=True))
    assert read_cues(path, fmt) == expected
    assert demuxed_cues(path) == expected
    for k, start in enumerate(STARTS[1:], 1):  # cue k starts at wall second k
        wall_second_ms = (BEGIN_MS // 1000 + k) * 1000
        assert start == wall_second_ms - BEGIN_MS


def test_whole_second_start_and_languages(tmp_path: Path) -> None:
    begin = int(datetime(2019, 6, 16, 16, 30, 0, tzinfo=CHICAGO).timestamp() * 1000)
    path = tmp_path / "a.srt"
    expected_text = {
        "es-ES": ["16 jun 2019, 16:30:00 -05:00", "16 jun 2019, 16:30:01 -05:00"],
        "zh-CN": ["2019年6月16日 16:30:00 -05:00", "2019年6月16日 16:30:01 -05:00"],
        "zh_tw": ["2019年6月16日 下午4:30:00 -05:00", "2019年6月16日 下午4:30:01 -05:00"],
        "fr-FR": ["Jun 16, 2019, 4:30:00 PM -05:00", "Jun 16, 2019, 4:30:01 PM -05:00"],  # falls back to en-US
        "": ["Jun 16, 2019, 4:30:00 PM -05:00", "Jun 16, 2019, 4:30:01 PM -05:00"],
    }
    for lang, texts in expected_text.items():
        write_subtitles(path, SubtitleFormat.SRT, begin, begin + 2000, CHICAGO, lang)
        assert read_cues(path, SubtitleFormat.SRT) == [(0, 1000, texts[0]), (1000, 2000, texts[1])], lang


def test_the_repeated_hour_is_told_apart_by_its_offset(tmp_path: Path) -> None:
    # 2018-11-04 in Chicago: 01:59:59 CDT is followed by 01:00:00 CST
    begin = int(datetime(2018, 11, 4, 6, 59, 58, 500000, ZoneInfo("UTC")).timestamp() * 1000)
    path = tmp_path / "dst.vtt"
    write_subtitles(path, SubtitleFormat.VTT, begin, begin + 3000, CHICAGO, "en-US")
    assert read_cues(path, SubtitleFormat.VTT) == [
        (0, 500, "Nov 4, 2018, 1:59:58 AM -05:00"),
        (500, 1500, "Nov 4, 2018, 1:59:59 AM -05:00"),
        (1500, 2500, "Nov 4, 2018, 1:00:00 AM -06:00"),
        (2500, 3000, "Nov 4, 2018, 1:00:01 AM -06:00"),
    ]


@pytest.mark.parametrize("fmt", list(SubtitleFormat))
def test_an_empty_range_has_no_cues(tmp_path: Path, fmt: SubtitleFormat) -> None:
    path = tmp_path / f"empty{fmt.suffix}"
    write_subtitles(path, fmt, BEGIN_MS, BEGIN_MS, CHICAGO, "en-US")
    assert not re.search(r"\d --> \d|<SYNC", path.read_text())


def test_hours_in_cue_times(tmp_path: Path) -> None:
    path = tmp_path / "long.vtt"
    write_subtitles(path, SubtitleFormat.VTT, BEGIN_MS, BEGIN_MS + 3600_500, CHICAGO, "en-US")
    cues = read_cues(path, SubtitleFormat.VTT)
    assert len(cues) == 3602  # the part second, then 3601 whole ones
    assert cues[-1] == (3600_175, 3600_500, "Jul 27, 2018, 10:11:20 AM -05:00")
    assert path.read_text().endswith("\n01:00:00.175 --> 01:00:00.500\nJul 27, 2018, 10:11:20 AM -05:00\n")


def test_md5_is_hashlibs(tmp_path: Path) -> None:
    data = os.urandom(2_500_000)  # several read chunks
    (tmp_path / "a.mp4").write_bytes(data)
    (tmp_path / "empty").write_bytes(b"")
    assert md5_of(tmp_path / "a.mp4") == hashlib.md5(data).hexdigest()
    assert md5_of(tmp_path / "empty") == "d41d8cd98f00b204e9800998ecf8427e"


PASSWORD = "Évidence 증거-1"


@pytest.fixture
def sealed_video(tmp_path: Path) -> tuple[Path, bytes]:
    data = os.urandom(1_200_000)
    video = tmp_path / "CH1.2018-07-27T09.11.19.mp4"
    video.write_bytes(data)
    return seal(video, PASSWORD), data


def test_seal_encrypts_with_aes_256(sealed_video: tuple[Path, bytes]) -> None:
    archive, data = sealed_video
    assert archive.name == "CH1.2018-07-27T09.11.19.mp4.zip"
    assert sorted(p.name for p in archive.parent.iterdir()) == [archive.name]  # original and partial gone
    with pyzipper.AESZipFile(archive) as z:
        [info] = z.infolist()
        assert (info.filename, info.compress_type, info.file_size) == (archive.name[:-4], zipfile.ZIP_STORED, len(data))
        assert info.wz_aes_strength == 3  # 256 bits
        with pytest.raises(RuntimeError, match="requires a password"):
            z.read(info)
        z.setpassword(b"wrong")
        with pytest.raises(RuntimeError, match="Bad password"):
            z.read(info)
        z.setpassword(PASSWORD.encode())
        assert z.read(info) == data
    with zipfile.ZipFile(archive) as plain, pytest.raises(NotImplementedError):
        plain.read(info.filename, pwd=PASSWORD.encode())  # no AES: the stdlib cannot read it


def test_seal_deflates_subtitles(tmp_path: Path) -> None:
    path = write_subtitles(tmp_path / "a.vtt", SubtitleFormat.VTT, BEGIN_MS, BEGIN_MS + 600_000, CHICAGO, "en-US")
    text = path.read_bytes()
    archive = seal(path, PASSWORD)
    assert not path.exists()
    with pyzipper.AESZipFile(archive) as z:
        z.setpassword(PASSWORD.encode())
        assert z.infolist()[0].compress_type == zipfile.ZIP_DEFLATED
        assert z.read("a.vtt") == text
    assert archive.stat().st_size < len(text) // 4


def test_seal_leaves_nothing_when_it_fails(tmp_path: Path) -> None:
    missing = tmp_path / "gone.mp4"
    with pytest.raises(FileNotFoundError):
        seal(missing, PASSWORD)
    assert list(tmp_path.iterdir()) == []


def standard_tool(name: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not os.environ.get("CI") and shutil.which(name) is None,
                              reason=f"{name} missing: run scripts/test to install it")


@standard_tool("7zz")
def test_7zip_opens_it_with_the_password_only(sealed_video: tuple[Path, bytes], tmp_path: Path) -> None:
    archive, data = sealed_video
    wrong = subprocess.run(["7zz", "t", "-pwrong", str(archive)], capture_output=True, text=True)
    assert wrong.returncode != 0 and "Wrong password" in wrong.stdout + wrong.stderr
    out = tmp_path / "7z-out"
    subprocess.run(["7zz", "x", f"-p{PASSWORD}", f"-o{out}", str(archive)], check=True, capture_output=True)
    assert (out / archive.name[:-4]).read_bytes() == data
    listing = subprocess.run(["7zz", "l", "-slt", f"-p{PASSWORD}", str(archive)], check=True, capture_output=True,
                             text=True).stdout
    assert "Method = AES-256 Store" in listing


@standard_tool("bsdtar")
def test_bsdtar_opens_it_with_the_password_only(sealed_video: tuple[Path, bytes]) -> None:
    archive, data = sealed_video
    wrong = subprocess.run(["bsdtar", "-xOf", str(archive), "--passphrase", "wrong"], capture_output=True)
    assert wrong.returncode != 0 and wrong.stdout == b""
    right = subprocess.run(["bsdtar", "-xOf", str(archive), "--passphrase", PASSWORD], capture_output=True, check=True)
    assert right.stdout == data
