"""The pages' languages: gettext catalogs read with Babel. Chinese (zh_CN) is the source and the default; English
is a catalog of translations (locale/en/*.po, one file per area of the application, merged), chosen with
`?lang=en` (remembered in a cookie).

The catalogs are read from the .po files when the application starts (Babel compiles them in memory), so there is
no build step and no compiled file to keep in step with its source.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT = "zh_CN"
LANG_COOKIE = "aidledger_lang"


@lru_cache(maxsize=None)
def translations(language: str) -> gettext.NullTranslations:
    """The translations of `language`: zh_CN, the source language, translates nothing."""
    if language not in LANGUAGES or language == DEFAULT:
        return gettext.NullTranslations()
    merged: gettext.NullTranslations | None = None
    folder = resources.files("aidledger.web") / "locale" / language
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        part = gettext.GNUTranslations(compiled)
        if merged is None:
            merged = part
        else:
            merged.add_fallback(part)
    return merged or gettext.NullTranslations()


def choose(query: str | None, cookie: str | None) -> str:
    for wanted in (query, cookie):
        if wanted in LANGUAGES:
            return wanted  # type: ignore[return-value]
    return DEFAULT
