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
from sqlmodel import select

from recorder.onvif.discovery import SOAP, WSD, Device, probe, probe_message, read_probe_matches
from storage.channel_store import add_channels
from storage.channels import all_channels
from storage.db import Database
from storage.eventlog import ChannelCode, EventType
from storage.models import Channel, EventLogEntry
from storage.schema import upgrade
from tests.conftest import REPO, write_settings
from tests.onvif_discovery_responder import DiscoveryResponder, discovery_schema
from tsnvr.camera_cli import CameraError, device_url

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
    assert read_probe_matches(b'<?xml version="1.0" encoding="no-such"?><x/>', "uuid:mine") == []
    laughs = b"".join(b'<!ENTITY %c "%s">' % (98 + i, b"&%c;" % (97 + i) * 10) for i in range(9))
    bomb = b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' + laughs + b"]><l>&j;</l>"  # 10 GB expanded
    assert read_probe_matches(bomb, "uuid:mine") == []  # expat refuses the amplification
    assert read_probe_matches(answer.replace(b"UTF-8", b"no-such"), "uuid:mine") == []


# --- the address camera add takes -----------------------------------------------------------------

@pytest.mark.parametrize(("address", "url"), [
    ("192.168.0.20", "onvif://192.168.0.20:80"),
    ("cam.local:8080", "onvif://cam.local:8080"),
    ("onvif://192.168.0.20:81", "onvif://192.168.0.20:81"),
    ("ONVIF://192.168.0.20", "onvif://192.168.0.20:80"),
    ("http://192.168.0.20/onvif/device_service", "onvif://192.168.0.20:80"),
    ("http://192.168.0.20:8899/onvif/device_service", "onvif://192.168.0.20:8899"),
    ("https://192.168.0.20/onvif/device_service", "https://192.168.0.20:443/onvif/device_service"),
    ("http://192.168.0.20:81/cgi/onvif/device", "http://192.168.0.20:81/cgi/onvif/device"),
    ("onvif://192.168.0.20:81/", "onvif://192.168.0.20:81"),
    ("https://192.168.0.20:8443", "https://192.168.0.20:8443/onvif/device_service"),
    ("http://192.168.0.20/onvif/device_service?x=1", None),
    ("[fe80::1]:8000", "onvif://[fe80::1]:8000"),
    ("fe80::1", None),
    ("192.168.0.20:99999", None),
    ("192.168.0.20/onvif", None),
    ("rtsp://192.168.0.20/main", None),
    ("", None),
])
def test_camera_addresses(address: str, url: str | None):
    if url is None:
        with pytest.raises(CameraError):
            device_url(address)
    else:
        assert device_url(address) == url


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
    never = tsnvr("camera", "discover", "--timeout", "0", data=tmp_path)
    assert never.returncode == 2 and "'0' is not a number of seconds above 0, at most 600" in never.stderr


# --- with the ONVIF simulator ----------------------------------------------------------------------

ASKED = ("GetDeviceInformation", "GetStreamUri")
MAIN, SUB = "rtsp://127.0.0.1:8554/main", "rtsp://127.0.0.1:8554/sub"


@pytest.fixture
def camera():
    from tests.onvif_sim.server import OnvifSimulator

    with OnvifSimulator(rtsp_main=MAIN, rtsp_sub=SUB, user="admin", password="cam-secret") as sim:
        yield sim


def stored(data: Path) -> tuple[list[Channel], list[tuple[int, int, int | None, str | None]]]:
    db = Database(f"sqlite:///{data / 'tsnvr.db'}")
    try:
        with db.read() as s:
            log = [(e.type, e.code, e.chid, e.param) for e in s.exec(select(EventLogEntry).order_by(EventLogEntry.id))]
        return all_channels(db), log
    finally:
        db.dispose()


def test_discover_with_credentials_reads_make_model_and_profiles(tmp_path: Path, camera):
    xaddr = camera.xaddr("device")
    with DiscoveryResponder([xaddr], list(camera.identity.scopes), endpoint=ENDPOINT) as responder:
        address = address_of(responder)
        done = tsnvr("camera", "discover", "--address", address, "--user", "admin", "--password", "cam-secret",
                     data=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"{xaddr}\tSimCam\tTSNVR-Sim\tSimCam 1080\tmain 1920x1080 H264, sub 640x360 H264\n"
        as_json = tsnvr("camera", "discover", "--json", "--address", address, "--user", "admin", data=tmp_path,
                        env={"TSNVR_CAMERA_PASSWORD": "cam-secret"})
        assert as_json.returncode == 0, as_json.stderr
        found = json.loads(as_json.stdout)
        assert [(d["device"], d["make"], d["model"], d["profiles"]) for d in found] == [(camera.url, "TSNVR-Sim",
            "SimCam 1080", [
                {"token": "main", "name": "MainStream", "encoding": "H264", "width": 1920, "height": 1080,
                 "streamUri": MAIN},
                {"token": "sub", "name": "SubStream", "encoding": "H264", "width": 640, "height": 360,
                 "streamUri": SUB},
            ])]
        refused = tsnvr("camera", "discover", "--address", address, "--user", "admin", "--password", "wrong",
                        data=tmp_path)
    # a camera that refuses the credentials is still listed, from its scopes, and says why
    assert refused.returncode == 0
    assert refused.stdout == f"{xaddr}\tSimCam\t-\tSimCam1080\t-\n"
    assert refused.stderr.startswith(f"tsnvr: {xaddr}: ")


def test_add_stores_an_onvif_channel_after_asking_the_camera(tmp_path: Path, camera):
    done = tsnvr("camera", "add", f"127.0.0.1:{camera.port}", "--user", "admin", "--name", "Gate",
                 data=tmp_path, stdin="cam-secret\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"channel 1 added: Gate, {camera.url}, {MAIN}\n"
    # connect (the camera's clock, services, profiles), then GetDeviceInformation and the stream URIs
    assert [(c.operation, c.user, c.fault) for c in camera.calls if c.operation in ASKED] == [
        ("GetDeviceInformation", "admin", None), ("GetStreamUri", "admin", None), ("GetStreamUri", "admin", None)]
    channels, log = stored(tmp_path)
    assert [(c.chid, c.name, c.type, c.source, c.uid, c.password, c.substream, c.device_url, c.device_name, c.tcp)
            for c in channels] == [(1, "Gate", "onvif", MAIN, "admin", "cam-secret", True, camera.url, "SimCam", True)]
    assert log == [(int(EventType.CHANNEL), int(ChannelCode.ADDED), 1, json.dumps({"chid": 1, "name": "Gate"}))]

    again = tsnvr("camera", "add", camera.xaddr("device"), "--user", "admin", "--password", "cam-secret",
                  data=tmp_path)  # the address discover prints names the same device
    assert (again.returncode, again.stderr) == (2, f"tsnvr: {camera.url} is channel 1 already\n")


def test_add_takes_a_chosen_number_the_camera_name_and_the_channel_limit(tmp_path: Path, camera):
    from tests.onvif_sim.server import OnvifSimulator

    db = Database(f"sqlite:///{tmp_path / 'tsnvr.db'}")
    upgrade(db)
    add_channels(db, [Channel(chid=7, name="Yard", type="rtsp", source=SUB)], 64)
    db.dispose()
    taken = tsnvr("camera", "add", camera.url, "--user", "admin", "--password", "cam-secret", "--chid", "7",
                  data=tmp_path)
    assert (taken.returncode, taken.stderr) == (2, "tsnvr: channel 7 exists already\n")
    chosen = tsnvr("camera", "add", f"localhost:{camera.port}", "--user", "admin", "--password", "cam-secret",
                   "--chid", "3", "--no-substream", data=tmp_path)
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout == f"channel 3 added: SimCam, onvif://localhost:{camera.port}, {MAIN}\n"
    write_settings(tmp_path, max_channels=2)
    with OnvifSimulator(rtsp_main=SUB, user="admin", password="cam-secret") as second:
        over = tsnvr("camera", "add", second.url, "--user", "admin", "--password", "cam-secret", data=tmp_path)
    assert (over.returncode, over.stderr) == (2, "tsnvr: there are 2 channels already (the max_channels setting)\n")
    assert [(c.chid, c.name, c.type, c.substream) for c in stored(tmp_path)[0]] == [
        (3, "SimCam", "onvif", False), (7, "Yard", "rtsp", False)]


def test_add_refuses_a_camera_that_does_not_answer(tmp_path: Path, camera):
    wrong = tsnvr("camera", "add", camera.url, "--user", "admin", "--password", "wrong", data=tmp_path)
    assert wrong.returncode == 3
    assert wrong.stderr.startswith(f"tsnvr: the camera at {camera.url} did not answer as an ONVIF device: ")
    camera.stop()
    down = tsnvr("camera", "add", camera.url, "--user", "admin", "--password", "cam-secret", "--timeout", "2",
                 data=tmp_path)
    assert down.returncode == 3
    assert down.stderr.startswith(f"tsnvr: the camera at {camera.url} did not answer as an ONVIF device: ")
    bad = tsnvr("camera", "add", "rtsp://127.0.0.1/x", "--user", "admin", "--password", "x", data=tmp_path)
    assert (bad.returncode, bad.stderr) == (
        2, "tsnvr: 'rtsp://127.0.0.1/x': write the camera's address as host[:port] or onvif://host:port\n")
    assert not (tmp_path / "tsnvr.db").exists()  # refused before the database was opened


# --- multicast, inside network namespaces of the test's own -------------------------------------------

CAMERA_XADDR = "http://10.9.0.2/onvif/device_service"
CAMERA_ENDPOINT = "urn:uuid:5f2c3c1e-0d0b-4a4f-9c55-2b7a61d0a002"
CAMERA_SCOPES = ["onvif://www.onvif.org/name/Yard", "onvif://www.onvif.org/hardware/Cam2"]

# A camera on a network of its own: it waits for its link, answers, and at the end says what it got.
CAMERA = f"""
import json, sys
print("in its namespace", flush=True)
sys.stdin.readline()
from tests.onvif_discovery_responder import DiscoveryResponder
with DiscoveryResponder([{CAMERA_XADDR!r}], {CAMERA_SCOPES!r}, endpoint={CAMERA_ENDPOINT!r}, host="10.9.0.2",
                        multicast=True) as responder:
    print("ready", flush=True)
    sys.stdin.readline()
print(json.dumps([[r.sender[0], r.answered, r.problem] for r in responder.received]), flush=True)
"""

# The NVR: its loopback carries the multicast route (the default route, for the probe) and one
# responder; the camera's network is behind a second interface, cam0, a veth to the camera's cam1.
NVR = f"""
import json, subprocess, sys, time
from tests.onvif_discovery_responder import DiscoveryResponder
def ip(*args, pid=None):
    subprocess.run([*(["nsenter", "-t", str(pid), "-n"] if pid else []), "ip", *args], check=True)
ip("link", "set", "lo", "up", "multicast", "on")
ip("route", "add", "224.0.0.0/4", "dev", "lo", "src", "127.0.0.1")
camera = subprocess.Popen(["unshare", "-n", sys.executable, "-c", {CAMERA!r}], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True)
assert camera.stdout.readline() == "in its namespace\\n"
ip("link", "add", "cam0", "type", "veth", "peer", "name", "cam1", "netns", str(camera.pid))
ip("addr", "add", "10.9.0.2/24", "dev", "cam1", pid=camera.pid)
ip("link", "set", "cam1", "up", pid=camera.pid)
ip("addr", "add", "10.9.0.1/24", "dev", "cam0")
ip("link", "set", "cam0", "up")
for _ in range(100):  # until the link has carrier both ways (RUNNING)
    if "LOWER_UP" in subprocess.run(["ip", "link", "show", "cam0"], capture_output=True, text=True).stdout:
        break
    time.sleep(0.02)
camera.stdin.write("go\\n"); camera.stdin.flush()
assert camera.stdout.readline() == "ready\\n"
xaddr, endpoint, data, *scopes = sys.argv[1:]
with DiscoveryResponder([xaddr], scopes, endpoint=endpoint, multicast=True) as responder:
    done = subprocess.run([sys.executable, "-m", "tsnvr", "camera", "discover", "--timeout", "1", "--data", data],
                          capture_output=True, text=True, timeout=30)
camera.stdin.write("end\\n"); camera.stdin.flush()
print(json.dumps({{"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr,
                  "local": [[r.sender[0], r.answered, r.problem] for r in responder.received],
                  "camera": json.loads(camera.stdout.readline())}}))
camera.wait(10)
"""


def test_discover_probes_the_multicast_group_on_every_interface(tmp_path: Path):
    """In network namespaces (unshare -n: each gone with its process) whose only links are their
    own, so the probes to 239.255.255.250 reach the test's responders and nothing else: one on the
    NVR's loopback, which has the multicast route, and a camera behind a second interface."""
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot make a network namespace here (needs root)")
    done = subprocess.run(["unshare", "-n", sys.executable, "-c", NVR, XADDR, ENDPOINT, str(tmp_path), *SCOPES],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["code"], result["stderr"]) == (0, "")
    assert result["stdout"] == (f"{CAMERA_XADDR}\tYard\t-\tCam2\t-\n"
                                f"{XADDR}\tGate Camera\t-\tSimCam1080\t-\n")
    # the probe and its repeat (a multicast probe listens the whole timeout), each out of both interfaces
    # the probe and its repeat (a multicast probe listens the whole timeout), each out of both
    # interfaces, all answered; the source address the kernel picks out of the loopback is one of the NVR's
    assert [answered for _, answered, _ in result["local"]] == [True, True]
    assert {sender for sender, _, _ in result["local"]} <= {"127.0.0.1", "10.9.0.1"}
    assert result["camera"] == [["10.9.0.1", True, ""], ["10.9.0.1", True, ""]]
