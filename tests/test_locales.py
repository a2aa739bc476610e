"""Message catalogues: every web/core/locales/*.json has exactly en-US's keys and placeholders, and a
request with lang= gets the localized names through the real app."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from tests.conftest import ADMIN_AUTH
from web.core import i18n

LOCALES = Path(i18n.__file__).parent / "locales"
CATALOGUES = sorted(LOCALES.glob("*.json"))
REFERENCE = LOCALES / f"{i18n.FALLBACK}.json"


def load(path: Path) -> dict[str, str]:
    return json.loads(path.read_text(encoding="utf-8"))


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_the_languages_we_ship_are_there():
    names = {p.stem for p in CATALOGUES}
    assert {"en-US", "es-ES", "ko-KR"} <= names


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_catalogue_is_valid_and_complete(path: Path):
    raw = path.read_text(encoding="utf-8")  # UTF-8 or this raises
    catalogue = json.loads(raw)
    assert isinstance(catalogue, dict)
    # no key given twice (json.loads would silently keep the last one)
    pairs = json.loads(raw, object_pairs_hook=lambda items: items)
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"{path.name}: duplicate keys"
    reference = load(REFERENCE)
    missing = sorted(set(reference) - set(catalogue))
    extra = sorted(set(catalogue) - set(reference))
    assert not missing and not extra, f"{path.name}: missing {missing}, not in {REFERENCE.name}: {extra}"
    for key, text in catalogue.items():
        assert isinstance(text, str) and text.strip(), f"{path.name}: {key} is empty"
        assert placeholders(text) == placeholders(reference[key]), f"{path.name}: {key} placeholders differ"


def test_guide_spanish_names():
    """The names the TS-API guide shows for lang=es-ES."""
    es = load(LOCALES / "es-ES.json")
    assert es["eventType.0"] == "Registro del sistema"
    assert es["eventCode.0.1"] == "Inicio del sistema"
    assert es["eventCode.0.2"] == "Apagado del sistema"
    assert es["eventCode.0.3"] == "Apagado anormal"
    assert es["eventType.6"] == "Evento definido por el usuario"


@pytest.mark.parametrize("asked, served", [("es-ES", "es-ES"), ("es", "es-ES"), ("es_MX", "es-ES"),
                                           ("ko-KR", "ko-KR"), ("ko", "ko-KR"), ("xx-YY", "en-US")])
def test_language_tags_resolve(asked: str, served: str):
    assert i18n.resolve(asked, "en-US") == served


@pytest.mark.parametrize("lang, system_log, startup", [
    ("es-ES", "Registro del sistema", "Inicio del sistema"),
    ("ko-KR", "시스템 로그", "시스템 시작"),
    ("en-US", "System log", "System startup"),
])
def test_enum_event_types_are_localized(client, lang: str, system_log: str, startup: str):
    r = client.get(f"/api/enum?what=eventType&lang={lang}&auth={ADMIN_AUTH}")
    assert r.status_code == 200, r.text
    system = next(t for t in r.json() if t["id"] == 0)
    assert system["name"] == system_log
    assert next(c for c in system["code"] if c["id"] == 1)["name"] == startup


def test_event_log_is_localized(client):
    """The startup rows the server wrote are named in the asked language."""
    r = client.get(f"/api/find?what=eventLog&type=0&sort=asc&lang=es-ES&auth={ADMIN_AUTH}")
    assert r.status_code == 200, r.text
    first = r.json()["data"][0]
    assert (first["typeName"], first["codeName"]) == ("Registro del sistema", "Inicio del sistema")
