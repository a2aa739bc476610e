"""Where an ONVIF channel's video is: the RTSP URIs of its camera's main and sub profiles, read over
ONVIF (GetStreamUri) with the channel's credentials, for the capture thread.

    streams = OnvifStreams(source, timeout_s=5.0)
    session_source = streams.session_source()   # before each connection: the camera asked again
    streams.uris                                # the latest answer: main, sub (live sub, analytics)

The capture asks before every connection, so a camera that rebooted or changed its stream address
is followed when the capture reconnects after the failure that caused. When the camera cannot be
asked (down, refusing the credentials, no media service), the connection goes to the URI it gave
last, or to the channel's stored source when it never answered: the RTSP open then reports the
channel's status as for any camera. The credentials are added by recorder.source when it opens
the URI (it carries none itself).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass

from recorder.onvif.address import device_address
from recorder.onvif.camera import OnvifCamera, Profile
from recorder.onvif.errors import DeviceError, InvalidRequest, NotSupported
from recorder.source import ChannelSource, redacted

log = logging.getLogger("tsnvr.recorder")


@dataclass(frozen=True)
class StreamUris:
    main: str
    sub: str | None = None  # the second profile's, when the camera has one
    sub_size: tuple[int, int] | None = None  # its encoder's resolution, when the camera gives it

    @classmethod
    def of(cls, profiles: list[Profile]) -> StreamUris:
        """From profiles sorted main first."""
        if not profiles:
            raise NotSupported("the camera has no media profile with video")
        if len(profiles) < 2:
            return cls(profiles[0].stream_uri)
        sub = profiles[1]
        size = (sub.width, sub.height) if sub.width > 0 and sub.height > 0 else None
        return cls(profiles[0].stream_uri, sub.stream_uri, size)


async def read_stream_uris(device_url: str, uid: str | None, password: str | None, timeout_s: float) -> StreamUris:
    """The main and sub stream URIs the camera gives now; recorder.onvif.errors on failure."""
    camera = await OnvifCamera.connect(device_url, uid, password, timeout=timeout_s)
    try:
        return StreamUris.of(await camera.profiles())
    finally:
        await camera.close()


class OnvifStreams:
    """One ONVIF channel's stream URIs, asked of the camera before each connection."""

    def __init__(self, source: ChannelSource, timeout_s: float,
                 on_changed: Callable[[StreamUris], None] | None = None) -> None:
        self.source = source
        self.timeout_s = timeout_s
        self.on_changed = on_changed  # the main URI differs from the one read before (not the first)
        self.uris: StreamUris | None = None
        self.error: DeviceError | None = None  # why the latest ask failed; None when it answered

    @property
    def device_address(self) -> tuple[str, int] | None:
        """host, port of the device service: the address to watch for the camera coming back."""
        try:
            return device_address(self.source.device_url or "")
        except InvalidRequest:
            return None

    def session_source(self) -> ChannelSource:
        """The channel's source with the camera's main stream URI, asked now (in the calling
        thread, on an event loop of its own, bounded by timeout_s)."""
        try:
            uris = asyncio.run(read_stream_uris(self.source.device_url or "", self.source.uid,
                                                self.source.password, self.timeout_s))
        except DeviceError as exc:
            self.error = exc
            fallback = self.uris.main if self.uris is not None else self.source.source
            log.info("cannot read the camera's stream address", extra={"fields": {
                "chid": self.source.chid, "device": self.source.device_url, "code": exc.code,
                "error": exc.detail, "using": redacted(fallback)}})
            return dataclasses.replace(self.source, source=fallback)
        self.error = None
        previous, self.uris = self.uris, uris
        if previous is not None and previous.main != uris.main and self.on_changed is not None:
            self.on_changed(uris)
        return dataclasses.replace(self.source, source=uris.main)
