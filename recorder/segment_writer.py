"""One segment file: a fragmented MP4 written as NAME.mp4.part and renamed to NAME.mp4 on close.

Remux only: the output stream copies the input stream's codec parameters. Fragmented MP4 with a
fragment at least every second keeps all but the last second playable when the process dies
(a plain MP4 cut short has no index and is lost whole).

The file is opened here and handed to FFmpeg as a file object, for two reasons. PyAV leaks the
file descriptor FFmpeg opened itself when writing the header fails (ENOSPC on a full disk does
that), and a leaked descriptor of a deleted file keeps its space taken. And seeing each write
tells when video (a `moof` fragment, not only the header) has reached the disk: only then does
the channel count as recording.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import av
from av.container import OutputContainer
from av.packet import Packet
from av.video.stream import VideoStream

from recorder import segment_files

FRAGMENTED_MP4 = {
    "movflags": "frag_keyframe+empty_moov+default_base_moof",
    "frag_duration": "1000000",
    "flush_packets": "1",
}


class _SegmentFile(io.RawIOBase):
    """The unbuffered .part file FFmpeg writes through; notes when a fragment has been written."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._file = open(path, "wb", buffering=0)  # noqa: SIM115 - closed by close()
        self.fragment_written = False

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data)
        written = self._file.write(view)
        if written is None:  # a raw file never returns None, but its type allows it
            raise OSError("write did not complete")
        while written < len(view):  # a raw write may be short; FFmpeg expects all of it taken
            more = self._file.write(view[written:])
            written += more or 0
        if not self.fragment_written and b"moof" in bytes(view):  # the header's last write may carry it
            self.fragment_written = True
        return written

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        try:
            self._file.close()
        finally:
            super().close()


class SegmentWriter:
    def __init__(self, part: Path, template: VideoStream) -> None:
        part.parent.mkdir(parents=True, exist_ok=True)
        self.part = part
        self._file = _SegmentFile(part)
        try:
            self._output: OutputContainer = av.open(self._file, "w", format="mp4",
                                                    container_options=FRAGMENTED_MP4)
            self._stream = self._output.add_stream_from_template(template)
        except BaseException:
            self._file.close()
            part.unlink(missing_ok=True)
            raise
        self._origin: int | None = None
        self.packets = 0

    @property
    def on_disk(self) -> bool:
        """True once a fragment of video (not only the header) has been written to the file."""
        return self._file.fragment_written

    def write(self, packet: Packet) -> None:
        """Mux a packet whose dts is set; timestamps are shifted so that the file starts at 0."""
        dts = packet.dts
        assert dts is not None
        if self._origin is None:
            self._origin = dts
        packet.dts = dts - self._origin
        packet.pts = packet.dts if packet.pts is None else packet.pts - self._origin
        packet.stream = self._stream
        self._output.mux(packet)
        self.packets += 1

    def close(self) -> Path:
        """Finish the file and give it its final name; returns that name."""
        try:
            self._output.close()
        finally:
            self._file.close()
        final = segment_files.final_path(self.part)
        os.replace(self.part, final)
        return final

    def abandon(self) -> None:
        """Close after a failure: keep what was written (as .part, for repair) if the close works."""
        with contextlib.suppress(OSError, av.FFmpegError):
            self._output.close()
        with contextlib.suppress(OSError):
            self._file.close()
