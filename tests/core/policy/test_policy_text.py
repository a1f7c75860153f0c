"""Journal text is kept in Russian: the Cyrillic check (R5)."""

from __future__ import annotations

import pytest

from core.policy.settings import CyrillicCheck
from core.policy.text import TextCheck, check_russian_text, has_cyrillic


def test_topic_without_cyrillic_is_saved_with_a_warning() -> None:
    """R5, C37: with cyrillic_check = warn, the topic "Present Simple" gives a warning."""
    assert check_russian_text("Present Simple", CyrillicCheck.warn) is TextCheck.warn


def test_topic_with_a_russian_word_gives_no_warning() -> None:
    """R5, C37: "Время Present Simple" passes."""
    assert check_russian_text("Время Present Simple", CyrillicCheck.warn) is TextCheck.ok


def test_topic_without_cyrillic_is_refused_in_block_mode() -> None:
    """R5, C37: with cyrillic_check = block, "Present Simple" is refused."""
    assert check_russian_text("Present Simple", CyrillicCheck.block) is TextCheck.block
    assert check_russian_text("Время Present Simple", CyrillicCheck.block) is TextCheck.ok


def test_check_switched_off_accepts_any_text() -> None:
    """R5: cyrillic_check = off never warns."""
    assert check_russian_text("Present Simple", CyrillicCheck.off) is TextCheck.ok


@pytest.mark.parametrize("mode", list(CyrillicCheck))
def test_text_without_any_letter_is_not_treated_as_foreign(mode: CyrillicCheck) -> None:
    """R5: a homework such as "№ 12, 14 (1-3)" has no letters in any language, so it passes."""
    assert check_russian_text("№ 12, 14 (1-3)", mode) is TextCheck.ok


def test_check_accepts_the_mode_as_stored_text() -> None:
    """R5, §4.12: the stored setting value "block" works as the mode."""
    assert check_russian_text("Present Simple", "block") is TextCheck.block  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ёж", True),
        ("ёлка", True),
        ("упр. 5", True),
        ("Photosynthesis", False),
        ("p. 45", False),
        ("", False),
    ],
)
def test_cyrillic_letters_are_recognised(text: str, expected: bool) -> None:
    """R5: any Cyrillic letter (including Ё/ё) counts; Latin letters and digits do not."""
    assert has_cyrillic(text) is expected
