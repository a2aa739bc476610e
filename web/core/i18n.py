"""Message catalogues: web/core/locales/<lang>.json, one flat key -> text map per language.

A language is added by dropping in another file. Lookups fall back from the exact tag
(es-ES) to any file of the same language (es-*), then to the server's language, then to en-US.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).parent / "locales"
FALLBACK = "en-US"


@cache
def catalogues() -> dict[str, dict[str, str]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(LOCALES.glob("*.json"))}


def resolve(lang: str | None, default: str = FALLBACK) -> str:
    """The catalogue that serves `lang` (accepts en-US, en_US, en)."""
    cats = catalogues()
    for candidate in (lang, default):
        if not candidate:
            continue
        tag = candidate.replace("_", "-")
        for name in cats:
            if name.lower() == tag.lower():
                return name
        base = tag.split("-")[0].lower()
        for name in cats:
            if name.split("-")[0].lower() == base:
                return name
    return FALLBACK


def text(lang: str, key: str, **values: object) -> str:
    cats = catalogues()
    message = cats.get(lang, {}).get(key) or cats[FALLBACK].get(key) or key
    return message.format(**values) if values else message


def has(key: str) -> bool:
    return key in catalogues()[FALLBACK]
