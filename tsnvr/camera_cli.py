"""`tsnvr camera discover` (ONVIF cameras that answer a WS-Discovery probe) and `tsnvr camera add`
(an ONVIF camera as a channel, after checking that it answers). The network and ONVIF code is
imported inside the commands, so the other commands load none of it."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tsnvr.cli_common import common, database, load_settings, positive_int

if TYPE_CHECKING:
    from recorder.onvif.camera import DeviceInfo, Profile
    from recorder.onvif.discovery import Device

DISCOVERY_PORT = 3702
ONVIF_PORT = 80


class CameraError(Exception):
    """A wrong address or a refused channel: exit status 2."""


def split_host_port(text: str, default_port: int) -> tuple[str, int]:
    """host, host:port, [v6] or [v6]:port."""
    parts = urlsplit(f"//{text.strip()}")
    try:
        port = parts.port
    except ValueError:
        raise CameraError(f"bad port in {text!r}") from None
    if not parts.hostname or parts.path or parts.query or parts.username:
        raise CameraError(f"{text!r} is not a host or host:port")
    return parts.hostname, port or default_port


def device_url(address: str) -> str:
    """A channel's device URL from host[:port], onvif://host:port or a device service URL (an XAddr
    as `discover` prints it): onvif://host:port (the guide's form) for plain HTTP at the standard
    /onvif/device_service, else the device service URL itself (https, another path)."""
    from recorder.onvif.address import DEVICE_SERVICE_PATH, DeviceEndpoint, device_endpoint
    from recorder.onvif.errors import InvalidRequest

    scheme, _, rest = address.partition("://")
    if not rest:
        host, port = split_host_port(address, ONVIF_PORT)
        endpoint = DeviceEndpoint("http", host, port)
    elif scheme.lower() in ("onvif", "http", "https"):
        try:
            endpoint = device_endpoint(address)
        except InvalidRequest as exc:
            raise CameraError(exc.detail) from None
    else:
        raise CameraError(f"{address!r}: write the camera's address as host[:port] or onvif://host:port")
    if endpoint.scheme == "http" and endpoint.path == DEVICE_SERVICE_PATH:
        host = endpoint.host
        return f"onvif://[{host}]:{endpoint.port}" if ":" in host else f"onvif://{host}:{endpoint.port}"
    return endpoint.url


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0, at most 600")
    return value


def _password(args: argparse.Namespace) -> str:
    if args.password is not None:
        return str(args.password)
    env = os.environ.get("TSNVR_CAMERA_PASSWORD")
    if env is not None:
        return env
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass(f"password of {args.user} on the camera: ")


@dataclass
class CameraFacts:
    """What a camera said when asked with credentials."""

    info: DeviceInfo
    profiles: list[Profile]


async def ask_camera(url: str, user: str, password: str, timeout: float) -> CameraFacts:
    """Connect, read the device information and the profiles; recorder.onvif.errors on failure."""
    from recorder.onvif.camera import OnvifCamera

    camera = await OnvifCamera.connect(url, user, password, timeout=timeout)
    try:
        return CameraFacts(await camera.device_info(), await camera.profiles())
    finally:
        await camera.close()


# --- discover -------------------------------------------------------------------------------------

def profile_json(profile: Profile) -> dict[str, Any]:
    return {"token": profile.token, "name": profile.name, "encoding": profile.encoding, "width": profile.width,
            "height": profile.height, "streamUri": profile.stream_uri}


def device_json(device: Device, facts: CameraFacts | None, error: Exception | None) -> dict[str, Any]:
    host_port = device.host_port
    out: dict[str, Any] = {
        "address": device.xaddrs[0] if device.xaddrs else "",
        "device": device_url(f"{host_port[0]}:{host_port[1]}") if host_port else None,
        "name": device.name,
        "make": facts.info.manufacturer if facts else "",
        "model": (facts.info.model if facts else "") or device.hardware,
        "location": device.location,
        "endpoint": device.endpoint,
        "xaddrs": list(device.xaddrs),
        "scopes": list(device.scopes),
        "types": list(device.types),
        "from": device.sender,
    }
    if facts is not None:
        out["profiles"] = [profile_json(p) for p in facts.profiles]
    if error is not None:
        out["error"] = {"code": getattr(error, "code", -9), "message": str(error) or type(error).__name__}
    return out


def device_line(item: dict[str, Any]) -> str:
    profiles = item.get("profiles")
    shown = ", ".join(f"{p['token']} {p['width']}x{p['height']} {p['encoding']}" for p in profiles or [])
    columns = [item["address"], item["name"], item["make"], item["model"], shown]
    return "\t".join(c or "-" for c in columns)


async def discover(args: argparse.Namespace, password: str | None) -> list[dict[str, Any]]:
    from recorder.onvif.discovery import probe
    from recorder.onvif.errors import DeviceError

    target = split_host_port(args.address, DISCOVERY_PORT) if args.address else None
    devices = await probe(timeout=args.timeout, address=target)

    async def describe(device: Device) -> dict[str, Any]:
        facts, error = None, None
        host_port = device.host_port
        if args.user is not None and password is not None and host_port:
            try:
                facts = await ask_camera(device_url(f"{host_port[0]}:{host_port[1]}"), args.user, password,
                                         args.timeout)
            except (DeviceError, NotImplementedError) as exc:
                error = exc
        return device_json(device, facts, error)

    described = await asyncio.gather(*(describe(d) for d in devices))
    return sorted(described, key=lambda item: (item["address"], item["endpoint"]))


def cmd_discover(args: argparse.Namespace) -> int:
    password = _password(args) if args.user is not None else None
    try:
        found = asyncio.run(discover(args, password))
    except OSError as exc:
        print(f"tsnvr: the probe could not be sent: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        for item in found:
            print(device_line(item))
            if "error" in item:
                print(f"tsnvr: {item['address']}: {item['error']['message']}", file=sys.stderr)
    if not found:
        print("tsnvr: no ONVIF camera answered", file=sys.stderr)
        return 1
    return 0


# --- add ------------------------------------------------------------------------------------------

def cmd_add(args: argparse.Namespace) -> int:
    from recorder.onvif.errors import DeviceError
    from storage.channel_store import AddFailure, add_channels
    from storage.channels import all_channels
    from storage.eventlog import ChannelCode, EventLog, EventType
    from storage.models import ANY_FREE_CHID, Channel

    url = device_url(args.address)
    password = _password(args)
    settings = load_settings(args)
    try:
        facts = asyncio.run(ask_camera(url, args.user, password, args.timeout))
    except DeviceError as exc:
        print(f"tsnvr: the camera at {url} did not answer as an ONVIF device: {exc or type(exc).__name__}",
              file=sys.stderr)
        return 3
    if not facts.profiles or not facts.profiles[0].stream_uri:
        print(f"tsnvr: the camera at {url} has no media profile with a stream", file=sys.stderr)
        return 3
    db = database(args)
    try:
        for channel in all_channels(db):
            if channel.device_url == url:
                raise CameraError(f"{url} is channel {channel.chid} already")
        row = Channel(chid=args.chid or ANY_FREE_CHID, name=args.name or facts.info.name, type="onvif",
                      source=facts.profiles[0].stream_uri, tcp=True, uid=args.user or None,
                      password=password or None, substream=args.substream, device_url=url,
                      device_name=facts.info.name or None)
        (stored,) = add_channels(db, [row], settings.max_channels)
        if stored == AddFailure.CHID_IN_USE:
            raise CameraError(f"channel {args.chid} exists already")
        if stored == AddFailure.OVER_LIMIT:
            raise CameraError(f"there are {settings.max_channels} channels already (the max_channels setting)")
        assert isinstance(stored, Channel)
        EventLog(db).record(EventType.CHANNEL, ChannelCode.ADDED, {"chid": stored.chid, "name": stored.name},
                            chid=stored.chid)
        print(f"channel {stored.chid} added: {stored.name or '-'}, {url}, {stored.source}")
        return 0
    finally:
        db.dispose()


def cmd_camera(args: argparse.Namespace) -> int:
    # before onvif is imported: its client module calls logging.basicConfig(level=INFO), which would
    # print every INFO line (alembic's among them) on standard error
    logging.basicConfig(level=logging.WARNING)
    try:
        return int(cmd_discover(args) if args.action == "discover" else cmd_add(args))
    except CameraError as exc:
        print(f"tsnvr: {exc}", file=sys.stderr)
        return 2


def add_commands(sub: argparse._SubParsersAction) -> None:
    camera = sub.add_parser("camera", parents=[common], help="find ONVIF cameras, add one as a channel")
    actions = camera.add_subparsers(dest="action", required=True)
    discover = actions.add_parser("discover", parents=[common],
                                  help="list the ONVIF cameras that answer a WS-Discovery probe")
    discover.add_argument("--timeout", type=seconds, default=3.0, help="seconds to wait for answers (default 3)")
    discover.add_argument("--json", action="store_true", help="print a JSON array")
    discover.add_argument("--address", help="probe this host (IP[:PORT], port 3702 by default) by unicast "
                                            "instead of the local network's multicast group")
    discover.add_argument("--user", help="camera user: also read make, model and profiles from each camera")
    discover.add_argument("--password", help="camera password (else $TSNVR_CAMERA_PASSWORD, stdin or a prompt)")
    add = actions.add_parser("add", parents=[common], help="add an ONVIF camera as a channel")
    add.add_argument("address", help="host[:port] (port 80 by default), onvif://host:port or a device service URL")
    add.add_argument("--user", required=True)
    add.add_argument("--password", help="else $TSNVR_CAMERA_PASSWORD, one line of standard input, or a prompt")
    add.add_argument("--name", help="channel name (default: the camera's name scope)")
    add.add_argument("--chid", type=positive_int, help="channel number (default: the lowest free one)")
    add.add_argument("--substream", action=argparse.BooleanOptionalAction, default=True,
                     help="analyse the camera's sub stream (default: yes)")
    add.add_argument("--timeout", type=seconds, default=5.0, help="seconds the camera has to answer each call")
    camera.set_defaults(func=cmd_camera)
