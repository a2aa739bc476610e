"""A WS-Discovery target for tests: answers a unicast Probe on 127.0.0.1 with a ProbeMatch naming
one ONVIF device (its XAddrs and scopes), as a camera answers on port 3702. With multicast=True it
joins the group 239.255.255.250:3702 on 127.0.0.1 instead: only ever inside a network namespace a
test made, where the group reaches nothing else.

It is strict the way a camera is picky: a Probe whose body does not validate against ONVIF's
ws-discovery.xsd, or whose header lacks the WS-Addressing Action, MessageID or To of a Probe,
gets no answer (and is recorded as refused); so does a Probe for types the device is not
(dn:NetworkVideoTransmitter and tds:Device; a Probe with no types matches). Every datagram it
received is kept in `received`, for tests to assert what was sent.

Run alone for manual trials (then probe it with `tsnvr camera discover --address 127.0.0.1:PORT`):

    .venv/bin/python -m tests.onvif_discovery_responder --port 3702 \
        --xaddr http://127.0.0.1:8000/onvif/device_service --scope onvif://www.onvif.org/name/Sim
"""

from __future__ import annotations

import argparse
import socket
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import onvif
from lxml import etree

from recorder.onvif.discovery import (
    ANONYMOUS,
    DISCOVERY_TO,
    MULTICAST,
    PROBE_ACTION,
    PROBE_MATCHES_ACTION,
    SOAP,
    WSA,
    WSD,
)

WSDL_DIR = Path(onvif.__file__).parent / "wsdl"
TDS = "http://www.onvif.org/ver10/device/wsdl"
DN = "http://www.onvif.org/ver10/network/wsdl"
DEVICE_TYPES = {(DN, "NetworkVideoTransmitter"), (TDS, "Device")}


class _LocalSchemas(etree.Resolver):
    """ws-discovery.xsd imports WS-Addressing by its web address: read the copy onvif ships."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url == "http://schemas.xmlsoap.org/ws/2004/08/addressing":
            return self.resolve_filename(str(WSDL_DIR / "addressing"), context)
        return None


def discovery_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSchemas())
    return etree.XMLSchema(etree.parse(str(WSDL_DIR / "ws-discovery.xsd"), parser))


@dataclass
class Received:
    data: bytes
    sender: tuple[str, int]
    answered: bool
    problem: str = ""   # why it was not answered


class DiscoveryResponder:
    """One ONVIF device's WS-Discovery side, on a UDP port of 127.0.0.1 (0: any free one)."""

    def __init__(self, xaddrs: list[str], scopes: list[str], endpoint: str | None = None,
                 host: str = "127.0.0.1", port: int = 0, multicast: bool = False) -> None:
        self.xaddrs = xaddrs
        self.scopes = scopes
        self.endpoint = endpoint or f"urn:uuid:{uuid.uuid4()}"
        self.schema = discovery_schema()
        self.received: list[Received] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if multicast:  # only inside a network namespace of the test's own (see tests/test_camera_cli.py)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind((MULTICAST[0], MULTICAST[1]))
            membership = socket.inet_aton(MULTICAST[0]) + socket.inet_aton(host)
            self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
        else:
            self.sock.bind((host, port))
        self.sock.settimeout(0.2)
        self.address: tuple[str, int] = self.sock.getsockname()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="discovery-responder", daemon=True)

    def start(self) -> DiscoveryResponder:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    def __enter__(self) -> DiscoveryResponder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, sender = self.sock.recvfrom(65_535)
            except TimeoutError:
                continue
            except OSError:
                return
            answer, problem = self.answer(data)
            self.received.append(Received(data, sender, answer is not None, problem))
            if answer is not None:
                self.sock.sendto(answer, sender)

    def answer(self, data: bytes) -> tuple[bytes | None, str]:
        """The ProbeMatches for a Probe datagram, or None and why not."""
        try:
            envelope = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            return None, f"not XML: {exc}"
        if envelope.tag != f"{{{SOAP}}}Envelope":
            return None, f"not a SOAP 1.2 envelope: {envelope.tag}"
        header = envelope.find(f"{{{SOAP}}}Header")
        if header is None:
            return None, "no Header"
        action = header.findtext(f"{{{WSA}}}Action")
        message_id = header.findtext(f"{{{WSA}}}MessageID")
        to = header.findtext(f"{{{WSA}}}To")
        if action != PROBE_ACTION:
            return None, f"Action is {action!r}"
        if not message_id:
            return None, "no MessageID"
        if to != DISCOVERY_TO:
            return None, f"To is {to!r}"
        probes = envelope.findall(f"{{{SOAP}}}Body/{{{WSD}}}Probe")
        if len(probes) != 1:
            return None, "the Body holds no single Probe"
        if not self.schema.validate(probes[0]):
            return None, f"Probe invalid: {self.schema.error_log.last_error}"
        types_element = probes[0].find(f"{{{WSD}}}Types")
        wanted = set()
        for qname in (types_element.text or "").split() if types_element is not None else []:
            prefix, _, local = qname.rpartition(":")
            wanted.add((types_element.nsmap.get(prefix or None), local))
        if not wanted <= DEVICE_TYPES:
            return None, f"types not matched: {sorted(map(str, wanted))}"
        return self.probe_matches(message_id), ""

    def probe_matches(self, relates_to: str) -> bytes:
        nsmap = {"s": SOAP, "a": WSA, "d": WSD, "dn": DN, "tds": TDS}
        envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap=nsmap)
        header = etree.SubElement(envelope, f"{{{SOAP}}}Header")
        etree.SubElement(header, f"{{{WSA}}}MessageID").text = f"uuid:{uuid.uuid4()}"
        etree.SubElement(header, f"{{{WSA}}}RelatesTo").text = relates_to
        etree.SubElement(header, f"{{{WSA}}}To").text = ANONYMOUS
        etree.SubElement(header, f"{{{WSA}}}Action").text = PROBE_MATCHES_ACTION
        etree.SubElement(header, f"{{{WSD}}}AppSequence", InstanceId="1", MessageNumber=str(len(self.received) + 1))
        body = etree.SubElement(envelope, f"{{{SOAP}}}Body")
        matches = etree.SubElement(body, f"{{{WSD}}}ProbeMatches")
        match = etree.SubElement(matches, f"{{{WSD}}}ProbeMatch")
        reference = etree.SubElement(match, f"{{{WSA}}}EndpointReference")
        etree.SubElement(reference, f"{{{WSA}}}Address").text = self.endpoint
        etree.SubElement(match, f"{{{WSD}}}Types").text = "dn:NetworkVideoTransmitter tds:Device"
        etree.SubElement(match, f"{{{WSD}}}Scopes").text = " ".join(self.scopes)
        etree.SubElement(match, f"{{{WSD}}}XAddrs").text = " ".join(self.xaddrs)
        etree.SubElement(match, f"{{{WSD}}}MetadataVersion").text = "1"
        return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=3702)
    parser.add_argument("--xaddr", action="append", required=True, help="device service URL (repeatable)")
    parser.add_argument("--scope", action="append", default=[], help="scope URI (repeatable)")
    args = parser.parse_args()
    responder = DiscoveryResponder(args.xaddr, args.scope, port=args.port).start()
    print(f"answering WS-Discovery probes on {responder.address[0]}:{responder.address[1]}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        responder.stop()


if __name__ == "__main__":
    main()
