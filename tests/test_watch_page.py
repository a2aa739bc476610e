"""/watch without a browser: which page (player, sign-in form, message) and status each request
gets, the player's config (auth= passed on, but not into the copied URL), languages, and the
static assets the page loads, the vendored hls.js included."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from storage.models import Channel
from tests.conftest import ADMIN_AUTH, ADMIN_PASSWORD, REPO
from tsnvr.server import Runtime

TZ = ZoneInfo("America/New_York")  # the data_dir fixture's timezone
VENDORED = REPO / "web" / "video" / "static" / "vendor" / "hls.min.js"
NODE_MODULES_HLS = REPO / "node_modules" / "hls.js" / "dist" / "hls.min.js"


@pytest.fixture
def channel(runtime: Runtime) -> Channel:
    """Channel 3 in the database only (the recorder is not asked to start it)."""
    row = Channel(chid=3, name="Gate", type="file", source="missing.mp4", created_ms=int(time.time() * 1000))
    with runtime.db.write() as s:
        s.add(row)
    return row


def config(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="watch-config">(.*?)</script>', html, re.S)
    assert m, "no config in the page"
    return json.loads(m.group(1))


def test_without_credentials_the_sign_in_form(client: TestClient, channel: Channel):
    r = client.get("/watch?ch=3")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("text/html")
    assert "www-authenticate" not in r.headers  # no browser password dialog over the form
    assert '<form class="signin"' in r.text and 'type="password"' in r.text
    assert "<video" not in r.text and "Gate" not in r.text
    assert config(r.text)["page"] == "signIn"


def test_wrong_credentials_the_form_says_so(client: TestClient, channel: Channel):
    wrong = base64.b64encode(b"admin:wrong").decode()
    r = client.get(f"/watch?ch=3&auth={wrong}")
    assert r.status_code == 401
    assert "Wrong user ID or password." in r.text and "<video" not in r.text


def test_player_with_auth(client: TestClient, channel: Channel):
    r = client.get(f"/watch?ch=3&auth={ADMIN_AUTH}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "<video" in r.text and "CH3. Gate" in r.text
    cfg = config(r.text)
    assert cfg["page"] == "player" and cfg["ch"] == 3 and cfg["title"] == "CH3. Gate"
    assert cfg["mode"] == "live" and cfg["whenMs"] is None
    assert cfg["auth"] == ADMIN_AUTH  # the page's own requests repeat it
    assert cfg["shareUrl"] == "http://testserver/watch?ch=3"  # "Copy video URL" leaves it out
    assert ADMIN_AUTH not in cfg["shareUrl"]
    assert cfg["showTitle"] is True and cfg["showPlayTime"] is True
    assert cfg["transport"] == "auto" and cfg["timezone"] == "America/New_York"
    assert cfg["text"]["copyUrl"] == "Copy video URL" and cfg["text"]["copyEmbed"] == "Copy embed code"


def test_the_copied_url_keeps_the_other_parameters(client: TestClient, channel: Channel):
    r = client.get(f"/watch?ch=3&auth={ADMIN_AUTH}&when=2018-02-01T14%3a30%3a15%2b09%3a00&lang=ko-KR&showTitle=false")
    cfg = config(r.text)
    assert cfg["shareUrl"] == ("http://testserver/watch?ch=3&when=2018-02-01T14%3A30%3A15%2B09%3A00"
                               "&lang=ko-KR&showTitle=false")


def test_can_be_framed(client: TestClient, channel: Channel):
    r = client.get(f"/watch?ch=3&auth={ADMIN_AUTH}", headers={"Origin": "http://example.test"})
    assert r.status_code == 200
    assert "x-frame-options" not in r.headers
    assert "frame-ancestors" not in r.headers.get("content-security-policy", "")


def test_session_cookie_and_no_auth_passed_on(admin: TestClient, channel: Channel):
    r = admin.get("/watch?ch=3")
    assert r.status_code == 200 and "<video" in r.text
    assert config(r.text)["auth"] is None  # the cookie goes along by itself


def test_login_and_basic_are_passed_on_as_auth(client: TestClient, channel: Channel):
    r = client.get(f"/watch?ch=3&login={ADMIN_AUTH}")
    assert r.status_code == 200 and config(r.text)["auth"] == ADMIN_AUTH
    assert "login" not in config(r.text)["shareUrl"]
    r = client.get("/watch?ch=3", auth=("admin", ADMIN_PASSWORD))
    assert r.status_code == 200 and config(r.text)["auth"] == ADMIN_AUTH


@pytest.mark.parametrize("lang, copy_url, sign_in", [
    ("es-ES", "Copiar URL del vídeo", "Iniciar sesión"),
    ("ko-KR", "동영상 URL 복사", "로그인"),
    ("en-US", "Copy video URL", "Sign in"),
])
def test_languages(client: TestClient, channel: Channel, lang: str, copy_url: str, sign_in: str):
    r = client.get(f"/watch?ch=3&auth={ADMIN_AUTH}&lang={lang}")
    assert f'<html lang="{lang}">' in r.text
    assert copy_url in r.text and config(r.text)["text"]["copyUrl"] == copy_url
    assert config(r.text)["lang"] == lang
    r = client.get(f"/watch?ch=3&lang={lang}")
    assert r.status_code == 401 and sign_in in r.text


def test_spanish_from_a_related_tag(client: TestClient, channel: Channel):
    r = client.get(f"/watch?ch=3&auth={ADMIN_AUTH}&lang=es-MX")
    assert config(r.text)["lang"] == "es-ES"


def test_show_title_and_play_time(client: TestClient, channel: Channel):
    r = client.get(f"/watch?ch=3&auth={ADMIN_AUTH}&showTitle=false&showPlayTime=false")
    cfg = config(r.text)
    assert cfg["showTitle"] is False and cfg["showPlayTime"] is False
    assert '<div class="title" id="title" hidden>' in r.text
    assert '<div class="clock" id="clock" hidden>' in r.text
    r = client.get(f"/watch?ch=3&auth={ADMIN_AUTH}&showTitle=true")
    assert '<div class="title" id="title">' in r.text


@pytest.mark.parametrize("query", ["ch=3&when=yesterday-ish", "ch=3&when=2018-13-01T00:00:00Z", "ch=abc", "ch=0",
                                   "lang=en-US", "ch=3&showTitle=maybe", "ch=3&transport=rtmp"])
def test_bad_parameters_400(client: TestClient, channel: Channel, query: str):
    r = client.get(f"/watch?{query}&auth={ADMIN_AUTH}")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")
    assert "The address of this video is not valid." in r.text and "<video" not in r.text


def test_unknown_channel_404(client: TestClient, channel: Channel):
    r = client.get(f"/watch?ch=99&auth={ADMIN_AUTH}&lang=es-ES")
    assert r.status_code == 404
    assert "No existe el canal 99." in r.text and "<video" not in r.text
    assert client.get("/watch?ch=99").status_code == 401  # nobody learns which channels exist


def test_recorded_needs_playback(client: TestClient, channel: Channel, add_user):
    viewer = add_user("viewer", rights="Remote")
    r = client.get(f"/watch?ch=3&auth={viewer}")
    assert r.status_code == 200 and "<video" in r.text  # live: Remote is enough
    r = client.get(f"/watch?ch=3&when=today&auth={viewer}")
    assert r.status_code == 403
    assert "not allowed" in r.text and '<form class="signin"' in r.text and "<video" not in r.text
    player = add_user("player", rights="Remote,Playback")
    r = client.get(f"/watch?ch=3&when=today&auth={player}")
    assert r.status_code == 200 and config(r.text)["mode"] == "recorded"
    nobody = add_user("nobody", rights="Playback")
    assert client.get(f"/watch?ch=3&auth={nobody}").status_code == 403


def test_when_values(client: TestClient, channel: Channel):
    def when_ms(value: str) -> int | None:
        r = client.get("/watch", params={"ch": "3", "auth": ADMIN_AUTH, "when": value})
        assert r.status_code == 200, r.text
        return config(r.text)["whenMs"]

    assert when_ms("now") is None
    assert when_ms("2018-02-01T14:30:15+09:00") == int(datetime.fromisoformat("2018-02-01T14:30:15+09:00")
                                                        .timestamp() * 1000)
    def midnight() -> int:
        return int(datetime.now(TZ).replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)

    before = midnight()
    got = when_ms("today")
    assert got in (before, midnight())  # midnight may pass meanwhile
    yesterday = when_ms("yesterday")
    assert yesterday is not None and got is not None
    assert datetime.fromtimestamp(yesterday / 1000, TZ).hour == 0
    assert 23 * 3600_000 <= got - yesterday <= 25 * 3600_000
    r = client.get(f"/watch?ch=3&when=today&auth={ADMIN_AUTH}")
    assert '<div class="seek" id="seek">' in r.text  # the seek buttons of recorded video
    assert '<div class="seek"' not in client.get(f"/watch?ch=3&auth={ADMIN_AUTH}").text


def test_the_config_cannot_close_its_script(client: TestClient, runtime: Runtime):
    with runtime.db.write() as s:
        s.add(Channel(chid=4, name="</script><b>x", type="file", source="m.mp4", created_ms=0))
    r = client.get(f"/watch?ch=4&auth={ADMIN_AUTH}")
    assert "</script><b>" not in r.text
    assert config(r.text)["title"] == "CH4. </script><b>x"


@pytest.mark.parametrize("path, kind", [
    ("/static/vendor/hls.min.js", "javascript"),
    ("/static/watch.js", "javascript"),
    ("/static/watch-live.js", "javascript"),
    ("/static/watch-recorded.js", "javascript"),
    ("/static/watch.css", "text/css"),
])
def test_static_assets_need_no_sign_in(client: TestClient, path: str, kind: str):
    r = client.get(path)
    assert r.status_code == 200
    assert kind in r.headers["content-type"]


def test_every_script_the_page_loads_exists(client: TestClient, channel: Channel):
    page = client.get(f"/watch?ch=3&auth={ADMIN_AUTH}").text
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', page)
    assert "/static/watch.js" in sources
    for src in sources:
        assert client.get(src).status_code == 200, src
    assert client.get("/static/../tsnvr.db").status_code == 404


@pytest.mark.skipif(not NODE_MODULES_HLS.exists(), reason="node_modules is not installed (npm ci)")
def test_vendored_hls_matches_node_modules():
    """web/video/static/vendor/hls.min.js is node_modules' copy; after an upgrade, copy it again:
    cp node_modules/hls.js/dist/hls.min.js web/video/static/vendor/ (and its LICENSE)."""
    assert VENDORED.read_bytes() == NODE_MODULES_HLS.read_bytes()
    license_file = REPO / "node_modules" / "hls.js" / "LICENSE"
    assert (VENDORED.parent / "hls.js.LICENSE").read_bytes() == license_file.read_bytes()


def test_npm_versions_are_pinned():
    package = json.loads((REPO / "package.json").read_text())
    lock = json.loads((REPO / "package-lock.json").read_text())
    for name, version in package["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned to one version"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert package["devDependencies"]["hls.js"].startswith("1.7.")
    assert "node_modules/" in Path(REPO / ".gitignore").read_text().splitlines()
