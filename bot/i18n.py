"""Message catalogs for domain code and the command line, which run without aiogram.

Handlers use aiogram's I18n over the same compiled catalogs in `locales/`. Templates in domain
modules are marked with `N_` so `make messages` extracts them, and translated when rendered.
"""

from __future__ import annotations

from functools import lru_cache

from babel.support import NullTranslations, Translations

from bot.settings import PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a template for extraction; it is translated where it is rendered."""
    return message


@lru_cache(maxsize=8)
def translations(locale: str) -> NullTranslations:
    """The compiled catalog for a locale ('zh_CN', 'en'); untranslated text falls back to the msgid."""
    return Translations.load(LOCALES_DIR, [locale], domain=DOMAIN)
