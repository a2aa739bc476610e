"""/api/info, indent=, CORS for pages opened from disk or another host."""

from __future__ import annotations

import json

from tests.conftest import ADMIN_AUTH


def test_public_items_need_no_session(client):
    r = client.get("/api/info?apiVersion")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.text == '{"apiVersion":"TS-API@0.9.20"}'
    assert client.get("/api/info?siteName").json() == {"siteName": "Test%20site"}
    tz = client.get("/api/info?timezone").json()["timezone"]
    assert tz["name"] == "America/New_York" and tz["bias"] in ("-05:00", "-04:00")
    product = client.get("/api/info?product").json()["product"]
    assert product["name"] == "TS-LPR" and product["version"].startswith("v0.")
    assert client.get("/api/info?license").json()["license"]["type"] == "genuine"


def test_several_items_at_once_keep_their_order(client):
    r = client.get("/api/info?timezone&apiVersion")
    assert list(r.json()) == ["apiVersion", "timezone"]


def test_all_without_session_is_401_without_whoami(client):
    r = client.get("/api/info?all")
    assert r.status_code == 401
    assert list(r.json()) == ["apiVersion", "siteName", "timezone", "product", "license"]
    r = client.get(f"/api/info?all&auth={ADMIN_AUTH}")
    assert r.status_code == 200
    assert list(r.json())[-1] == "whoAmI"


def test_indent(client):
    r = client.get("/api/info?timezone&indent=2")
    assert r.text.startswith('{\n  "timezone": {\n    "name": "America/New_York",')
    assert json.loads(r.text) == client.get("/api/info?timezone").json()
    assert client.get("/api/info?timezone&indent=0").text.startswith('{"timezone":{')
    for bad in ("9", "-1", "two"):
        r = client.get(f"/api/info?timezone&indent={bad}")
        assert r.status_code == 400 and r.json()["code"] == 400


def test_cors_preflight_and_simple_requests(client):
    r = client.options("/api/find?what=carNo", headers={
        "Origin": "null", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] in ("*", "null")
    assert "GET" in r.headers["access-control-allow-methods"]
    r = client.get(f"/api/info?whoAmI&auth={ADMIN_AUTH}", headers={"Origin": "http://other.example"})
    assert r.headers["access-control-allow-origin"] in ("*", "http://other.example")


def test_cors_origins_setting_restricts(data_dir):
    from starlette.testclient import TestClient

    from tests.conftest import make_runtime, write_settings

    write_settings(data_dir, cors_origins=["http://good.example"])
    with TestClient(make_runtime(data_dir).app) as client:
        ok = client.get("/api/info?apiVersion", headers={"Origin": "http://good.example"})
        assert ok.headers["access-control-allow-origin"] == "http://good.example"
        bad = client.get("/api/info?apiVersion", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in bad.headers
        pre = client.options("/api/info", headers={"Origin": "http://evil.example",
                                                   "Access-Control-Request-Method": "GET"})
        assert pre.status_code == 400
