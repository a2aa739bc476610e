"""The one error every settings problem becomes."""

from __future__ import annotations


class SettingsError(ValueError):
    """A settings file or variable that cannot be used; the message names the setting."""
