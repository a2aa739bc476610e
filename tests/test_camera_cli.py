"""`tsnvr camera discover` and `tsnvr camera add`, run as the real command against a WS-Discovery
responder and the ONVIF simulator on 127.0.0.1. No test probes the multicast group: every probe
is unicast to a port of 127.0.0.1 (--address)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from recorder.onvif.discovery import SOAP, WSD, Device, probe, probe_message, read_probe_matches
from tests.conftest import REPO
from tests.onvif_discovery_responder import DiscoveryResponder, discovery_schema

XADDR = "http://127.0.0.1:8123/onvif/device_service"
ENDPOINT = "urn:uuid:5f2c3c1e-0d0b-4a4f-9c55-2b7a61d0a001"
SCOPES = [
    "onvif://www.onvif.org/type/NetworkVideoTransmitter",
    "onvif://www.onvif.org/Profile/Streaming",
    "onvif://www.onvif.org/name/Gate%20Camera",
    "onvif://www.onvif.org/location/city/Seoul",
    "onvif://www.onvif.org/hardware/SimCam1080",
]


def tsnvr(*args: str, data: Path, stdin: str = "", env: dict[str, str] | None = None):
    return subprocess.run([sys.executable, "-m", "tsnvr", *args, "--data", str(data)], input=stdin, text=True,
                          capture_output=True, cwd=REPO, env={**os.environ, **(env or {})}, timeout=60)


@pytest.fixture
def responder():
    with DiscoveryResponder([XADDR], SCOPES, endpoint=ENDPOINT) as running:
        yield running


def closed_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def address_of(responder: DiscoveryResponder) -> str:
    return f"{responder.address[0]}:{responder.address[1]}"


# --- the probe and its answer -----------------------------------------------------------------------

def test_the_probe_is_valid_ws_discovery_and_the_answer_names_the_device(responder):
    found = asyncio.run(probe(timeout=2.0, address=responder.address))
    assert found == [Device(endpoint=ENDPOINT, xaddrs=(XADDR,), scopes=tuple(SCOPES),
                            types=("dn:NetworkVideoTransmitter", "tds:Device"), sender="127.0.0.1")]
    assert (found[0].name, found[0].hardware, found[0].location, found[0].host_port) == (
        "Gate Camera", "SimCam1080", "city/Seoul", ("127.0.0.1", 8123))
    # a unicast probe ends at the first answer; a repeat (sent when none came within 0.1 s) is the same probe
    first = responder.received[0]
    assert (first.answered, first.problem, first.sender[0]) == (True, "", "127.0.0.1")
    assert {r.data for r in responder.received} == {first.data}


def test_the_responder_refuses_a_probe_a_camera_would_not_answer(responder):
    good = probe_message("uuid:1")
    cases = {
        good.replace(b"discovery</a:To>", b"elsewhere</a:To>"): "To is 'urn:schemas-xmlsoap-org:ws:2005:04:elsewhere'",
        good.replace(b"<d:Types>dn:", b"<d:Types>xx:"): "Probe invalid",
        good.replace(b"dn:NetworkVideoTransmitter", b"dn:Printer"): "types not matched",
        b"<not-xml": "not XML",
    }
    for data, problem in cases.items():
        answer, why = responder.answer(data)
        assert answer is None and why.startswith(problem), why


def test_an_answer_to_another_probe_or_of_another_kind_is_ignored(responder):
    answer, _ = responder.answer(probe_message("uuid:mine"))
    assert answer is not None
    assert discovery_schema().validate(etree.fromstring(answer).find(f"{{{SOAP}}}Body/{{{WSD}}}ProbeMatches"))
    assert [d.endpoint for d in read_probe_matches(answer, "uuid:mine")] == [ENDPOINT]
    assert read_probe_matches(answer, "uuid:other") == []
    assert read_probe_matches(probe_message("uuid:mine"), "uuid:mine") == []
    assert read_probe_matches(b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>", "uuid:mine") == []


# --- tsnvr camera discover ---------------------------------------------------------------------------

def test_discover_lists_the_camera_that_answers(tmp_path: Path, responder):
    done = tsnvr("camera", "discover", "--address", address_of(responder), "--timeout", "2", data=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{XADDR}\tGate Camera\t-\tSimCam1080\t-\n"
    assert done.stderr == ""


def test_discover_json(tmp_path: Path, responder):
    done = tsnvr("camera", "discover", "--json", "--address", address_of(responder), "--timeout", "2",
                 data=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{
        "address": XADDR,
        "device": "onvif://127.0.0.1:8123",
        "name": "Gate Camera",
        "make": "",
        "model": "SimCam1080",
        "location": "city/Seoul",
        "endpoint": ENDPOINT,
        "xaddrs": [XADDR],
        "scopes": SCOPES,
        "types": ["dn:NetworkVideoTransmitter", "tds:Device"],
        "from": "127.0.0.1",
    }]


def test_discover_with_nobody_answering_says_so(tmp_path: Path):
    done = tsnvr("camera", "discover", "--address", f"127.0.0.1:{closed_udp_port()}", "--timeout", "1",
                 data=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "tsnvr: no ONVIF camera answered\n")
    bad = tsnvr("camera", "discover", "--address", "127.0.0.1:notaport", data=tmp_path)
    assert (bad.returncode, bad.stderr) == (2, "tsnvr: bad port in '127.0.0.1:notaport'\n")
