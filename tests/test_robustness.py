"""Bad input anywhere gets a 4xx with a JSON {"code", "message"}; never a 500; the server keeps serving."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ADMIN_AUTH

ENDPOINTS = [
    ("GET", "/api/info"),
    ("GET", "/api/auth"),
    ("GET", "/api/system"),
    ("GET", "/api/status"),
    ("GET", "/api/enum"),
    ("GET", "/api/find"),
    ("POST", "/api/push"),
    ("GET", "/download/x.xlsx"),
]
PARAM_NAMES = ["what", "ch", "timeBegin", "timeEnd", "at", "maxCount", "sort", "keyword", "lang", "type", "src",
               "export", "objectType", "gender", "topClothes", "vehicleType", "indent", "info", "health",
               "hddsmart", "verbose", "recordingStatus", "staticSrc", "caps", "whoAmI", "login", "auth", "x"]
WHATS = ["eventLog", "carNo", "similarCarNo", "object", "recDays", "recMinutes", "channel", "lprSrc",
         "emergencyCall", "eventType", "parkingLot", "realtimeEvent", "objectType", "objectAttr", "nope", ""]
NASTY = ["", "-1", "0", "99999999999999999999", "1,2,,x", "' OR 1=1 --", "%", "_", "../../etc/passwd", "\x00",
         "2018-02-30T00:00:00", "2018-01-01T00:00:00Z", "true", "garbage", "🚗", "a" * 5000, "1e9", "NaN"]

values = st.one_of(st.sampled_from(NASTY), st.sampled_from(WHATS), st.text(string.printable, max_size=40))
queries = st.dictionaries(st.sampled_from(PARAM_NAMES), values, max_size=6)


def assert_clean(r) -> None:
    assert r.status_code < 500, (r.request.url, r.status_code, r.text[:300])
    if r.status_code == 401 and r.request.url.path == "/api/info" and "apiVersion" in r.json():
        return  # the guide's /api/info?all answer without a session: 401 with the public items
    if r.status_code >= 400:
        body = r.json()
        assert set(body) == {"code", "message"} and body["code"] == r.status_code, r.text[:300]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(endpoint=st.sampled_from(ENDPOINTS), query=queries, signed_in=st.booleans())
def test_random_queries_never_500(client, endpoint, query, signed_in):
    method, path = endpoint
    if signed_in and "auth" not in query:
        query = {**query, "auth": ADMIN_AUTH}
    if "restart" in query or "reboot" in query:
        return
    r = client.request(method, path, params=query, content=b"{}" if method == "POST" else None)
    assert_clean(r)


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b"null", b"42", b'"LPR"', b'{"topic": 5}',
                                  b'[{"topic": "LPR"}]', b'{"topic": "LPR", "src": "F1", "plateNo": ""}',
                                  b'{"topic": "LPR", "src": "F1", "plateNo": "A1", "when": "tomorrow"}',
                                  b'{"topic": "emergencyCall", "src": "1", "event": "callMaybe"}',
                                  "\ufeff{}".encode(), b"\xff\xfe", b"[" * 10000 + b"]" * 10000])
def test_push_bodies(client, body):
    r = client.post(f"/api/push?auth={ADMIN_AUTH}", content=body, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500
    assert_clean(r)
    assert client.get("/api/info?apiVersion").status_code == 200


def test_oversized_body_is_413(client):
    r = client.post(f"/api/push?auth={ADMIN_AUTH}", content=b"[" + b" " * 2_000_000 + b"]")
    assert r.status_code == 413
    assert_clean(r)
