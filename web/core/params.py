"""Reading TS-API query parameters: bare flags (`?staticSrc`), comma lists, ISO times.

Every number is ASCII digits within 64-bit integers, so none reaches SQLite out of its range, and
text taken as written (`text`, `words`) never holds U+0000."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from starlette.requests import Request

from web.core import i18n
from web.core.errors import bad_request
from web.core.numbers import NotWholeNumber, whole_number
from web.core.timefmt import TimeFormatError, TsTime, parse

TRUE = ("", "true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off")


def without_nul(name: str, value: str) -> str:
    """`value`, unless it holds U+0000 (%00): SQLite's C functions stop reading text there (a LIKE
    pattern "%\\0%" matches every row) and PostgreSQL refuses it in text, so taken as written it
    could only fail or widen a search."""
    if "\x00" in value:
        raise bad_request(f"{name} must not contain the character U+0000 (%00)")
    return value


class Query:
    def __init__(self, request: Request) -> None:
        self.params = request.query_params

    def has(self, name: str) -> bool:
        return name in self.params

    def text(self, name: str, default: str | None = None, max_length: int = 256) -> str | None:
        value = self.params.get(name)
        if value is None:
            return default
        if len(value) > max_length:
            raise bad_request(f"{name} is longer than {max_length} characters")
        return without_nul(name, value)

    def flag(self, name: str, default: bool = False) -> bool:
        """`?name`, `name=true|1` -> True; `name=false|0` -> False; absent -> default."""
        value = self.params.get(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise bad_request(f"{name} must be true or false")

    def optional_bool(self, name: str) -> bool | None:
        value = self.params.get(name)
        if value is None:
            return None
        if value.strip().lower() in TRUE[1:]:
            return True
        if value.strip().lower() in FALSE:
            return False
        raise bad_request(f"{name} must be true or false (or 1 or 0)")

    def integer(self, name: str, default: int | None = None, low: int | None = None,
                high: int | None = None) -> int | None:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        try:
            number = whole_number(value.strip())
        except NotWholeNumber as exc:
            raise bad_request(f"{name} {exc.reason}") from None
        if low is not None and number < low:
            raise bad_request(f"{name} must be at least {low}")
        if high is not None and number > high:
            raise bad_request(f"{name} must be at most {high}")
        return number

    def int_list(self, name: str, low: int = 1, high: int = 1_000_000) -> list[int] | None:
        value = self.params.get(name)
        if value is None or value.strip() == "":
            return None
        out: list[int] = []
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                number = whole_number(part)
            except NotWholeNumber:
                raise bad_request(f"{name} must be numbers separated by commas") from None
            if not low <= number <= high:
                raise bad_request(f"{name}: {number} is out of range")
            if number not in out:
                out.append(number)
        return out

    def words(self, name: str) -> list[str] | None:
        value = self.params.get(name)
        if value is None:
            return None
        without_nul(name, value)
        return [w.strip() for w in value.split(",") if w.strip()]

    def choice(self, name: str, options: Iterable[str], default: str | None = None) -> str | None:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        options = list(options)
        for option in options:
            if value.lower() == option.lower():
                return option
        raise bad_request(f"{name} must be one of {', '.join(options)}")

    def time(self, name: str, tz: ZoneInfo) -> TsTime | None:
        value = self.params.get(name)
        if value is None or value.strip() == "":
            return None
        try:
            return parse(value, tz)
        except TimeFormatError as exc:
            raise bad_request(f"{name}: {exc}") from None

    def lang(self, default: str) -> str:
        return i18n.resolve(self.params.get("lang"), default)
