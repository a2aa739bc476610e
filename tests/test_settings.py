"""settings.toml, TSNVR_* overrides, validation, and live reload with an event-log row."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlmodel import select

from storage import settings as settings_file
from storage.models import EventLogEntry
from storage.settings import LprZone, Settings, SettingsError
from tests.conftest import write_settings


def test_defaults_file_then_environment(tmp_path: Path):
    assert settings_file.load(tmp_path, env={}).port == 8080
    write_settings(tmp_path, port=9000, cors_origins=["http://a.example"], allow_reboot=True)
    s = settings_file.load(tmp_path, env={"TSNVR_PORT": "9100", "TSNVR_CORS_ORIGINS": "http://b, http://c"})
    assert s.port == 9100
    assert s.cors_origins == ["http://b", "http://c"]
    assert s.allow_reboot is True
    assert s.db_url == f"sqlite:///{tmp_path / 'tsnvr.db'}"


def test_tables_of_devices_and_lots(tmp_path: Path):
    write_settings(tmp_path, lpr_device=[{"id": 1, "code": "F00001", "name": "Gate", "linked_channels": [1, 2]}],
                   parking_lot=[{"id": 1, "name": "B1", "max_count": 50}])
    s = settings_file.load(tmp_path, env={})
    assert s.lpr_device_by_code("F00001").linked_channels == [1, 2]
    assert s.parking_lot[0].type == "counter"


@pytest.mark.parametrize(
    "values, env, fragment",
    [
        ({"prot": 1}, {}, "unknown setting 'prot'"),
        ({"port": "eighty"}, {}, "'port'"),
        ({}, {"TSNVR_ALLOW_REBOOT": "maybe"}, "TSNVR_ALLOW_REBOOT"),
        ({"lpr_device": [{"id": 1, "code": "a"}, {"id": 1, "code": "b"}]}, {}, "ids must be unique"),
        ({"lpr_device": [{"id": 1, "code": "a", "colour": "red"}]}, {}, "colour"),
    ],
)
def test_bad_settings_name_the_setting(tmp_path: Path, values, env, fragment):
    write_settings(tmp_path, **values)
    with pytest.raises(SettingsError, match=fragment):
        settings_file.load(tmp_path, env=env)


def test_a_changed_file_is_reloaded_and_logged(runtime, data_dir):
    time.sleep(0.01)
    write_settings(data_dir, site_name="Renamed site", max_channels=8)
    assert sorted(runtime.reload_settings()) == ["max_channels", "site_name"]
    assert runtime.settings.site_name == "Renamed site"
    with runtime.db.read() as s:
        row = s.exec(select(EventLogEntry).where(EventLogEntry.code == 10)).one()
    assert row.type == 0 and '"site_name"' in row.param
    write_settings(data_dir, port="not a port")  # a broken edit keeps the old settings
    assert runtime.reload_settings() == []
    assert runtime.settings.site_name == "Renamed site"


ZONE_ROW = {"id": 2, "code": "1-1-1", "name": "Gate in", "linked_channels": [1], "parking_entrance": 1,
            "zone": {"id": 0, "chid": 1, "rect": [0, 2160, 7680, 4320], "mode": "driving", "disabled_only": False,
                     "no_parking_allowed": False, "entry": "down"}}


def test_an_lpr_device_with_a_zone(tmp_path: Path):
    write_settings(tmp_path, lpr_device=[ZONE_ROW, {"id": 3, "code": "1-1-2", "zone": {"chid": 2}}])
    s = settings_file.load(tmp_path, env={})
    assert s.lpr_device[0].zone == LprZone(id=0, chid=1, rect=(0, 2160, 7680, 4320), mode="driving",
                                           disabled_only=False, no_parking_allowed=False, entry="down")
    # only chid is required: zone 0, the whole frame, driving, no entry direction
    assert s.lpr_device[1].zone == LprZone(chid=2)
    assert s.lpr_device[1].zone.rect == (0, 0, 7680, 4320) and s.lpr_device[1].zone.entry is None
    assert settings_file.table_to_dict(s.lpr_device[0]) == ZONE_ROW | {"tag": "Normal"}
    assert settings_file.table_to_dict(s.lpr_device[1])["zone"] == {
        "id": 0, "chid": 2, "rect": [0, 0, 7680, 4320], "mode": "driving", "disabled_only": False,
        "no_parking_allowed": False}  # no entry: left out, as TOML has no null


def zone_with(**changes):
    return {"id": 1, "code": "Z", "zone": {"chid": 1, **changes}}


@pytest.mark.parametrize("row, fragment", [
    (zone_with(chid=0), r"zone.chid: 0 is not a channel number"),
    (zone_with(chid="1"), r"zone.chid: '1'"),
    ({"id": 1, "code": "Z", "zone": {"rect": [0, 0, 10, 10]}}, r"zone.chid is required"),
    (zone_with(rect=[0, 0, 10]), r"zone.rect: \[0, 0, 10\] is not four whole numbers"),
    (zone_with(rect=[0, 0, 10.5, 10]), r"zone.rect: .* is not four whole numbers"),
    (zone_with(rect="0,0,10,10"), r"zone.rect"),
    (zone_with(rect=[0, 0, 7681, 4320]), r"zone.rect: \[0, 0, 7681, 4320\] is not a rectangle inside the 8K frame"),
    (zone_with(rect=[0, 0, 7680, 4321]), r"zone.rect: .*0 <= y0 < y1 <= 4320"),
    (zone_with(rect=[100, 0, 100, 10]), r"zone.rect"),  # x0 = x1
    (zone_with(rect=[0, 50, 10, 40]), r"zone.rect"),  # y0 > y1
    (zone_with(rect=[-1, 0, 10, 10]), r"zone.rect"),
    (zone_with(mode="walking"), r"zone.mode: 'walking' is not one of driving, parking"),
    (zone_with(entry="in"), r"zone.entry: 'in' is not one of up, down, left, right"),
    (zone_with(disabled_only="yes"), r"zone.disabled_only: 'yes' is not true or false"),
    (zone_with(no_parking_allowed=1), r"zone.no_parking_allowed"),
    (zone_with(id=-1), r"zone.id: -1"),
    (zone_with(colour="red"), r"zone: unknown key\(s\) \['colour'\]"),
    ({"id": 1, "code": "Z", "zone": [1, 2]}, r"zone: expected a table"),
])
def test_bad_zones_name_the_key(tmp_path: Path, row, fragment):
    write_settings(tmp_path, lpr_device=[row])
    with pytest.raises(SettingsError, match=r"setting 'lpr_device' \(id 1\): " + fragment):
        settings_file.load(tmp_path, env={})


def test_zone_ids_are_unique_on_a_channel(tmp_path: Path):
    write_settings(tmp_path, lpr_device=[{"id": 1, "code": "a", "zone": {"chid": 1}},
                                         {"id": 2, "code": "b", "zone": {"chid": 2}}])
    assert len(settings_file.load(tmp_path, env={}).lpr_device) == 2  # zone 0 on two channels is fine
    write_settings(tmp_path, lpr_device=[{"id": 1, "code": "a", "zone": {"chid": 1}},
                                         {"id": 2, "code": "b", "zone": {"chid": 1}}])
    with pytest.raises(SettingsError, match="two zones on channel 1 have zone.id 0"):
        settings_file.load(tmp_path, env={})


def test_lpr_analytics_settings_from_file_and_environment(tmp_path: Path):
    s = settings_file.load(tmp_path, env={})
    assert (s.lpr_enabled, s.lpr_channels, s.lpr_fps, s.lpr_objects, s.lpr_motion_threshold,
            s.lpr_track_seconds) == (True, [], 4.0, True, 0.003, 0.6)
    write_settings(tmp_path, lpr_channels=[3, 1], lpr_fps=2, lpr_ocr_stretch=[1, 1.4, 2.0], lpr_regions=["BR"],
                   lpr_objects=False)
    s = settings_file.load(tmp_path, env={})
    assert s.lpr_channels == [3, 1] and s.lpr_fps == 2.0 and isinstance(s.lpr_fps, float)
    assert s.lpr_ocr_stretch == [1.0, 1.4, 2.0] and s.lpr_regions == ["BR"] and s.lpr_objects is False
    s = settings_file.load(tmp_path, env={"TSNVR_LPR_CHANNELS": " 4, 5 ,", "TSNVR_LPR_OCR_STRETCH": "1,1.25",
                                          "TSNVR_LPR_ENABLED": "off", "TSNVR_LPR_REGIONS": "EU,US",
                                          "TSNVR_LPR_CACHE_DIR": "/srv/models", "TSNVR_LPR_THREADS": "2"})
    assert s.lpr_channels == [4, 5] and s.lpr_ocr_stretch == [1.0, 1.25] and s.lpr_enabled is False
    assert s.lpr_regions == ["EU", "US"] and s.lpr_cache_dir == "/srv/models" and s.lpr_threads == 2
    assert settings_file.load(tmp_path, env={"TSNVR_LPR_CHANNELS": ""}).lpr_channels == []


@pytest.mark.parametrize("values, env, fragment", [
    ({}, {"TSNVR_LPR_CHANNELS": "1,x"}, r"'TSNVR_LPR_CHANNELS': '1,x' is not a valid list of whole numbers"),
    ({}, {"TSNVR_LPR_CHANNELS": "1.5"}, r"TSNVR_LPR_CHANNELS"),
    ({"lpr_channels": [1, True]}, {}, r"'lpr_channels'.* list of whole numbers"),
    ({"lpr_channels": [1, 2.5]}, {}, r"'lpr_channels'"),
    ({"lpr_channels": 3}, {}, r"'lpr_channels': 3 is not a valid list"),
    ({"lpr_channels": [0, 1]}, {}, r"'lpr_channels': \[0, 1\] has a channel number below 1"),
    ({}, {"TSNVR_LPR_OCR_STRETCH": "1,fast"}, r"'TSNVR_LPR_OCR_STRETCH': '1,fast' is not a valid list of numbers"),
    ({"lpr_ocr_stretch": ["a"]}, {}, r"'lpr_ocr_stretch'"),
    ({"lpr_ocr_stretch": [1.0, 0]}, {}, r"'lpr_ocr_stretch'.* above 0"),
    ({}, {"TSNVR_LPR_FPS": "nan"}, r"TSNVR_LPR_FPS"),
    ({"lpr_fps": 0}, {}, r"'lpr_fps': 0.0 must be above 0"),
    ({"lpr_track_seconds": -1}, {}, r"'lpr_track_seconds'"),
    ({"lpr_motion_threshold": 1.5}, {}, r"'lpr_motion_threshold': 1.5 must be between 0 and 1"),
    ({"lpr_plate_confidence": -0.1}, {}, r"'lpr_plate_confidence'"),
    ({"lpr_min_score": 101}, {}, r"'lpr_min_score'.* between 0 and 100"),
    ({"lpr_threads": -1}, {}, r"'lpr_threads'"),
    ({"lpr_min_chars": 6, "lpr_max_chars": 5}, {}, r"'lpr_max_chars': 5 must be at least lpr_min_chars \(6\)"),
    ({"lpr_max_plates": 0}, {}, r"'lpr_max_plates'"),
    ({"lpr_plate_search": "car"}, {}, r"'lpr_plate_search': 'car' is not frame or vehicles"),
    ({}, {"TSNVR_LPR_OBJECTS": "perhaps"}, r"TSNVR_LPR_OBJECTS"),
    ({"lpr_enabled": "yes"}, {}, None),  # text booleans are fine in the file too
])
def test_bad_lpr_settings_name_the_setting(tmp_path: Path, values, env, fragment):
    write_settings(tmp_path, **values)
    if fragment is None:
        assert settings_file.load(tmp_path, env=env).lpr_enabled is True
        return
    with pytest.raises(SettingsError, match=fragment):
        settings_file.load(tmp_path, env=env)


def test_engine_settings_match_lpr_config():
    """Every LprConfig field is a Settings key lpr_<field> of the same type and default: they never drift."""
    from lpr.config import LprConfig

    assert LprConfig.from_settings(Settings()) == LprConfig()
    for name, field in LprConfig.model_fields.items():
        key = "lpr_" + name
        assert LprConfig.keys()[name] == key and key in Settings.model_fields, name
        assert Settings.model_fields[key].annotation == field.annotation, name
        assert getattr(Settings(), key) == getattr(LprConfig(), name), name


def test_the_recorder_and_the_reader_get_typed_sections(tmp_path: Path):
    from lpr.config import LprConfig
    from recorder.config import RecorderConfig

    write_settings(tmp_path, segment_seconds=30, retention_max_age_days=7, lpr_threads=2, lpr_quantize="off")
    settings = settings_file.load(tmp_path, env={"TSNVR_RECONNECT_MAX_SECONDS": "5"})
    recorder = RecorderConfig.from_settings(settings)
    assert recorder == settings.recorder
    assert (recorder.data_dir, recorder.segment_seconds, recorder.retention_max_age_days,
            recorder.reconnect_max_seconds) == (tmp_path, 30.0, 7.0, 5.0)
    assert settings.lpr == LprConfig.from_settings(settings) == LprConfig(threads=2, quantize=False)
    assert LprConfig.from_settings(settings, threads=1, regions=["BR"]).regions == ["BR"]


@pytest.mark.parametrize("where", ["file", "variable", "section"])
def test_a_misspelt_boolean_is_an_error_everywhere(tmp_path: Path, where):
    from lpr.config import LprConfig

    for word, value in [("yes", True), ("ON", True), ("1", True), ("off", False), ("0", False), ("False", False)]:
        if where == "file":
            write_settings(tmp_path, lpr_quantize=word)
        env = {"TSNVR_LPR_QUANTIZE": word} if where == "variable" else {}
        config = LprConfig.from_settings(None, quantize=word) if where == "section" else \
            settings_file.load(tmp_path, env=env).lpr
        assert config.quantize is value, word
    name = {"file": "'lpr_quantize'", "variable": "'TSNVR_LPR_QUANTIZE'", "section": "'lpr_quantize'"}[where]
    for word in ("ture", "2", "y", ""):
        write_settings(tmp_path, lpr_quantize=word if where == "file" else True)
        with pytest.raises(SettingsError, match=f"setting {name}: '{word}' is not a valid boolean"):
            if where == "section":
                LprConfig.from_settings(None, quantize=word)
            else:
                settings_file.load(tmp_path, env={"TSNVR_LPR_QUANTIZE": word} if where == "variable" else {})


def test_every_key_is_declared_with_its_meaning_and_reload():
    from storage.settings.values import is_live

    assert [k for k in Settings.model_fields if k != "data_dir"] == settings_file.KEYS
    for key in settings_file.KEYS:
        assert Settings.model_fields[key].description, key
    assert [k for k in settings_file.KEYS if k not in settings_file.VARIABLE_KEYS] == list(settings_file.TABLES)
    live = [k for k in settings_file.KEYS if is_live(Settings.model_fields[k])]
    assert "site_name" in live and "lpr_fps" in live and "lpr_device" in live and "port" not in live
    assert settings_file.needs_restart(["site_name", "port", "lpr_fps", "segment_seconds", "data_dir"]) == [
        "port", "segment_seconds"]


def test_the_docs_tables_are_made_from_the_schema():
    from storage.settings import doc

    text = doc.DOC.read_text(encoding="utf-8")
    assert doc.updated(text) == text, "docs/settings.md differs from the schema: run python -m storage.settings.doc"
    for key in settings_file.VARIABLE_KEYS:
        assert f"| `{key}` |" in text, key


def test_lpr_config_reads_settings_toml_and_environment(tmp_path: Path):
    from lpr.config import LprConfig

    write_settings(tmp_path, lpr_regions=["BR"], lpr_min_score=55, lpr_ocr_stretch=[1.2])
    config = LprConfig.from_settings(settings_file.load(tmp_path, env={"TSNVR_LPR_PLATE_SEARCH": "vehicles"}))
    assert config == LprConfig(regions=["BR"], min_score=55.0, ocr_stretch=[1.2], plate_search="vehicles")
