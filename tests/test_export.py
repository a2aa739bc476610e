"""carNo export to .xlsx and GET /download/{name}: files opened with openpyxl and compared cell by
cell, splitting and naming, rights, the event-log row, expiry, and names that try to escape."""

from __future__ import annotations

import io
import os
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import select
from starlette.testclient import TestClient

from storage.models import EventLogEntry
from storage.plates import add_plate
from tests.conftest import ADMIN_AUTH, make_runtime, write_settings
from web.core.timefmt import parse

NY = ZoneInfo("America/New_York")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["No.", "Plate number", "Score", "Begin time", "End time", "Source code", "Source name", "Direction",
          "Linked channels", "Images"]


def ms(text: str) -> int:
    return parse(text, NY).ms


@pytest.fixture
def exporter(data_dir: Path):
    """An app with 3 rows per export file, 7 plates from 2024-03-09 on, and an admin client."""
    write_settings(data_dir, export_rows_per_file=3,
                   lpr_device=[{"id": 1, "code": "gate-a", "name": "North gate"}])
    runtime = make_runtime(data_dir)
    rows = []
    for i in range(7):
        begin = ms("2024-03-09T23:59:58.123") + i * 3_600_000  # crosses the DST change of 03-10
        rows.append(add_plate(runtime.db, f"EXP{i}00", begin, begin + 2_500, src_code="gate-a",
                              channels=[1, 2] if i % 2 else [], score=None if i == 3 else 80.6 + i,
                              images=[f"images/{i}/a.jpg", f"images/{i}/b.jpg"] if i != 5 else None,
                              direction="entry" if i % 2 else None))
    with TestClient(runtime.app, base_url="http://testserver") as client:
        client.get("/api/auth", params={"login": ADMIN_AUTH})
        yield runtime, client, rows


def export(client, **params) -> list[str]:
    r = client.get("/api/find", params={"what": "carNo", "export": "true", **params})
    assert r.status_code == 200, r.text
    return r.json()


def workbook_rows(client, url: str) -> list[list]:
    """The cells of each row, without the empty ones openpyxl pads short rows with."""
    r = client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = []
    for row in sheet.iter_rows():
        cells = list(row)
        while cells and cells[-1].value is None:
            cells.pop()
        rows.append(cells)
    return rows


def test_export_writes_every_match_split_into_files_in_search_order(exporter):
    runtime, client, rows = exporter
    urls = export(client, timeBegin="2024-03-09T00:00:00-05:00", maxCount=2, at=1)  # paging is ignored
    assert urls == ["http://testserver/download/2024-03-09T00.00.00.xlsx",
                    "http://testserver/download/2024-03-09T00.00.00(2).xlsx",
                    "http://testserver/download/2024-03-09T00.00.00(3).xlsx"]
    cells = [workbook_rows(client, url) for url in urls]
    assert [len(sheet) for sheet in cells] == [4, 4, 2]  # header + 3, header + 3, header + 1
    for sheet in cells:
        assert [c.value for c in sheet[0]] == HEADER
    data = [row for sheet in cells for row in sheet[1:]]
    newest_first = list(reversed(rows))
    assert [row[0].value for row in data] == [r.id for r in newest_first]
    for row, plate in zip(data, newest_first, strict=True):
        values = [c.value for c in row] + [None] * 9
        begin = datetime.fromtimestamp(plate.begin_ms / 1000, NY).replace(tzinfo=None)
        end = datetime.fromtimestamp(plate.end_ms / 1000, NY).replace(tzinfo=None)
        images = [f"http://testserver/storage/{p}" for p in ([] if plate.images is None else
                                                            [f"images/{plate.plate_no[3]}/a.jpg",
                                                             f"images/{plate.plate_no[3]}/b.jpg"])]
        assert values[:9] == [plate.id, plate.plate_no, None if plate.score is None else round(plate.score),
                              begin, end, "gate-a", "North gate", plate.direction,
                              "1,2" if plate.channels != "," else None]
        assert row[3].number_format == row[4].number_format == "yyyy-mm-dd hh:mm:ss.000"
        assert [c.value for c in row[9:]] == images
        assert [c.hyperlink.target for c in row[9:]] == images
    # wall-clock times on both sides of the DST change (02:00 EST -> 03:00 EDT on 2024-03-10)
    assert data[3][3].value == datetime(2024, 3, 10, 3, 59, 58, 123000)
    assert data[4][3].value == datetime(2024, 3, 10, 1, 59, 58, 123000)
    assert data[6][3].value == datetime(2024, 3, 9, 23, 59, 58, 123000)


def test_sort_filters_and_event_log_row(exporter):
    runtime, client, rows = exporter
    urls = export(client, keyword="EXP", ch="2", sort="asc", timeBegin="2024-03-09T05:00:00Z")
    assert urls == ["http://testserver/download/2024-03-09T05.00.00.xlsx"]  # named in UTC, as asked
    data = [row for url in urls for row in workbook_rows(client, url)[1:]]
    assert [row[0].value for row in data] == [r.id for r in rows if r.channels != ","]
    with runtime.db.read() as s:
        entry = s.exec(select(EventLogEntry).where(EventLogEntry.type == 1, EventLogEntry.code == 12)).one()
    assert '"count": 3' in entry.param and '"uid": "admin"' in entry.param
    log = client.get("/api/find", params={"what": "eventLog", "type": "1", "maxCount": 1}).json()["data"][0]
    assert log["codeName"] == "Data exported" and log["param"]["count"] == 3


def test_a_second_export_takes_further_numbers_and_nothing_matching_gives_a_header_only_file(exporter):
    _runtime, client, _rows = exporter
    first = export(client, timeBegin="2024-03-09T00:00:00", keyword="EXP1")
    second = export(client, timeBegin="2024-03-09T00:00:00", keyword="EXP1")
    assert [u.rsplit("/", 1)[1] for u in first + second] == ["2024-03-09T00.00.00.xlsx",
                                                             "2024-03-09T00.00.00(2).xlsx"]
    empty = export(client, timeBegin="2030-01-01T00:00:00", keyword="NOPE")
    assert [len(workbook_rows(client, u)) for u in empty] == [1]


def test_export_without_time_begin_is_named_after_now(exporter):
    _runtime, client, _rows = exporter
    before = datetime.now(NY).replace(microsecond=0, tzinfo=None)
    (url,) = export(client, keyword="EXP0")
    stamp = datetime.strptime(url.rsplit("/", 1)[1].split(".xlsx")[0][:19], "%Y-%m-%dT%H.%M.%S")
    assert 0 <= (stamp - before).total_seconds() <= 5


def test_export_and_download_rights(exporter, add_user):
    runtime, client, _rows = exporter
    (url,) = export(client, keyword="EXP0")
    path = url.replace("http://testserver", "")
    lpr_only = add_user("lpr", rights="Remote,LPR")
    export_only = add_user("exp", rights="Remote,DataExport")
    anon = TestClient(runtime.app)
    r = anon.get("/api/find", params={"what": "carNo", "export": "true", "auth": lpr_only})
    assert r.status_code == 403
    r = anon.get("/api/find", params={"what": "carNo", "export": "true", "auth": export_only})
    assert r.status_code == 403  # exporting plates needs LPR as well
    r = anon.get(path)
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Basic realm="tsnvr"'
    assert r.json()["code"] == 401
    assert anon.get(path, params={"auth": lpr_only}).status_code == 403
    assert anon.get(path, params={"auth": export_only}).status_code == 200
    r = anon.get(path, auth=("admin", "wrong"))
    assert r.status_code == 401 and "www-authenticate" in r.headers


def test_range_requests(exporter):
    _runtime, client, _rows = exporter
    (url,) = export(client, keyword="EXP0")
    whole = client.get(url).content
    part = client.get(url, headers={"Range": "bytes=10-99"})
    assert part.status_code == 206
    assert part.content == whole[10:100]
    assert part.headers["content-range"] == f"bytes 10-99/{len(whole)}"


@pytest.mark.parametrize("raw_path, status", [
    ("/download/..%2Fsettings.toml", 400),
    ("/download/%2e%2e%2fsettings.toml", 400),
    ("/download/..%5Csettings.toml", 400),
    ("/download/%2e%2e", 400),
    ("/download/..", {400, 404}),  # the client itself may resolve this one to "/"
    ("/download/exports%2F..%2F..%2Fsettings.toml", 400),
    ("/download//etc/passwd", 400),
    ("/download/%2Fetc%2Fpasswd", 400),
    ("/download/a%00.xlsx", 400),
    ("/download/.hidden.part", 400),
    ("/download/C:%5Cwindows", 400),
    ("/download/missing.xlsx", 404),
    ("/download/", 400),
])
def test_names_outside_the_exports_directory_are_refused(exporter, raw_path, status):
    runtime, client, _rows = exporter
    export(client, keyword="EXP0")
    r = client.get(raw_path)
    assert r.status_code in (status if isinstance(status, set) else {status}), (raw_path, r.status_code, r.text)
    assert "[[lpr_device]]" not in r.text and "root:" not in r.text
    assert r.json()["code"] == r.status_code


def test_symlinks_in_the_exports_directory_are_not_followed(exporter, data_dir):
    _runtime, client, _rows = exporter
    export(client, keyword="EXP0")
    link = data_dir / "exports" / "settings.xlsx"
    os.symlink(data_dir / "settings.toml", link)
    assert client.get("/download/settings.xlsx").status_code == 404


def test_old_exports_are_deleted(exporter, data_dir):
    _runtime, client, _rows = exporter
    (url,) = export(client, keyword="EXP0")
    exports = data_dir / "exports"
    old = exports / "2000-01-01T00.00.00.xlsx"
    old.write_bytes(b"old")
    stale_partial = exports / ".x.xlsx.part"
    stale_partial.write_bytes(b"")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    os.utime(stale_partial, (day_ago, day_ago))
    assert client.get("/download/2000-01-01T00.00.00.xlsx").status_code == 404  # expired: not served
    assert not old.exists()
    old.write_bytes(b"old")
    os.utime(old, (day_ago, day_ago))
    export(client, keyword="EXP1")  # an export sweeps the directory
    assert not old.exists() and not stale_partial.exists()
    assert client.get(url).status_code == 200


def test_bad_export_input_is_400(exporter):
    _runtime, client, _rows = exporter
    for params in ({"sort": "sideways"}, {"timeBegin": "soon"}, {"ch": "x"}):
        r = client.get("/api/find", params={"what": "carNo", "export": "true", **params})
        assert r.status_code == 400 and r.json()["code"] == 400
    assert not any((Path(client.app.state.services.settings.data_dir) / "exports").glob("*.xlsx"))
