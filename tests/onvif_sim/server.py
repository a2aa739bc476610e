"""OnvifSimulator: an ONVIF camera on 127.0.0.1 for tests (SOAP 1.2 over HTTP, in a thread).

    sim = OnvifSimulator(rtsp_main="rtsp://127.0.0.1:8554/file", user="admin", password="secret")
    sim.start()                     # a free port, < 1 s (the WSDLs load once per process)
    sim.url                         # onvif://127.0.0.1:PORT (device service /onvif/device_service)
    ... a client talks to it ...
    sim.calls_of("ContinuousMove")[-1].args["Velocity"]["PanTilt"]   # what the camera was told
    sim.ptz.pan, sim.presets, sim.relays[0].active                    # its state
    sim.stop()                      # the camera is down (connection refused); start() again: back up

Every request is read as ONVIF asks: a SOAP 1.2 envelope (Content-Type application/soap+xml), one
body element that is an operation of the service at that address, valid against the WSDL's schema
(lxml), then read by zeep; a WS-Security UsernameToken PasswordDigest whose Created is within
max_clock_skew of the camera's clock (its own time plus clock_offset) for every operation but the
pre-authentication ones. Answers are written by zeep from the schema types and validated too.
Knobs: features (services and capabilities present), delays (a busy camera: seconds per operation
name, "*" for all), clock_offset, profiles' stream URIs (set_stream_uri), change_address,
reboot_downtime, stop()/start() (camera down), trigger_motion/trigger_tamper (pull-point events),
tls (https with a self-signed certificate) and service_root (services somewhere other than /onvif).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import http.server
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from zeep.helpers import serialize_object

from . import schemas, soap
from .services import HANDLERS, Handler, events
from .state import (
    Call,
    Features,
    FocusState,
    Identity,
    PtzPreset,
    PtzState,
    Relay,
    StreamProfile,
    utc_now,
)

# ONVIF core: operations a device answers without authentication (access class PRE_AUTH)
PRE_AUTH = frozenset({
    "GetSystemDateAndTime", "GetWsdlUrl", "GetServices", "GetServiceCapabilities",
    "GetCapabilities", "GetHostname", "GetEndpointReference",
})
SERVICES = ("device", "media", "ptz", "imaging", "deviceio", "events")
PULLPOINT_PATH = "/onvif/pullpoint/"
MAX_BODY = 1 << 20


@functools.cache
def self_signed_certificate() -> tuple[str, str]:
    """(certificate file, key file) for 127.0.0.1, made once per process with Debian's openssl."""
    folder = tempfile.mkdtemp(prefix="onvif-sim-tls-")
    cert, key = f"{folder}/cert.pem", f"{folder}/key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def _default_profiles(main: str, sub: str) -> list[StreamProfile]:
    return [
        StreamProfile("main", "MainStream", 1920, 1080, main, bitrate_kbps=4096),
        StreamProfile("sub", "SubStream", 640, 360, sub, bitrate_kbps=512),
    ]


@dataclass
class OnvifSimulator:
    rtsp_main: str = "rtsp://127.0.0.1:8554/file"
    rtsp_sub: str | None = None  # None: the main URI
    user: str = "admin"
    password: str = "admin"
    port: int = 0  # 0: a free port, kept across stop()/start()
    clock_offset: float = 0.0  # seconds the camera's clock is ahead of ours (negative: behind)
    max_clock_skew: float = 10.0  # seconds a digest's Created may differ from the camera's clock
    accept_password_text: bool = False
    features: Features = field(default_factory=Features)
    identity: Identity = field(default_factory=Identity)
    max_presets: int = 16
    aux_commands: list[str] = field(
        default_factory=lambda: ["tt:Wiper|On", "tt:Wiper|Off", "tt:IRLamp|On", "tt:IRLamp|Off"]
    )
    digital_inputs: int = 2
    reboot_downtime: float = 0.0  # after SystemReboot, down this long (0: stays up)
    delays: dict[str, float] = field(default_factory=dict)  # busy: operation name or "*" -> seconds
    tls: bool = False  # serve https (a self-signed certificate, as cameras have)
    service_root: str = "/onvif"  # the services are at ROOT/device_service, ROOT/media_service...

    def __post_init__(self) -> None:
        self.users: dict[str, str] = {self.user: self.password}
        self.profiles = _default_profiles(self.rtsp_main, self.rtsp_sub or self.rtsp_main)
        self.relays = [Relay("relay0", "Door"), Relay("relay1", "Light")]
        self.ptz = PtzState()
        self.presets: list[PtzPreset] = []
        self.aux_states: dict[str, str] = {}  # output (tt:Wiper) -> its last command (On)
        self.focus = FocusState()
        self.exposure_mode = "AUTO"
        self.reboots = 0
        self.calls: list[Call] = []
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)  # events queued, or the camera stopped
        self.subscriptions: dict[str, events.Subscription] = {}
        self.motion_active = False
        self.tamper_active = False
        self._nonces: set[tuple[str, bytes]] = set()
        self._server: _HttpServer | None = None
        self.stopping = False
        self._thread: threading.Thread | None = None

    # --- running -----------------------------------------------------------------------------

    def start(self) -> OnvifSimulator:
        schemas.load_all()
        server = _HttpServer(("127.0.0.1", self.port), _RequestHandler, self)
        self.port = server.server_address[1]
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self_signed_certificate())
            # the handshake happens in the request's thread, so a client that never sends one blocks no other
            server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"onvif-sim-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """The camera goes down: its port refuses connections until start()."""
        server = self._server
        if server is None:
            return
        self.stopping = True
        with self.changed:
            self.changed.notify_all()  # long polls (PullMessages) return now
        server.shutdown()
        server.server_close()
        server.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self.stopping = False

    def change_address(self, port: int = 0) -> None:
        """The camera moves: down, then up on another port (0: a free one); url and xaddrs follow."""
        self.stop()
        self.port = port
        self.start()

    @property
    def running(self) -> bool:
        """True from start() until stop() has closed the port."""
        return self._server is not None

    def __enter__(self) -> OnvifSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- addresses and knobs ------------------------------------------------------------------

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def url(self) -> str:
        """The device URL a channel is added with: the guide's onvif://host:port when the camera is
        the standard plain-HTTP one, else its device service's address."""
        if not self.tls and self.service_root == "/onvif":
            return f"onvif://{self.host}"
        return self.xaddr("device")

    def xaddr(self, service: str) -> str:
        return f"{self.scheme}://{self.host}{self.service_root}/{service}_service"

    def service_of(self, path: str) -> str | None:
        """The service at this request path: device, media, ..., pullpoint; None for none."""
        if path.startswith(self.service_root + "/") and path.endswith("_service"):
            name = path[len(self.service_root) + 1:-len("_service")]
            return name if name in SERVICES else None
        return "pullpoint" if path.startswith(PULLPOINT_PATH) else None

    def now(self) -> dt.datetime:
        """The camera's clock."""
        return utc_now(self.clock_offset)

    def set_stream_uri(self, profile_token: str, uri: str) -> None:
        """The profile's stream is now at this address (after a reboot or an address change)."""
        with self.lock:
            self.profile(profile_token).uri = uri

    def pullpoint_address(self, subscription_id: str) -> str:
        return f"{self.scheme}://{self.host}{PULLPOINT_PATH}{subscription_id}"

    def trigger_motion(self, active: bool) -> None:
        """The camera's motion detector changes state: a RuleEngine/CellMotionDetector/Motion event."""
        with self.lock:
            self.motion_active = active
            events.publish(self, events.motion(self, active))

    def trigger_tamper(self, active: bool) -> None:
        """The scene changed globally (camera moved, covered): VideoSource/GlobalSceneChange/ImagingService."""
        with self.lock:
            self.tamper_active = active
            events.publish(self, events.tamper(self, active))

    def profile(self, token: str) -> StreamProfile:
        for profile in self.profiles:
            if profile.token == token:
                return profile
        raise soap.sender("InvalidArgVal", "NoProfile", reason=f"no profile {token!r}")

    def calls_of(self, operation: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.operation == operation]

    def clear_calls(self) -> None:
        with self.lock:
            self.calls.clear()

    def service_enabled(self, service: str) -> bool:
        flags = {
            "ptz": self.features.ptz, "imaging": self.features.imaging,
            "deviceio": self.features.deviceio, "events": self.features.events,
            "pullpoint": self.features.events,
        }
        return flags.get(service, True)

    # --- one request --------------------------------------------------------------------------

    def handle(self, service: str, data: bytes, path: str) -> tuple[int, bytes]:
        """The HTTP status and SOAP envelope answering one request to the service's address."""
        operation_name = ""
        user: str | None = None
        args: dict[str, Any] = {}
        recorded: Call | None = None  # this request's Call once the camera acts on it
        try:
            envelope = soap.parse_envelope(data)
            qname = etree.QName(envelope.body_element)
            operation_name = qname.localname
            operation = schemas.operations(service).get(qname)
            if operation is None or not self.service_enabled(service):
                raise soap.receiver("ActionNotSupported",
                                    reason=f"{qname.text} is not an operation of the {service} service here")
            user = self._authenticate(operation.name, envelope.header)
            error = schemas.validate(envelope.body_element)
            if error is not None:
                raise soap.sender("InvalidArgVal", reason=f"{operation.name}: {error}")
            request = operation.read(envelope.body_element)
            args = _plain(request)
            self._wait_if_busy(operation.name)
            recorded = Call(service, operation.name, args, time.time(), user)
            with self.lock:
                self.calls.append(recorded)
            values = _handler(operation)(self, _Request(request, path, envelope.body_element))
            answer = events.declare_topic_prefix(operation.answer(values))
            body_element = answer.find(f"{{{soap.ENV}}}Body")[0]
            error = schemas.validate(body_element)
            if error is not None:
                raise soap.receiver("Action", reason=f"simulator bug: invalid {operation.name} answer: {error}")
            return 200, etree.tostring(answer, xml_declaration=True, encoding="utf-8")
        except Exception as error:
            fault = error if isinstance(error, soap.SoapFault) else _internal_error(error)
            code = "/".join((fault.code, *fault.subcodes))
            with self.lock:
                index = next((i for i, call in enumerate(self.calls) if call is recorded), None)
                if index is not None:
                    self.calls[index] = dataclasses.replace(self.calls[index], fault=code)
                elif recorded is None:
                    self.calls.append(Call(service, operation_name, args, time.time(), user, fault=code))
            return fault.http_status, soap.fault_envelope(fault)

    def _authenticate(self, operation: str, header: etree._Element | None) -> str | None:
        if operation in PRE_AUTH:
            return None
        token = soap.username_token(header)
        if token is None:
            raise soap.not_authorized("no WS-Security UsernameToken")
        soap.check_token(token, self.users, self.now(), self.max_clock_skew, self.accept_password_text)
        with self.lock:
            if token.nonce and (token.username, token.nonce) in self._nonces:
                raise soap.not_authorized("nonce used before (replay)")
            self._nonces.add((token.username, token.nonce))
        return token.username

    def _wait_if_busy(self, operation: str) -> None:
        delay = self.delays.get(operation, self.delays.get("*", 0.0))
        if delay > 0:
            time.sleep(delay)


@dataclass(frozen=True)
class _Request:
    """What a handler gets: zeep's object of the request (attribute access), the request's element
    (for what zeep reads loosely: xs:any content) and the path it was sent to."""

    values: Any
    path: str
    element: etree._Element

    def __getattr__(self, name: str) -> Any:
        return getattr(self.values, name) if self.values is not None else None


def _internal_error(error: Exception) -> soap.SoapFault:
    traceback.print_exception(error)
    return soap.receiver("Action", reason=f"simulator error: {error!r}")


def _plain(request: Any) -> dict[str, Any]:
    value = serialize_object(request, target_cls=dict)
    return value if isinstance(value, dict) else {}


def _handler(operation: schemas.Operation) -> Handler:

    handler = HANDLERS.get((operation.service, operation.name))
    if handler is None:
        raise soap.receiver("ActionNotSupported",
                            reason=f"{operation.name} is not implemented by this device")
    return handler


class _HttpServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[http.server.BaseHTTPRequestHandler],
                 simulator: OnvifSimulator) -> None:
        self.simulator = simulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Cut the kept-alive connections too: a camera that is down answers nothing on them."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # closed meanwhile
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that resets its connection, or writes to connections cut while stopping: expected
        if not self.simulator.stopping and not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:
        self._send(405, b"", "text/plain")

    def do_POST(self) -> None:
        simulator = self.server.simulator
        path = self.path.split("?", 1)[0]
        service = simulator.service_of(path)
        if service is None:
            self._send(404, b"", "text/plain")
            return
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.isdigit():
            self._send(411, b"", "text/plain")
            return
        length = int(length_text)
        if length > MAX_BODY:
            self._send(413, b"", "text/plain")
            self.close_connection = True
            return
        data = self.rfile.read(length)
        content_type = self.headers.get("Content-Type", "")
        if not content_type.lower().startswith("application/soap+xml"):
            fault = soap.SoapFault("VersionMismatch", (), f"Content-Type {content_type!r}: SOAP 1.2 "
                                   "over HTTP is application/soap+xml")
            self._send(415, soap.fault_envelope(fault), "application/soap+xml; charset=utf-8")
            return
        status, answer = simulator.handle(service, data, path)
        self._send(status, answer, "application/soap+xml; charset=utf-8")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
