"""Settings: every key, declared once, with its type, default, range, meaning and whether it reloads live.

Keys the recorder or the plate reader read are declared in their section (storage.settings.sections) and
inherited here; the rest below. docs/settings.md's tables are made from these declarations
(storage.settings.doc).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from storage.settings.addresses import Networks
from storage.settings.messages import ENV_PREFIX
from storage.settings.sections import LprEngineSettings, RecorderSettings, flat_keys
from storage.settings.tables import TABLES, EmergencyCallDevice, LprDevice, ParkingLot
from storage.settings.values import Channels, Flag, Number, Text, Texts, Whole, is_key, is_live, setting

SETTINGS_FILE = "settings.toml"


class ServerKeys(BaseModel):
    """The web server's and the API's keys."""

    host: Text = setting("0.0.0.0", "address to listen on (`serve --host` overrides)", live=False)
    port: Whole = setting(8080, "HTTP port (`serve --port` overrides)", live=False)
    database_url: Text = setting(
        "", "SQLAlchemy URL of the database; empty means SQLite in `DIR/tsnvr.db`; "
            "`postgresql://USER:PASSWORD@HOST/DB` for PostgreSQL ([postgresql.md](postgresql.md))", live=False)
    site_name: Text = setting("tsnvr", "`/api/info?siteName`", live=True)
    timezone: Text = setting(
        "", "IANA zone (`America/New_York`) for local times in answers and for times written without an offset; "
            "empty means the machine's zone (`TZ`, `/etc/timezone`, `/etc/localtime`, else UTC)", live=True)
    language: Text = setting(
        "en-US", "language of names and messages when a request has no `lang=`; any catalogue in "
                 "`web/core/locales/` (`en-US`, `es-ES`, `ko-KR`)", live=True)
    product_name: Text = setting(
        "TS-LPR", "`/api/info?product` name; pages written for TS-NVR may want `\"TS-NVR\"`", live=True)
    max_channels: Whole = setting(
        64, "most channels [`POST /api/channel`](channels.md) accepts (more fail with `-4`); also the channel "
            "counts reported by `/api/info?license`", live=True)
    cors_origins: Texts = setting(
        ["*"], "origins allowed to call the API from a browser (`*` = any, also pages opened from disk)",
        live=False)
    allow_reboot: Flag = setting(False, "whether `/api/system?reboot` may reboot the machine", live=True)
    reboot_command: Text = setting(
        "systemctl reboot", "the command `/api/system?reboot` runs (split like a shell line, run without a shell)",
        live=True)
    session_idle_hours: Number = setting(
        168.0, "a session cookie dies after this long without a request", live=False)
    find_max_count: Whole = setting(1000, "largest `maxCount` of `/api/find` searches (more is a `400`)", live=True)
    export_rows_per_file: Whole = setting(
        100_000, "rows per Excel file of `/api/find?...&export=true`; more rows go into `NAME(2).xlsx`, ...",
        live=True)
    export_max_age_hours: Number = setting(
        24.0, "export files older than this are deleted (at the next export) and no longer downloadable",
        live=True)
    export_file_ttl_seconds: Number = setting(
        10.0, "how long a finished `/wsapi/dataExport` file waits for the client's `wait` or `next` before the task "
              "is cancelled (`ttl` of `fileEnd`); `timeoutAlert` comes 2 s before", live=True, gt=2)
    export_max_file_bytes: Whole = setting(
        2 << 30, "largest exported video file when a `/wsapi/dataExport` request or `tsnvr export` gives no "
                 "`mediaSize`", live=True, ge=1 << 20)
    export_concurrent_tasks: Whole = setting(
        2, "video exports that remux at once; further exports wait their turn (recording never waits)", live=False,
        ge=1)
    event_storage_max_bytes: Whole = setting(
        10 << 30, "size limit of the event-backup storage (`DIR/event-storage`, which retention never touches); "
                  "a backup that would pass it is not made, and the event log says so", live=True, ge=0)
    max_request_bytes: Whole = setting(
        1_048_576, "largest request body (of `POST /api/push`, the only endpoint that takes one); larger is `413`",
        live=False)
    ws_queue_size: Whole = setting(
        256, "events queued for one WebSocket subscriber before it is closed as too slow (code 1013); a change "
             "applies to new subscribers", live=True)
    ws_ping_interval: Number = setting(
        30.0, "seconds between WebSocket pings; a client that does not answer within the same time is "
              "disconnected", live=False)
    signin_max_failures: Whole = setting(
        5, "distinct wrong passwords for one user id from one address before that user id is locked out from "
           "that address (the same wrong password again counts once); see [authentication.md]"
           "(authentication.md#throttling)", live=False, ge=1)
    signin_delay_seconds: Number = setting(
        1.0, "after a wrong password, the next try of that user id from that address waits this long, doubled "
             "with each further distinct wrong password (1, 2, 4, ... s); 0: no waits", live=False, ge=0)
    signin_window_seconds: Number = setting(
        900.0, "an address's failures are forgotten this long after its last one", live=False, gt=0)
    signin_lockout_seconds: Number = setting(
        300.0, "how long a lockout (of a user id from an address, or of a whole address) lasts", live=False, ge=0)
    signin_max_users: Whole = setting(
        10, "user ids failing from one address within `signin_window_seconds` before the whole address is locked "
            "out (user ids that signed in from it in the last 24 hours excepted)", live=False, ge=1)
    trusted_proxies: Networks = setting(
        [], "reverse proxies (addresses or networks) whose `X-Forwarded-For` names the client; from any other "
            "address the header is ignored", live=False)
    access_log: Flag = setting(False, "log one line per HTTP request", live=False)
    log_level: Text = setting(
        "info", "`debug`, `info`, `warning` or `error` (logs go to standard error)", live=False)


class AnalyticsKeys(BaseModel):
    """Which channels the plate and object reader analyses, and how (tsnvr.analytics, lpr.worker)."""

    lpr_enabled: Flag = setting(
        True, "analytics on or off; off, no channel is analysed (recording goes on)", live=True)
    lpr_channels: Channels = setting(
        [], "channels analysed for motion and objects besides those that have a zone, e.g. `[3, 4]`", live=True)
    lpr_fps: Number = setting(4.0, "frames analysed per second on each analysed channel", live=True, gt=0)
    lpr_objects: Flag = setting(True, "detect people and vehicles on analysed channels", live=True)
    motion_source: Literal["camera", "decoded", "both"] = setting(
        "both", "where `motionChanges` takes motion from: `camera` (ONVIF cameras' own motion events, by "
                "pull-point), `decoded` (motion seen in analysed channels' frames) or `both` (motion when either "
                "says so); see [events.md](events.md#camera-motion)", live=True)
    lpr_motion_threshold: Number = setting(
        0.003, "share of a frame's pixels that must change to count as motion", live=True, ge=0, le=1)
    lpr_track_seconds: Number = setting(
        0.6, "seconds a car's plate may go unseen before the car counts as gone and its plate is logged",
        live=True, gt=0)


LprEngineKeys: Any = flat_keys(LprEngineSettings)


class Settings(BaseSettings, LprEngineKeys, AnalyticsKeys, RecorderSettings, ServerKeys):
    """All settings. Fields come in the order of the bases from the last: server, recorder, LPR; then the
    tables. load() (storage.settings.loading) fills them from settings.toml and TSNVR_* variables."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", coerce_numbers_to_str=True)

    lpr_device: list[LprDevice] = setting([], "[[lpr_device]]: licence-plate readers and zones", live=True)
    emergency_call: list[EmergencyCallDevice] = setting([], "[[emergency_call]]: emergency call devices", live=True)
    parking_lot: list[ParkingLot] = setting([], "[[parking_lot]]: parking lots", live=True)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Settings(...) holds what it is given; load() reads the file and the variables itself, to name in an
        # error the variable a bad value came from.
        return (init_settings,)

    @property
    def recorder(self) -> RecorderSettings:
        return RecorderSettings.from_settings(self)

    @property
    def lpr(self) -> LprEngineSettings:
        return LprEngineSettings.from_settings(self)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tsnvr.db'}"

    @property
    def settings_path(self) -> Path:
        return self.data_dir / SETTINGS_FILE

    def lpr_device_by_code(self, code: str) -> LprDevice | None:
        return next((d for d in self.lpr_device if d.code == code), None)

    def emergency_device_by_code(self, code: str) -> EmergencyCallDevice | None:
        return next((d for d in self.emergency_call if d.code == code), None)


KEYS = [name for name, field in Settings.model_fields.items() if is_key(field)]  # of settings.toml
VARIABLE_KEYS = [key for key in KEYS if key not in TABLES]  # also TSNVR_<KEY> variables


def changed_keys(old: Settings, new: Settings) -> list[str]:
    """The fields whose values differ, in declaration order."""
    return [name for name in Settings.model_fields if getattr(old, name) != getattr(new, name)]


def needs_restart(keys: list[str]) -> list[str]:
    """Those of `keys` a running server reads only at start-up."""
    return [key for key in keys if key in KEYS and not is_live(Settings.model_fields[key])]
