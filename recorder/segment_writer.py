"""One segment file: a fragmented MP4 written as NAME.mp4.part and renamed to NAME.mp4 on close.

Remux only: the output stream copies the input stream's codec parameters. Fragmented MP4 with a
fragment at least every second keeps all but the last second playable when the process dies
(a plain MP4 cut short has no index and is lost whole).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import av
from av.packet import Packet
from av.video.stream import VideoStream

from recorder import segment_files

FRAGMENTED_MP4 = {
    "movflags": "frag_keyframe+empty_moov+default_base_moof",
    "frag_duration": "1000000",
    "flush_packets": "1",
}


class SegmentWriter:
    def __init__(self, part: Path, template: VideoStream) -> None:
        part.parent.mkdir(parents=True, exist_ok=True)
        self.part = part
        self._output = av.open(str(part), "w", format="mp4", container_options=FRAGMENTED_MP4)
        try:
            self._stream = self._output.add_stream_from_template(template)
        except BaseException:
            self._output.close()
            part.unlink(missing_ok=True)
            raise
        self._origin: int | None = None
        self.packets = 0

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
        self._output.close()
        final = segment_files.final_path(self.part)
        os.replace(self.part, final)
        return final

    def abandon(self) -> None:
        """Close after a failure: keep what was written (as .part, for repair) if the close works."""
        with contextlib.suppress(OSError, av.FFmpegError):
            self._output.close()
