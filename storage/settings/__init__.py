"""Settings: defaults, then DIR/settings.toml, then TSNVR_* environment variables.

One schema declares every key once (storage.settings.schema, and the sections the recorder and the plate
reader are given: storage.settings.sections); docs/settings.md's tables are made from it. The schema lives
in the lowest layer because every part reads it and the file lives in the data directory that storage
owns; `tsnvr` decides where the data directory is and writes edits.
"""

from storage.settings.errors import SettingsError
from storage.settings.loading import from_mapping, load
from storage.settings.messages import ENV_PREFIX
from storage.settings.schema import KEYS, SETTINGS_FILE, VARIABLE_KEYS, Settings, changed_keys, needs_restart
from storage.settings.sections import LprEngineSettings, RecorderSettings, Section
from storage.settings.tables import (
    LOGICAL_HEIGHT,
    LOGICAL_WIDTH,
    TABLES,
    ZONE_ENTRIES,
    ZONE_MODES,
    EmergencyCallDevice,
    LprDevice,
    LprZone,
    ParkingLot,
    table_to_dict,
)
from storage.settings.toml_file import add_row, read_document, read_file, remove_row, write_file

__all__ = [
    "ENV_PREFIX", "KEYS", "LOGICAL_HEIGHT", "LOGICAL_WIDTH", "SETTINGS_FILE", "TABLES", "VARIABLE_KEYS",
    "ZONE_ENTRIES", "ZONE_MODES", "EmergencyCallDevice", "LprDevice", "LprEngineSettings", "LprZone",
    "ParkingLot", "RecorderSettings", "Section", "Settings", "SettingsError", "add_row", "changed_keys",
    "from_mapping", "load", "needs_restart", "read_document", "read_file", "remove_row", "table_to_dict",
    "write_file",
]
