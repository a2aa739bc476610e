"""/storage/...: recorded files with auth (auth=, cookie, Basic) and Range; nothing else of DIR."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from tests.conftest import ADMIN_AUTH, ADMIN_PASSWORD
from tests.rtsp_server import make_h264_clip

SEGMENT = "rec/ch1/2026/11/21/1795281462305.mp4"


@pytest.fixture
def segment(runtime, data_dir: Path) -> bytes:
    path = data_dir / SEGMENT
    path.parent.mkdir(parents=True)
    make_h264_clip(path, width=320, height=180, seconds=1.0)
    (path.parent / "1795281522305.mp4.part").write_bytes(b"being written")
    return path.read_bytes()


def test_a_segment_plays_whole_and_by_range(client, segment, tmp_path):
    r = client.get(f"/storage/{SEGMENT}", auth=("admin", ADMIN_PASSWORD))
    assert r.status_code == 200
    assert r.headers["content-type"] == "video/mp4"
    assert r.content == segment
    (tmp_path / "got.mp4").write_bytes(r.content)
    with av.open(str(tmp_path / "got.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 25
    r = client.get(f"/storage/{SEGMENT}?auth={ADMIN_AUTH}", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes 100-199/{len(segment)}"
    assert r.content == segment[100:200]
    assert client.head(f"/storage/{SEGMENT}?auth={ADMIN_AUTH}").headers["content-length"] == str(len(segment))


def test_credentials_and_the_playback_right_are_needed(client, segment, add_user):
    r = client.get(f"/storage/{SEGMENT}")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Basic realm="tsnvr"'
    assert r.json()["code"] == 401
    assert client.get(f"/storage/{SEGMENT}?auth={add_user('lpr-only', rights='LPR,Remote')}").status_code == 403
    assert client.get(f"/storage/{SEGMENT}?auth={add_user('viewer', rights='Playback,Remote')}").status_code == 200
    assert client.get("/api/auth", params={"login": ADMIN_AUTH}).status_code == 200  # cookie session
    assert client.get(f"/storage/{SEGMENT}").status_code == 200


@pytest.mark.parametrize("path, status", [
    ("tsnvr.db", 404),
    ("settings.toml", 404),
    ("exports/x.xlsx", 404),
    ("rec/ch1/2026/11/21/1795281522305.mp4.part", 404),
    ("rec/ch1/2026/11/21/missing.mp4", 404),
    ("rec/../tsnvr.db", 404),  # the client removes a literal '..' itself: /storage/tsnvr.db
    ("rec/ch1/..%2F..%2F..%2F..%2F..%2Ftsnvr.db", 400),
    ("rec/ch1%5C..%5C..%5Ctsnvr.db", 400),
    ("rec//ch1/x.mp4", 400),
    ("rec/.hidden.mp4", 400),
    ("rec/ch1/x%00.mp4", 400),
    ("rec/" + "/".join(["d" * 200] * 30) + "/x.mp4", 404),  # longer than the file system allows: ENAMETOOLONG
])
def test_nothing_outside_the_served_folders(client, segment, path, status):
    r = client.get(f"/storage/{path}?auth={ADMIN_AUTH}")
    assert r.status_code == status, r.text
    assert set(r.json()) == {"code", "message"}


def test_a_symlink_out_of_rec_is_not_followed(client, segment, data_dir):
    (data_dir / "rec" / "leak.mp4").symlink_to(data_dir / "tsnvr.db")
    assert client.get(f"/storage/rec/leak.mp4?auth={ADMIN_AUTH}").status_code == 404


def test_plate_images_need_the_lpr_right_and_object_images_playback(client, runtime, data_dir, add_user):
    plate, obj = "images/plates/2026-11-21/ch1/1795296406539-1.plate.jpg", "images/objects/2026-11-21/ch1/17.jpg"
    for relative in (plate, obj):
        (data_dir / relative).parent.mkdir(parents=True)
        (data_dir / relative).write_bytes(b"\xff\xd8\xff\xe0 a picture")
    lpr, viewer = add_user("lpr-only", rights="LPR,Remote"), add_user("viewer", rights="Playback,Remote")
    assert [client.get(f"/storage/{relative}?auth={who}").status_code
            for relative in (plate, obj) for who in (lpr, viewer)] == [200, 403, 403, 200]
    r = client.get(f"/storage/{plate}?auth={lpr}")
    assert (r.headers["content-type"], r.content) == ("image/jpeg", b"\xff\xd8\xff\xe0 a picture")
