"""/api/find as a whole: the `what` switch, and that no input at all makes it fail with a 500;
plus downloads over a real `tsnvr serve`, where the HTTP server itself decodes the path."""

from __future__ import annotations

import http.client
import random

import pytest

from storage.objects import add_object
from storage.plates import add_plate
from tests.conftest import ADMIN_AUTH

WHATS = ["recDays", "recMinutes", "eventLog", "carNo", "similarCarNo", "object"]
PARAMS = ["lang", "timeBegin", "timeEnd", "at", "maxCount", "sort", "type", "keyword", "src", "ch", "export",
          "objectType", "gender", "age", "hat", "glasses", "mask", "bag", "topClothes", "bottomClothes",
          "vehicleType", "indent"]
NASTY = ["", " ", "-1", "0", "1", "1e9", "99999999999999999999999", "1.5", "true", "false", "null", "[]", "{}",
         ",", ",,1,,", "1,-2", "\x00", "%00", "%", "_", "'", '"', "\\", "' OR 1=1 --", "😀", "가나다", "A" * 300,
         "2024-02-30T00:00:00", "2024-03-10T02:30:00", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00+14:00",
         "9999-12-31T23:59:59.999-23:59", "0001-01-01T00:00:00+23:59", "2024-01-01T00:00:00.123456789",
         "face", "human,vehicle", "car,yellow", "short,red", "asc", "desc", "en-US", "xx", "eventLog"]


@pytest.fixture
def some_data(runtime):
    add_plate(runtime.db, "12AB345", 1_700_000_000_000, 1_700_000_001_000, src_code="g", channels=[1])
    add_object(runtime.db, 1_700_000_000_000, 1, 1, "vehicle", {"vehicleType": "car", "colors": ["yellow"]})


def test_what_is_required_and_must_be_known(admin):
    for query in ("", "?what=", "?what=plates", "?what=carNo%00", "?what=eventlog2"):
        r = admin.get("/api/find" + query)
        assert r.status_code == 400, query
        body = r.json()
        assert body["code"] == 400 and "carNo" in body["message"]


def test_what_is_case_insensitive(admin, some_data):
    assert admin.get("/api/find?what=CARNO").json()["totalCount"] == 1


def test_the_json_is_compact_unless_indent_is_asked(admin, some_data):
    compact = admin.get("/api/find?what=carNo").text
    assert compact.startswith('{"totalCount":1,"at":0,"data":[{"id":1,')
    assert "\n" in admin.get("/api/find?what=carNo&indent=2").text


def test_random_bad_input_never_fails_with_500(admin, some_data):
    rng = random.Random(7)
    statuses = set()
    for _ in range(600):
        params = {"what": rng.choice(WHATS)}
        for name in rng.sample(PARAMS, rng.randint(1, 4)):
            params[name] = rng.choice(NASTY)
        r = admin.get("/api/find", params=params)
        statuses.add(r.status_code)
        assert r.status_code < 500, (params, r.text)
        body = r.json()
        if r.status_code >= 400:
            assert body["code"] == r.status_code and body["message"], params
    assert statuses >= {200, 400}
    assert admin.get("/api/find?what=carNo").json()["totalCount"] == 1


def raw_get(url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """GET with the request line exactly as given (no client-side normalisation of the path)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        conn.putheader(name, value)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def test_downloads_over_real_http(live_server):
    import httpx

    from storage import settings as settings_file
    from tsnvr.database import open_database

    db = open_database(settings_file.load(live_server.data_dir, env={}))
    add_plate(db, "LIVE123", 1_700_000_000_000, 1_700_000_001_000)
    db.dispose()
    r = httpx.get(live_server.url + "/api/find", params={"what": "carNo", "export": "true", "auth": ADMIN_AUTH})
    assert r.status_code == 200, r.text
    (url,) = r.json()
    assert url.startswith(live_server.url + "/download/")
    name = url.rsplit("/", 1)[1]
    status, body = raw_get(live_server.url, f"/download/{name}?auth={ADMIN_AUTH}")
    assert status == 200 and body[:2] == b"PK"
    status, _ = raw_get(live_server.url, f"/download/{name}")
    assert status == 401
    for path in ("/download/../settings.toml", "/download/..%2Fsettings.toml", "/download/%2e%2e%2fsettings.toml",
                 "/download/..%5Csettings.toml", "/download/%2Fetc%2Fpasswd", "/download/a%00b",
                 "/download/../../../../etc/passwd", "/download/..%252Fsettings.toml"):
        status, body = raw_get(live_server.url, f"{path}?auth={ADMIN_AUTH}")
        assert status in (400, 404), (path, status)
        assert b"timezone" not in body and b"root:" not in body
    assert httpx.get(live_server.url + "/api/info?apiVersion").status_code == 200
