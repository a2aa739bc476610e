"""What every control endpoint does first: the language, the Control right, the target channel(s);
and the wrapper that turns Refused and the camera's errors into the guide's {"code", "message"}.

A caller without credentials gets 401 as everywhere; a signed-in user without the Control right (or
without Remote) gets HTTP 200 with code -1 "No user rights", the guide's answer, which a client
written from the guide expects rather than the 403 of the other endpoints.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from recorder.onvif.camera import Caps
from recorder.onvif.errors import DeviceError
from storage.channels import all_channels, get_channel
from storage.models import Channel
from web.control.codes import INVALID_CHANNEL, INVALID_PARAMETERS, INVALID_REQUEST, NO_RIGHTS, Refused, status
from web.core.answers import ts_json
from web.core.auth import require
from web.core.cameras import CameraEntry, CameraRegistry
from web.core.context import Services, services_of
from web.core.errors import ApiError
from web.core.numbers import channel_number
from web.core.params import Query

MAX_TOKEN = 256  # a preset or relay token, a preset name


@dataclass
class ControlRequest:
    request: Request
    services: Services
    lang: str

    @property
    def params(self) -> Any:
        return self.request.query_params

    @property
    def cameras(self) -> CameraRegistry:
        return self.services.cameras

    def one_command(self, commands: tuple[str, ...]) -> str:
        """The one command of `commands` the query names: -7 for none or several."""
        given = [c for c in commands if c in self.params]
        if len(given) != 1:
            raise Refused(INVALID_REQUEST)
        return given[0]

    def text(self, name: str) -> str:
        """A parameter's text (-8 when longer than a token may be or holding U+0000)."""
        value = self.params.get(name, "")
        if len(value) > MAX_TOKEN or "\x00" in value:
            raise Refused(INVALID_PARAMETERS)
        return str(value)

    def tokens(self, name: str) -> list[str]:
        """The comma-separated tokens of `name`, each once, in order; -8 when there are none."""
        out: list[str] = []
        for part in self.text_list(name):
            if part not in out:
                out.append(part)
        if not out:
            raise Refused(INVALID_PARAMETERS)
        return out

    def text_list(self, name: str) -> list[str]:
        value = self.params.get(name, "")
        if len(value) > 64 * MAX_TOKEN or "\x00" in value:
            raise Refused(INVALID_PARAMETERS)
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if any(len(p) > MAX_TOKEN for p in parts):
            raise Refused(INVALID_PARAMETERS)
        return parts

    async def channel(self) -> Channel:
        """The one channel `ch` names: -5 when it is missing, not a channel number, several, or unknown."""
        number = channel_number(self.params.get("ch", "").strip())
        if number is None:
            raise Refused(INVALID_CHANNEL)
        channel = await run_in_threadpool(get_channel, self.services.db, number)
        if channel is None:
            raise Refused(INVALID_CHANNEL)
        return channel

    async def channels(self) -> list[Channel | int]:
        """The channels `ch=1,2,3` names (each once, in order; an unknown one as its number), or all
        channels without `ch`. -5 when `ch` is not a list of channel numbers."""
        known = {c.chid: c for c in await run_in_threadpool(all_channels, self.services.db)}
        value = self.params.get("ch")
        if value is None or not value.strip():
            return list(known.values())
        out: list[Channel | int] = []
        for part in value.split(","):
            number = channel_number(part.strip())
            if number is None:
                raise Refused(INVALID_CHANNEL)
            if all(number != (c if isinstance(c, int) else c.chid) for c in out):
                out.append(known.get(number, number))
        return out

    async def camera(self, channel: Channel) -> CameraEntry:
        """The channel's connected camera (-2 for a channel that is not ONVIF, -3 when unreachable)."""
        return await self.cameras.connected(channel)


def has_control(request: Request) -> bool:
    """Whether the signed-in user holds Remote and Control; ApiError 401 without credentials."""
    try:
        require(request, "Control")
    except ApiError as exc:
        if exc.status == 403:
            return False
        raise
    return True


def supported(caps: Caps | None, *needs: bool) -> bool:
    """Unknown caps never refuse a command (the camera answers for itself)."""
    return caps is None or any(needs)


Handler = Callable[[ControlRequest], Awaitable[dict[str, Any] | list[dict[str, Any]]]]


def control_endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A GET endpoint answering HTTP 200 with the handler's JSON, or {"code", "message"} for a
    refusal or a camera's error."""

    async def endpoint(request: Request) -> Response:
        services = services_of(request)
        lang = Query(request).lang(services.settings.language)
        data: dict[str, Any] | list[dict[str, Any]]
        try:
            if not await run_in_threadpool(has_control, request):
                raise Refused(NO_RIGHTS)
            data = await handler(ControlRequest(request, services, lang))
        except (Refused, DeviceError) as exc:
            data = status(lang, exc.code)
        return ts_json(request, data)

    return endpoint
