"""The recorder's settings: the recorder section of the settings schema (data directory, segment length,
reconnecting, retention), built from a Settings by `RecorderConfig.from_settings(settings)`."""

from __future__ import annotations

from storage.settings import RecorderSettings as RecorderConfig

__all__ = ["RecorderConfig"]
