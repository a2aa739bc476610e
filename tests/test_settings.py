"""settings.toml, TSNVR_* overrides, validation, and live reload with an event-log row."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlmodel import select

from storage import settings as settings_file
from storage.models import EventLogEntry
from storage.settings import SettingsError
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
