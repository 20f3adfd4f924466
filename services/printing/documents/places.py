"""Region names for printed documents, from the shared Kemendagri region-code list.

Documents print names ("Desa Regol Wetan, Kecamatan Sumedang Selatan, ...") where the form holds
codes (``32.11.06.2001``). A code missing from the list (regions split and get new codes) is
printed as the code itself, never dropped, so a document is always complete.
"""

from __future__ import annotations

import importlib
import logging
import re
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

# The only place that names the region list's import path (first one found wins).
REGION_MODULES = ("silasidakep.regions",)

log = logging.getLogger(__name__)

LEVELS = ("province", "regency", "district", "village")
# Words the list may already carry before a regency name ("KABUPATEN SUMEDANG").
_REGENCY_PREFIXES = ("KABUPATEN ", "KAB. ", "KOTA ADM. ", "KOTA ")
# Abbreviations that stay upper case in title-cased text ("DKI Jakarta"); "DI" is not one of
# them because it is also the preposition "di".
_ACRONYMS = frozenset({"DKI", "RI", "II", "III", "IV"})
# Short words written in lower case inside title-cased text ("Kepala dan Seluruh Anggota").
_MINOR_WORDS = frozenset({"dan", "atau", "di", "ke", "dari", "yang", "untuk", "dengan"})
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@dataclass(frozen=True)
class Place:
    """One level of a region code's hierarchy, with the name as the list spells it."""

    level: str  # province, regency, district, village
    code: str
    name: str | None  # None when the code is missing from the list


def region_module() -> ModuleType | None:
    """The region-list module (``get(code)``, ``path(code)``), or None if none is installed."""
    return _load_region_module()


@cache
def _load_region_module() -> ModuleType | None:
    for name in REGION_MODULES:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # Only "this module does not exist" falls through; a broken module must not hide.
            if exc.name is None or not name.startswith(exc.name):
                raise
    log.warning("no region list (%s): documents print region codes", ", ".join(REGION_MODULES))
    return None


def places(code: str) -> list[Place]:
    """Province down to the level of `code`; names are None where the list has no entry."""
    code = code.strip()
    parts = code.split(".")
    if not 1 <= len(parts) <= len(LEVELS) or not all(p.isascii() and p.isdigit() for p in parts):
        return []  # not a region code: callers print it as given
    known = {region.code: region for region in _path(code)}
    result = []
    for depth in range(1, len(parts) + 1):
        prefix = ".".join(parts[:depth])
        region = known.get(prefix)
        name = getattr(region, "name", None) if region is not None else None
        result.append(Place(LEVELS[depth - 1], prefix, name or None))
    return result


def _path(code: str) -> list[Any]:
    module = region_module()
    if module is None:
        return []
    found = module.get(code)
    if found is None:
        # The code itself is unknown; its parents may still be in the list.
        parent = code.rpartition(".")[0]
        return _path(parent) if parent else []
    return list(module.path(code))


def place_at(code: str, level: str) -> Place | None:
    """The place of `code`'s hierarchy at `level` (e.g. the kecamatan of a desa code)."""
    return next((p for p in places(code) if p.level == level), None)


def level_name(code: str, level: str) -> str:
    """Bare name at `level` in title case ("Sumedang Selatan"); the code itself if unknown."""
    place = place_at(code, level)
    if place is None:
        return code
    if place.name is None:
        return place.code
    name = place.name
    if level == "regency":
        upper = name.upper()
        for prefix in _REGENCY_PREFIXES:
            if upper.startswith(prefix):
                name = name[len(prefix) :]
                break
    return title_case(name)


def regency_name(code: str) -> str:
    """``Kabupaten Sumedang`` / ``Kota Bandung``: the regency with its kind; the code if unknown."""
    place = place_at(code, "regency")
    if place is None:
        return code
    if place.name is None:
        return place.code
    return f"{_prefix(place)} {level_name(code, 'regency')}"


def full_name(code: str) -> str:
    """``Desa X, Kecamatan Y, Kabupaten Z, Provinsi W`` from the level of `code` upwards.

    Falls back to the code itself when the code is not in the list.
    """
    found = places(code)
    if not found or found[-1].name is None:
        return code
    parts = [f"{_prefix(p)} {level_name(code, p.level)}" for p in reversed(found)]
    return ", ".join(parts)


def _prefix(place: Place) -> str:
    last = place.code.rsplit(".", 1)[-1]
    if place.level == "village":
        # Kemendagri: a village code starting with 1 is a kelurahan, with 2 a desa.
        return "Kelurahan" if last.startswith("1") else "Desa"
    if place.level == "district":
        return "Kecamatan"
    if place.level == "regency":
        # Regencies are numbered 01-69, cities 71-99.
        return "Kota" if last.isdigit() and int(last) >= 70 else "Kabupaten"
    return "Provinsi"


def title_case(text: str) -> str:
    """``SUMEDANG SELATAN`` -> ``Sumedang Selatan``, keeping acronyms such as ``DKI``."""

    def word(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.isupper() and token in _ACRONYMS:
            return token
        if match.start() > 0 and token.lower() in _MINOR_WORDS:
            return token.lower()
        return token.capitalize()

    return _WORD.sub(word, text)
