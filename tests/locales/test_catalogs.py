"""The shared catalog: it compiles, Russian is complete, and plural forms follow Russian grammar."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from locales import (
    DOMAIN,
    LOCALES_DIR,
    SUPPORTED_LOCALES,
    CatalogError,
    compile_catalogs,
    po_path,
    translations,
)

RUSSIAN_PLURAL_RULE = "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"
STUDENT = ("%(num)d student", "%(num)d students")


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fileobj:
        return read_po(fileobj, locale=locale, domain=DOMAIN, abort_invalid=True)


def students(locale: str, num: int) -> str:
    return translations(locale).ngettext(*STUDENT, num) % {"num": num}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs() -> list[Path]:
    return compile_catalogs()


@pytest.fixture
def locales_copy(tmp_path: Path) -> Path:
    for locale in SUPPORTED_LOCALES:
        shutil.copytree(LOCALES_DIR / locale, tmp_path / locale)
    return tmp_path


def test_every_supported_locale_compiles_to_a_mo_file(compiled_catalogs: list[Path]) -> None:
    assert compiled_catalogs == [po_path(locale).with_suffix(".mo") for locale in SUPPORTED_LOCALES]
    assert all(path.stat().st_size > 0 for path in compiled_catalogs)


def test_compiling_into_another_folder_leaves_the_repository_catalogs_alone(locales_copy: Path) -> None:
    written = compile_catalogs(locales_copy)

    assert written == [po_path(locale, locales_copy).with_suffix(".mo") for locale in SUPPORTED_LOCALES]
    assert all(path.is_file() for path in written)


def test_every_russian_message_has_a_reviewed_translation() -> None:
    catalog = load(po_path("ru"), "ru")
    messages = [message for message in catalog if message.id]

    assert messages
    for message in messages:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(forms), f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy, needs review: {message.id!r}"


def test_russian_catalog_declares_the_three_form_plural_rule() -> None:
    catalog = load(po_path("ru"), "ru")

    assert catalog.num_plurals == 3
    assert catalog.plural_expr == RUSSIAN_PLURAL_RULE


def test_every_catalog_translates_every_message_of_the_template() -> None:
    template_ids = {message.id for message in load(LOCALES_DIR / f"{DOMAIN}.pot") if message.id}

    for locale in SUPPORTED_LOCALES:
        catalog_ids = {message.id for message in load(po_path(locale), locale) if message.id}
        assert catalog_ids >= template_ids, f"{locale} lacks {template_ids - catalog_ids}"


@pytest.mark.parametrize(
    ("num", "expected"),
    [
        (1, "1 ученик"),
        (2, "2 ученика"),
        (5, "5 учеников"),
        (11, "11 учеников"),
        (21, "21 ученик"),
        (22, "22 ученика"),
        (0, "0 учеников"),
        (14, "14 учеников"),
        (111, "111 учеников"),
        (101, "101 ученик"),
    ],
)
def test_russian_plural_agrees_with_the_number(num: int, expected: str) -> None:
    assert students("ru", num) == expected


@pytest.mark.parametrize(("num", "expected"), [(1, "1 student"), (2, "2 students"), (21, "21 students")])
def test_english_plural_agrees_with_the_number(num: int, expected: str) -> None:
    assert students("en", num) == expected


def test_page_title_is_russian_by_default_and_english_on_request() -> None:
    title = "zhurnal: electronic class journal"

    assert translations("ru").gettext(title) == "zhurnal: электронный классный журнал"
    assert translations("en").gettext(title) == title
    assert translations("ru").gettext("Page not found") == "Страница не найдена"


def test_a_translation_that_drops_a_placeholder_fails_to_compile(locales_copy: Path) -> None:
    source = po_path("ru", locales_copy)
    text = source.read_text(encoding="utf-8")
    broken = text.replace('msgstr[0] "%(num)d ученик"', 'msgstr[0] "%(count)d ученик"', 1)
    assert broken != text
    source.write_text(broken, encoding="utf-8")

    with pytest.raises(CatalogError, match="num"):
        compile_catalogs(locales_copy)


def test_a_catalog_with_a_syntax_error_fails_to_compile(locales_copy: Path) -> None:
    source = po_path("en", locales_copy)
    source.write_text(source.read_text(encoding="utf-8") + "\nthis line is not PO syntax\n", encoding="utf-8")

    with pytest.raises(CatalogError, match="misformatted"):
        compile_catalogs(locales_copy)


def test_a_missing_catalog_of_a_supported_locale_is_reported(locales_copy: Path) -> None:
    po_path("en", locales_copy).unlink()

    with pytest.raises(CatalogError, match="missing catalog"):
        compile_catalogs(locales_copy)


def test_an_unsupported_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported locale"):
        translations("de")
