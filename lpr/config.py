"""LprConfig: the plate and object reader's settings, the engine section of the settings schema.

Each field is the settings key lpr_<field> (in settings.toml and as TSNVR_LPR_<FIELD>), declared once in
storage.settings.sections. `LprConfig.from_settings(settings, **overrides)` builds one from a Settings;
`LprConfig(threads=1, ...)` from the defaults.
"""

from __future__ import annotations

from storage.settings import LprEngineSettings as LprConfig

PREFIX = "lpr_"

__all__ = ["PREFIX", "LprConfig"]
