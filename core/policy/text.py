"""Journal text is kept in Russian: the Cyrillic check on topics and homework (R5)."""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from core.policy.settings import CyrillicCheck


class TextCheck(StrEnum):
    ok = "ok"
    warn = "warn"
    block = "block"


def has_cyrillic(text: str) -> bool:
    """Whether `text` contains at least one Cyrillic letter."""
    return any(ch.isalpha() and unicodedata.name(ch, "").startswith("CYRILLIC") for ch in text)


def check_russian_text(text: str, mode: CyrillicCheck) -> TextCheck:
    """Warn about or block text with letters but no Cyrillic one, per `cyrillic_check` (R5, C37)."""
    mode = CyrillicCheck(mode)
    # Text without any letter (e.g. "№ 12, 14") is not foreign-language text, so it passes.
    if mode is CyrillicCheck.off or has_cyrillic(text) or not any(ch.isalpha() for ch in text):
        return TextCheck.ok
    return TextCheck.block if mode is CyrillicCheck.block else TextCheck.warn
