"""Finding ONVIF cameras with WS-Discovery (the 2005/04 version ONVIF uses): a Probe for
dn:NetworkVideoTransmitter sent over SOAP-over-UDP, and the ProbeMatches that come back.

    found = await probe(timeout=3.0)                              # multicast 239.255.255.250:3702
    found = await probe(timeout=3.0, address=("10.0.0.7", 3702))   # one host, by unicast

The multicast probe goes out of every interface that is up and carries multicast (an NVR often
has the cameras on a network of their own, behind a second interface, not the default route's),
with a TTL of 1: routers do not pass it on.

A multicast probe listens the whole `timeout` (cameras answer after a random delay of up to
500 ms, and any number may answer); a unicast probe ends at the first answer. Answers are kept
by endpoint (a camera that answers both copies of the probe, or from two addresses, is listed
once), in the order they came.

Hand-written rather than the WSDiscovery package: that one binds port 3702 and joins the
multicast group on every interface even to probe one address, and never reads the socket a
unicast probe's answer comes back to. Answers are read with the standard library's parser:
datagrams come from anyone on the network, and its expat (2.4.1 and later) refuses entity
expansion attacks and never fetches external entities.
"""

from __future__ import annotations

import asyncio
import fcntl
import socket
import struct
import uuid
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

MULTICAST = ("239.255.255.250", 3702)
REPEAT_AFTER_S = 0.1  # SOAP-over-UDP sends a datagram twice: UDP may drop one

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
DN = "http://www.onvif.org/ver10/network/wsdl"
PROBE_ACTION = f"{WSD}/Probe"
PROBE_MATCHES_ACTION = f"{WSD}/ProbeMatches"
DISCOVERY_TO = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
ANONYMOUS = f"{WSA}/role/anonymous"
SCOPE_PREFIX = "onvif://www.onvif.org/"
SIOCGIFFLAGS = 0x8913  # Linux: an interface's flags
IFF_UP, IFF_RUNNING, IFF_MULTICAST = 0x1, 0x40, 0x1000


@dataclass(frozen=True)
class Device:
    """One ProbeMatch: a device that answered."""

    endpoint: str                    # the EndpointReference address, e.g. urn:uuid:...
    xaddrs: tuple[str, ...]          # its device service URLs
    scopes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()      # as written, prefix:name
    sender: str = ""                 # the IP address the answer came from

    def scope(self, kind: str) -> str:
        """The value of the first onvif://www.onvif.org/<kind>/... scope, URL-decoded; "" if none."""
        prefix = f"{SCOPE_PREFIX}{kind}/"
        for scope in self.scopes:
            if scope.lower().startswith(prefix.lower()):
                return unquote(scope[len(prefix):])
        return ""

    @property
    def name(self) -> str:
        return self.scope("name")

    @property
    def hardware(self) -> str:
        """The model, as the hardware scope gives it."""
        return self.scope("hardware")

    @property
    def location(self) -> str:
        return self.scope("location")

    @property
    def host_port(self) -> tuple[str, int] | None:
        """Host and port of the first http(s) XAddr; None when it names none."""
        for xaddr in self.xaddrs:
            parts = urlsplit(xaddr)
            if parts.scheme in ("http", "https") and parts.hostname:
                try:
                    port = parts.port
                except ValueError:
                    continue
                return parts.hostname, port or (443 if parts.scheme == "https" else 80)
        return None


PROBE = f"""<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="{SOAP}" xmlns:a="{WSA}" xmlns:d="{WSD}" xmlns:dn="{DN}">
<s:Header>
<a:Action s:mustUnderstand="1">{PROBE_ACTION}</a:Action>
<a:MessageID>{{message_id}}</a:MessageID>
<a:ReplyTo><a:Address>{ANONYMOUS}</a:Address></a:ReplyTo>
<a:To s:mustUnderstand="1">{DISCOVERY_TO}</a:To>
</s:Header>
<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body>
</s:Envelope>"""


def probe_message(message_id: str) -> bytes:
    """The SOAP envelope of a Probe for ONVIF video transmitters (dn: is ONVIF's network namespace)."""
    return PROBE.format(message_id=escape(message_id)).encode()


def _words(element: ElementTree.Element | None) -> tuple[str, ...]:
    if element is None or not element.text:
        return ()
    return tuple(element.text.split())


def read_probe_matches(data: bytes, message_id: str, sender: str = "") -> list[Device]:
    """The devices of a ProbeMatches answering `message_id`; [] for anything else (other
    messages, answers to other probes, malformed XML)."""
    try:
        envelope = ElementTree.fromstring(data)
    except (ElementTree.ParseError, LookupError):  # LookupError: an encoding Python does not know
        return []
    if envelope.tag != f"{{{SOAP}}}Envelope":
        return []
    action = envelope.findtext(f"{{{SOAP}}}Header/{{{WSA}}}Action")
    relates_to = envelope.findtext(f"{{{SOAP}}}Header/{{{WSA}}}RelatesTo")
    if (action or "").strip() != PROBE_MATCHES_ACTION or (relates_to or "").strip() != message_id:
        return []
    devices = []
    for match in envelope.iterfind(f"{{{SOAP}}}Body/{{{WSD}}}ProbeMatches/{{{WSD}}}ProbeMatch"):
        endpoint = (match.findtext(f"{{{WSA}}}EndpointReference/{{{WSA}}}Address") or "").strip()
        if not endpoint:
            continue
        devices.append(Device(endpoint=endpoint, xaddrs=_words(match.find(f"{{{WSD}}}XAddrs")),
                              scopes=_words(match.find(f"{{{WSD}}}Scopes")),
                              types=_words(match.find(f"{{{WSD}}}Types")), sender=sender))
    return devices


class _Listener(asyncio.DatagramProtocol):
    def __init__(self, message_id: str, first_only: bool) -> None:
        self.message_id = message_id
        self.first_only = first_only
        self.found: dict[str, Device] = {}
        self.done = asyncio.Event()

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        for device in read_probe_matches(data, self.message_id, sender=str(addr[0])):
            self.found.setdefault(device.endpoint, device)
        if self.found and self.first_only:
            self.done.set()

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a unicast target: nobody listens there
        if self.first_only:
            self.done.set()


async def _set_within(event: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(event.wait(), max(seconds, 0.0))
    except TimeoutError:
        return False
    return True


def multicast_interfaces() -> list[int]:
    """The indexes of the network interfaces that are up and running and carry multicast (a
    loopback only when multicast was turned on for it); [] where the system does not say."""
    found = []
    try:
        names = socket.if_nameindex()
        query = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    except OSError:
        return []
    with query:
        for index, name in names:
            try:
                answer = fcntl.ioctl(query.fileno(), SIOCGIFFLAGS, struct.pack("16sH22x", name.encode()[:15], 0))
            except OSError:
                continue
            flags = struct.unpack_from("16sH", answer)[1]
            if flags & IFF_UP and flags & IFF_RUNNING and flags & IFF_MULTICAST:
                found.append(index)
    return found


def _send_multicast(sock: socket.socket, message: bytes, interfaces: list[int]) -> None:
    """One copy out of each interface; out of the default route's when none is known or none took it."""
    sent = False
    for index in interfaces:
        # struct ip_mreqn: group (ignored here), local address (any), interface index
        choice = struct.pack("=4s4si", socket.inet_aton(MULTICAST[0]), bytes(4), index)
        try:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, choice)
            sock.sendto(message, MULTICAST)
            sent = True
        except OSError:  # an interface without an IPv4 address, or one that just went down
            continue
    if not sent:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, bytes(4))
        sock.sendto(message, MULTICAST)


async def probe(timeout: float = 3.0, address: tuple[str, int] | None = None) -> list[Device]:
    """Send a Probe for ONVIF video transmitters and collect the answers for `timeout` seconds: to
    the multicast group out of every interface that carries multicast, or by unicast to `address`.
    OSError when it cannot be sent at all (no network)."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if address and ":" in address[0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setblocking(False)
        sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
        if address is None:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)  # the local network only
            interfaces = multicast_interfaces()
        else:
            sock.connect(address)  # so that a closed port's ICMP error ends the wait
    except OSError:
        sock.close()
        raise
    message_id = f"uuid:{uuid.uuid4()}"
    message = probe_message(message_id)
    transport, listener = await loop.create_datagram_endpoint(lambda: _Listener(message_id, address is not None),
                                                              sock=sock)

    def send() -> None:
        if address is None:
            _send_multicast(sock, message, interfaces)
        else:
            transport.sendto(message)

    try:
        send()
        if not await _set_within(listener.done, REPEAT_AFTER_S):
            send()
            await _set_within(listener.done, timeout - REPEAT_AFTER_S)
    finally:
        transport.close()
    return list(listener.found.values())
