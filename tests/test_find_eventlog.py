"""GET /api/find?what=eventLog: names from the catalogues, time range, type, paging, sort, rights."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from storage.eventlog import ChannelCode, EventType, PrivacyCode, SystemCode
from web.core import i18n
from web.core.timefmt import parse

NY = ZoneInfo("America/New_York")
BASE = parse("2019-01-01T00:00:00-05:00", NY).ms
HOUR = 3_600_000
OLD = {"timeEnd": "2019-12-31T23:59:59.999"}  # only the rows below, not the server's own start-up rows


@pytest.fixture
def events(runtime) -> list:
    log = runtime.eventlog
    out = []
    kinds = [(EventType.SYSTEM, SystemCode.STORAGE_READY), (EventType.PRIVACY, PrivacyCode.SIGN_IN),
             (EventType.CHANNEL, ChannelCode.CONNECTED)]
    for i in range(30):
        kind, code = kinds[i % 3]
        param = {"storagePath": "E:\\recData\\", "statusCode": 0} if kind == EventType.SYSTEM else None
        out.append(log.record(kind, code, param=param, comment="admin: Auto-login" if i % 3 == 1 else None,
                              chid=1 if kind == EventType.CHANNEL else None, ts_ms=BASE + i * HOUR,
                              end_ms=BASE + i * HOUR + 5_000 if i == 29 else None))
    return out


def find(client, **params) -> dict:
    r = client.get("/api/find", params={"what": "eventLog", **OLD, **params})
    assert r.status_code == 200, r.text
    return r.json()


def ids(answer: dict) -> list[int]:
    return [item["id"] for item in answer["data"]]


def test_newest_first_with_names_and_the_guides_shape(admin, events):
    answer = find(admin)
    assert answer["totalCount"] == 30 and answer["at"] == 0
    assert ids(answer) == [e.id for e in reversed(events)]
    newest, storage, sign_in = answer["data"][0], answer["data"][2], answer["data"][1]
    assert newest == {"id": events[29].id, "type": 2, "typeName": "Channel", "code": 3,
                      "codeName": "Camera connected",
                      "timeRange": ["2019-01-02T05:00:00.000-05:00", "2019-01-02T05:00:05.000-05:00"]}
    assert storage == {"id": events[27].id, "type": 0, "typeName": "System log", "code": 25,
                       "codeName": "Storage ready", "timeRange": ["2019-01-02T03:00:00.000-05:00"],
                       "param": {"storagePath": "E%3A%5CrecData%5C", "statusCode": 0}}
    assert sign_in["comment"] == "admin: Auto-login" and sign_in["codeName"] == "Sign in"


def test_lang_picks_the_catalogue(admin, events):
    spanish = i18n.resolve("es-ES")
    item = find(admin, lang="es-ES", type="0", maxCount=1)["data"][0]
    assert item["typeName"] == i18n.text(spanish, "eventType.0")
    assert item["codeName"] == i18n.text(spanish, "eventCode.0.25")
    if spanish == "es-ES":
        assert item["typeName"] != "System log"
    assert find(admin, lang="xx-YY", type="0", maxCount=1)["data"][0]["typeName"] == "System log"


def test_type_time_paging_and_sort(admin, events):
    privacy = [e.id for e in reversed(events) if e.type == 1]
    assert ids(find(admin, type="1")) == privacy
    assert ids(find(admin, type="0,2"))[:4] == [e.id for e in reversed(events) if e.type != 1][:4]
    window = find(admin, timeBegin="2019-01-01T05:00:00Z", timeEnd="2019-01-01T09:00:00-05:00")
    assert ids(window) == [e.id for e in reversed(events[:10])]
    page = find(admin, at=5, maxCount=4, sort="asc")
    assert page["totalCount"] == 30 and page["at"] == 5
    assert ids(page) == [e.id for e in events[5:9]]


def test_everything_by_default_includes_the_servers_own_rows(admin, events):
    r = admin.get("/api/find", params={"what": "eventLog", "maxCount": 1000}).json()
    assert r["totalCount"] > 30  # start-up, storage-ready and the admin's sign-in
    assert "Sign in" in {item["codeName"] for item in r["data"]}


def test_needs_the_settings_right(client, add_user, events):
    assert client.get("/api/find?what=eventLog").status_code == 401
    lpr = add_user("lpr", rights="Remote,LPR,Playback,DataExport,Control")
    assert client.get("/api/find", params={"what": "eventLog", "auth": lpr}).status_code == 403


@pytest.mark.parametrize("params", [{"type": "system"}, {"type": "-1"}, {"maxCount": "5000"}, {"at": "-3"},
                                    {"sort": "newest"}, {"timeBegin": "2019-02-30T00:00:00"}])
def test_bad_input(admin, events, params):
    r = admin.get("/api/find", params={"what": "eventLog", **params})
    assert r.status_code == 400 and r.json()["code"] == 400
