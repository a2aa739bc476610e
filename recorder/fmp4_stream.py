"""A fragmented-MP4 muxer writing to memory: packets in, an init segment (ftyp+moov) and one
fragment (moof+mdat) per frame out, each fragment tagged with the packet it holds.

FFmpeg writes a frame's fragment when the next frame arrives (that is when its duration is known),
so fragments come out one packet behind; they may also arrive in several writes, hence the box
parser rather than one write per fragment.
"""

from __future__ import annotations

import io
import struct
from collections import deque
from dataclasses import dataclass
from fractions import Fraction

import av
from av.packet import Packet
from av.video.stream import VideoStream

LIVE_FMP4 = {
    "movflags": "frag_every_frame+empty_moov+default_base_moof",
    "flush_packets": "1",
}
HEADER = struct.Struct(">I4s")


@dataclass(frozen=True)
class Fragment:
    data: bytes
    keyframe: bool
    dts: int  # in the input stream's time base
    wall_ms: float


class _Sink(io.RawIOBase):
    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.buffer += data
        return len(data)


class Fmp4Stream:
    def __init__(self, template: VideoStream, time_base: Fraction) -> None:
        self.time_base = time_base
        self._sink = _Sink()
        self._output = av.open(self._sink, "w", format="mp4", container_options=LIVE_FMP4)
        self._stream = self._output.add_stream_from_template(template)
        self._waiting: deque[tuple[bool, int, float]] = deque()  # muxed packets whose fragment is due
        self._moof: bytes | None = None
        self.init: bytes | None = None
        self._init_parts: list[bytes] = []

    def mux(self, data: bytes, pts: int | None, dts: int, keyframe: bool, wall_ms: float) -> list[Fragment]:
        """Mux one frame; returns the fragments completed by it (normally the previous frame's)."""
        packet = Packet(data)
        packet.dts, packet.pts = dts, pts if pts is not None else dts
        packet.time_base = self.time_base
        packet.is_keyframe = keyframe
        packet.stream = self._stream
        self._waiting.append((keyframe, dts, wall_ms))
        self._output.mux(packet)
        return self._take()

    def close(self) -> list[Fragment]:
        """Flush the last frame's fragment and end the muxer."""
        try:
            self._output.close()
        except (av.FFmpegError, OSError):
            return []
        return self._take()

    def _take(self) -> list[Fragment]:
        out: list[Fragment] = []
        buffer = self._sink.buffer
        offset = 0
        while offset + HEADER.size <= len(buffer):
            size, kind = HEADER.unpack_from(buffer, offset)
            if size < HEADER.size or offset + size > len(buffer):
                break  # 64-bit sizes never occur for one frame; a short box is still being written
            box = bytes(buffer[offset:offset + size])
            offset += size
            if kind == b"moof":
                self._moof = box
            elif kind == b"mdat" and self._moof is not None:
                data, self._moof = self._moof + box, None
                keyframe, dts, wall_ms = self._waiting.popleft() if self._waiting else (False, 0, 0.0)
                out.append(Fragment(data, keyframe, dts, wall_ms))
            elif self.init is None and kind in (b"ftyp", b"moov"):
                self._init_parts.append(box)
                if kind == b"moov":
                    self.init = b"".join(self._init_parts)
        del buffer[:offset]
        return out


def codec_string(init: bytes) -> str:
    """The RFC 6381 codecs value MediaSource needs, read from the init segment's sample entry."""
    at = init.find(b"avcC")
    if at >= 0 and len(init) >= at + 8:
        profile, compat, level = init[at + 5:at + 8]
        return f"avc1.{profile:02x}{compat:02x}{level:02x}"
    at = init.find(b"hvcC")
    if at >= 0 and len(init) >= at + 17:
        return _hevc_string(init[at + 4:at + 17], "hvc1" if b"hvc1" in init else "hev1")
    return "avc1.42e01e"


def _hevc_string(config: bytes, tag: str) -> str:
    first = config[1]
    space = "".join("ABC"[(first >> 6) - 1]) if first >> 6 else ""
    tier = "H" if first & 0x20 else "L"
    profile = first & 0x1F
    compat = int.from_bytes(config[2:6], "big")
    compat_reversed = int(f"{compat:032b}"[::-1], 2)
    constraints = bytearray(config[6:12])
    while constraints and constraints[-1] == 0:
        constraints.pop()
    level = config[12]
    parts = [tag, f"{space}{profile}", f"{compat_reversed:x}", f"{tier}{level}"]
    parts += [f"{b:x}" for b in constraints]
    return ".".join(parts)
