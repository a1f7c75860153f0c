"""docs/rules.md stays in step with the tests that prove the rules."""

from __future__ import annotations

from tests.rules_coverage import DOC, collect, render, rule_ids


def test_rule_ids_are_read_from_the_docstring_head_with_ranges() -> None:
    """The map reads `R49–R51, C46: ...` as R49, R50, R51 and ignores checks and later text."""
    assert rule_ids("R49–R51, C46: the window R99 is mentioned later") == ["R49", "R50", "R51"]
    assert rule_ids("C24: only a check") == []
    assert rule_ids("Plain text with R30 in it") == []


def test_the_committed_rules_map_matches_the_suite() -> None:
    """docs/rules.md is regenerated whenever tests change (`make rules-doc`)."""
    assert DOC.read_text(encoding="utf-8") == render(collect())
