"""Country codes: ISO 3166-1 alpha-2, and a suggestion when a student writes a name.

Records keep the two-letter code (``DE``), which the schema checks against the
full list. When a student writes ``Germany``, ``germany``, ``Deutschland``,
``UK`` or ``Germny``, :func:`suggest` finds the code from pycountry's
maintained ISO 3166 data: the code itself in any case, the alpha-3 code,
English, official and common names, names in every language pycountry ships
translations for, a few everyday names that are not ISO names (``UK``,
``England``), and finally a close spelling. pycountry (35 ms to import, its
database loaded on first use) is only imported on this path: when a country
is already a valid code nothing here runs.
"""

from __future__ import annotations

import difflib
import functools
import unicodedata

# Everyday names and codes that ISO 3166-1 does not use.
_EVERYDAY = {
    "uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "great britain": "GB", "britain": "GB", "el": "GR", "holland": "NL", "america": "US",
    "usa": "US", "us": "US", "korea": "KR", "south korea": "KR", "north korea": "KP",
    "russia": "RU", "czechia": "CZ", "turkey": "TR", "vietnam": "VN", "iran": "IR", "syria": "SY",
    "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "laos": "LA", "moldova": "MD",
    "taiwan": "TW", "palestine": "PS", "kosovo": "XK",
}


def _key(text: str) -> str:
    """Compare names without case, accents or punctuation."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch for ch in folded if ch.isalnum() or ch == " ")
    return " ".join(kept.split())


def _english_names(country) -> list[str]:
    return [n for n in (getattr(country, a, None) for a in ("name", "official_name", "common_name")) if n]


@functools.lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Codes, English names and everyday names (folded) -> alpha-2 code."""
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for spelling in (*_english_names(country), country.alpha_3):
            names.setdefault(_key(spelling), country.alpha_2)
    for spelling, code in _EVERYDAY.items():
        names[_key(spelling)] = code
    names.pop("", None)
    return names


@functools.lru_cache(maxsize=1)
def _translated_names() -> dict[str, str]:
    """Names in every language pycountry ships (folded) -> alpha-2 code; read only when needed (about a second)."""
    import gettext

    import pycountry

    names: dict[str, str] = {}
    countries = [(country.alpha_2, _english_names(country)) for country in pycountry.countries]
    for locale in sorted(_locales(pycountry.LOCALES_DIR)):
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
        except OSError:
            continue
        for code, english in countries:
            for spelling in english:
                names.setdefault(_key(translation.gettext(spelling)), code)
    names.pop("", None)
    return names


def _locales(folder: str) -> list[str]:
    import os

    try:
        return [name for name in os.listdir(folder) if os.path.exists(os.path.join(folder, name, "LC_MESSAGES", "iso3166-1.mo"))]
    except OSError:
        return []


def is_code(value: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code in capitals (``DE``)."""
    import pycountry

    return len(value) == 2 and value.isupper() and pycountry.countries.get(alpha_2=value) is not None


def suggest(value: object) -> str | None:
    """The alpha-2 code a student probably meant by ``value``, or None."""
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        return None
    text = value.strip()
    if len(text) == 2 and text.isalpha() and is_code(text.upper()):
        return text.upper()
    key = _key(text)
    for table in (_names, _translated_names):
        names = table()
        if key in names:
            return names[key]
    names = _names()
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else None


def name(code: str) -> str:
    """The English short name of an alpha-2 code (the code itself when unknown)."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or (country.name if country else code)
