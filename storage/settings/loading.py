"""Reading settings: the defaults, then DIR/settings.toml, then TSNVR_<KEY> environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import EnvSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

from storage.settings import tables
from storage.settings.errors import SettingsError
from storage.settings.messages import explain, variable
from storage.settings.schema import KEYS, SETTINGS_FILE, VARIABLE_KEYS, Settings
from storage.settings.toml_file import read_file


class _Variables(EnvSettingsSource):
    """pydantic-settings' source of TSNVR_* variables, reading a given environment (os.environ, or a test's)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


def variables(environ: Mapping[str, str]) -> dict[str, Any]:
    """The keys set by TSNVR_<KEY> variables of `environ` (the tables cannot be), as text."""
    names = {variable(key) for key in VARIABLE_KEYS}
    return _Variables({name: value for name, value in environ.items() if name.upper() in names})()


def from_mapping(raw: Mapping[str, Any], data_dir: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the contents of a settings.toml, with TSNVR_* variables of `env` (default: os.environ)
    on top; SettingsError naming the key or variable."""
    data_dir = Path(data_dir)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in KEYS:
            raise SettingsError(f"{data_dir / SETTINGS_FILE}: unknown setting {key!r}")
        values[key] = tables.rows(key, value) if key in tables.TABLES else value
    from_variables = variables(os.environ if env is None else env)
    values.update(from_variables)
    try:
        settings = Settings.model_validate({**values, "data_dir": data_dir})
    except ValidationError as exc:
        raise explain(exc, Settings.model_fields, values, from_variables) from None
    settings.lpr  # noqa: B018 - the engine's section checks the rules between its keys (lpr_max_chars)
    return settings


def load(data_dir: Path, env: Mapping[str, str] | None = None) -> Settings:
    data_dir = Path(data_dir)
    return from_mapping(read_file(data_dir / SETTINGS_FILE), data_dir, env)
