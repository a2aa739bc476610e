"""Opening a channel's video source with PyAV, and what a failure to do so means in TS-API terms."""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import av
from av.container import InputContainer

from recorder.events import ChannelStatus
from storage.models import Channel

# Short probing: the first packet comes in ~0.03 s instead of ~0.9 s.
PROBE_OPTIONS = {"analyzeduration": "200000", "probesize": "65536"}


@dataclass(frozen=True)
class ChannelSource:
    """What a capture needs of a Channel row (a plain copy: the thread never touches the ORM)."""

    chid: int
    type: str = "rtsp"
    source: str = ""
    tcp: bool = True
    uid: str | None = None
    password: str | None = None
    playback: str | None = None  # file channels: "once" or "repeat"
    device_url: str | None = None  # onvif channels: onvif://host:port (the stream URI is asked of it)
    substream: bool = False  # onvif channels: analytics may use the camera's sub stream

    @classmethod
    def from_channel(cls, channel: Channel) -> ChannelSource:
        return cls(chid=channel.chid, type=channel.type or "rtsp", source=channel.source, tcp=channel.tcp,
                   uid=channel.uid, password=channel.password, playback=channel.playback,
                   device_url=channel.device_url, substream=channel.substream)

    @property
    def is_onvif(self) -> bool:
        return self.type == "onvif" and bool(self.device_url)

    @property
    def is_file(self) -> bool:
        return self.type == "file"

    @property
    def repeats(self) -> bool:
        return self.playback == "repeat"


def with_credentials(url: str, uid: str | None, password: str | None) -> str:
    """The URL with uid/password as its user info (URL-encoded), replacing any it had."""
    if not uid:
        return url
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    user_info = quote(uid, safe="") + (":" + quote(password, safe="") if password else "")
    return urlunsplit(parts._replace(netloc=f"{user_info}@{host}"))


def redacted(url: str) -> str:
    """The URL without a password, for logs."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    user_info, _, host = parts.netloc.rpartition("@")
    user = unquote(user_info.partition(":")[0])
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}:***@{host}"))


_CREDENTIALS_IN_TEXT = re.compile(r"(\b[a-zA-Z][\w+.-]*://)([^/\s:@'\"]*):[^/\s'\"]*@")


def redacted_text(text: str) -> str:
    """Any text (such as FFmpeg's error messages, which quote the URL) with passwords masked."""
    return _CREDENTIALS_IN_TEXT.sub(r"\1\2:***@", text)


def file_path(source: ChannelSource, data_dir: Path) -> Path:
    """A file channel's video: an absolute path, a file:// URL, or a path relative to the data dir."""
    text = source.source
    if text.startswith("file://"):
        text = unquote(urlsplit(text).path)
    path = Path(text)
    return path if path.is_absolute() else data_dir / path


def open_source(source: ChannelSource, data_dir: Path, timeout_s: float) -> InputContainer:
    """Open the source; raises av.FFmpegError / OSError (see status_for_error)."""
    if source.is_file:
        path = file_path(source, data_dir)
        if not path.is_file():
            raise FileNotFoundError(errno.ENOENT, "no such video file", str(path))
        return av.open(str(path), "r", options=dict(PROBE_OPTIONS))
    # FFmpeg's own socket timeout, not PyAV's `timeout=`: PyAV's interrupt callback takes the GIL
    # on every network read, which cost ~0.1 % of a core per 1080p stream in system time alone.
    # A silent server fails the open after timeout_s; a stream that stalls ends after ~2 x timeout_s.
    options = {
        **PROBE_OPTIONS,
        "rtsp_transport": "tcp" if source.tcp else "udp",
        "allowed_media_types": "video",
        "timeout": str(int(timeout_s * 1_000_000)),  # microseconds
    }
    return av.open(with_credentials(source.source, source.uid, source.password), "r", options=options)


def status_for_error(exc: BaseException, elapsed_s: float, timeout_s: float) -> int:
    """The TS-API channel status for a failure to open or read, as far as it can be told."""
    if isinstance(exc, av.error.HTTPUnauthorizedError):
        return ChannelStatus.LOGIN_FAILED
    if isinstance(exc, av.error.HTTPForbiddenError):
        return ChannelStatus.BLOCKED
    if isinstance(exc, av.error.HTTPNotFoundError):
        return ChannelStatus.NO_VIDEO  # the camera answered, but has no such stream
    if isinstance(exc, FileNotFoundError):
        return ChannelStatus.NO_FILE
    if isinstance(exc, av.error.HTTPServerError):
        return ChannelStatus.SERVICE_FAILURE
    if isinstance(exc, TimeoutError | av.error.ExitError) or elapsed_s >= timeout_s * 0.95:
        # An interrupted open surfaces as "invalid data": only the time it took tells.
        return ChannelStatus.TIMEOUT
    if isinstance(exc, ConnectionRefusedError) or (
            isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ECONNRESET)):
        return ChannelStatus.NO_NETWORK
    return ChannelStatus.RECONNECTING
