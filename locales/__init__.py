"""One Babel catalog (domain "messages") shared by the bot and the web admin.

The .po files are committed; the .mo files are built from them by `compile_catalogs()`
(`python -m locales`, `make translations`) at install time and before the tests.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations

LOCALES_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"
SUPPORTED_LOCALES = ("ru", "en")
DEFAULT_LOCALE = "ru"


class CatalogError(Exception):
    """A .po file that is missing or whose translations do not pass Babel's checks."""


def po_path(locale: str, root: Path = LOCALES_DIR) -> Path:
    """Where the catalog of one locale lives: <root>/<locale>/LC_MESSAGES/messages.po."""
    return root / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogs(root: Path = LOCALES_DIR) -> list[Path]:
    """Compile the .po of every supported locale next to itself as .mo; return the .mo paths."""
    written: list[Path] = []
    for locale in SUPPORTED_LOCALES:
        source = po_path(locale, root)
        if not source.is_file():
            raise CatalogError(f"{source}: missing catalog for supported locale {locale!r}")
        try:
            with source.open("rb") as fileobj:
                # abort_invalid turns a syntax error into an exception instead of a skipped entry.
                catalog = read_po(fileobj, locale=locale, domain=DOMAIN, abort_invalid=True)
        except PoFileError as error:
            raise CatalogError(f"{source}: {error}") from error
        problems = [
            f"{source}: {message.id!r}: {error}" for message, errors in catalog.check() for error in errors
        ]
        if problems:
            raise CatalogError("\n".join(problems))
        target = source.with_suffix(".mo")
        with target.open("wb") as fileobj:
            write_mo(fileobj, catalog)
        written.append(target)
    # A process that recompiles must not keep serving the catalogs it loaded before.
    translations.cache_clear()
    return written


@lru_cache(maxsize=len(SUPPORTED_LOCALES))
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog of a supported locale, loaded once per process."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}: use one of {', '.join(SUPPORTED_LOCALES)}")
    compiled = po_path(locale).with_suffix(".mo")
    if not compiled.is_file():
        # Babel would silently fall back to untranslated English; a missing build step must be loud.
        raise CatalogError(f"{compiled} is missing: run `make translations` or `python -m locales`")
    return Translations.load(LOCALES_DIR, [locale], DOMAIN)
