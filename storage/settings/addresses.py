"""The value type of a list of IP addresses and networks (`trusted_proxies`): each checked to be one, so a
typo is an error at start-up rather than a proxy silently not trusted (or `*`, everyone trusted)."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from pydantic_settings import NoDecode

from storage.settings.values import LIST_HINT, Kind, _comma_list


def _networks(values: list[str]) -> list[str]:
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address or network (like 10.0.0.5 or 10.0.0.0/24)") from None
    return values


Networks = Annotated[list[str], NoDecode, BeforeValidator(_comma_list), AfterValidator(_networks),
                     Kind("list of IP addresses or networks", LIST_HINT)]
