"""Averages, suggestion, success, quality, density and attendance figures (R73-R79, §10 items 5-7)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.policy.computations import (
    MarkPoint,
    OutcomeKind,
    PeriodOutcome,
    attendance_figures,
    average,
    class_rates,
    format_decimal,
    group_rates,
    learning_degree,
    mark_density,
    round_half_up,
    round_with_threshold,
    student_success,
    suggest_period_mark,
    weighted_average,
)

D = Decimal
FIVE_POINT = [D(1), D(2), D(3), D(4), D(5)]
PASS = PeriodOutcome(OutcomeKind.mark, is_passing=True)
QUALITY = PeriodOutcome(OutcomeKind.mark, is_passing=True, is_quality=True)
FAIL = PeriodOutcome(OutcomeKind.mark)


def c74_marks() -> list[MarkPoint]:
    # The voided 3 never reaches the computation: callers pass active marks only.
    return [
        MarkPoint(D(5), D("1.0")),  # classwork
        MarkPoint(D(2), D("2.0")),  # control work
        MarkPoint(D(4), D("1.0")),  # homework check
        MarkPoint(None),  # note «Д»
    ]


def test_average_of_numeric_marks_ignores_notes() -> None:
    """R73, C74: classwork 5, control work 2, homework 4 and a note «Д» average 3.67."""
    assert format_decimal(average(c74_marks()), 2) == "3.67"


def test_weighted_average_uses_work_type_weights() -> None:
    """R74, C74: weights 1, 2, 1 give a weighted average of exactly 3.25."""
    assert weighted_average(c74_marks()) == D("3.25")
    assert format_decimal(weighted_average(c74_marks()), 2) == "3.25"


def test_averages_are_unrounded_until_display() -> None:
    """§10.5: the computed value keeps far more than 2 decimals; rounding is for display only."""
    value = average(c74_marks())
    assert value is not None
    assert abs(Fraction(value) - Fraction(11, 3)) < Fraction(1, 10**40)


def test_student_without_numeric_marks_has_no_average_and_shows_a_dash() -> None:
    """R73: with only notes the average is None and displayed as "—"."""
    notes_only = [MarkPoint(None), MarkPoint(None)]
    assert average(notes_only) is None
    assert weighted_average(notes_only) is None
    assert format_decimal(average(notes_only), 2) == "—"


def test_work_types_not_counted_in_average_are_left_out() -> None:
    """R74: a mark of a work type with counts_in_average = false changes neither average."""
    marks = [*c74_marks(), MarkPoint(D(1), D(2), counts_in_average=False)]
    assert weighted_average(marks) == D("3.25")
    assert format_decimal(average(marks), 2) == "3.67"


@pytest.mark.parametrize("weight", [D(0), D("-1")])
def test_non_positive_weight_is_refused(weight: Decimal) -> None:
    """R74, §4.12: a work-type weight is a decimal > 0."""
    with pytest.raises(ValueError, match="positive"):
        MarkPoint(D(5), weight)


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (D("2.675"), 2, "2.68"),
        (D("0.125"), 2, "0.13"),
        (D("3.665"), 2, "3.67"),
        (D("86.95"), 1, "87.0"),
        (D(4), 2, "4.00"),
    ],
)
def test_display_rounds_half_up(value: Decimal, places: int, shown: str) -> None:
    """§10.5: display rounding is half-up (2.675 -> 2.68, unlike float or banker's rounding)."""
    assert format_decimal(value, places) == shown
    assert str(round_half_up(value, places)) == shown


@pytest.mark.parametrize(
    ("marks", "threshold", "expected"),
    [
        ([(3, 1), (4, 1)], "0.5", 4),  # 3.50
        ([(3, 51), (4, 49)], "0.5", 3),  # 3.49
        ([(3, 45), (4, 55)], "0.6", 3),  # 3.55
        ([(3, 2), (4, 3)], "0.6", 4),  # 3.60
    ],
)
def test_suggestion_rounds_up_from_the_threshold(
    marks: list[tuple[int, int]], threshold: str, expected: int
) -> None:
    """R75, C75: 3.50 with t = 0.5 gives 4, 3.49 gives 3; with t = 0.6, 3.55 gives 3 and 3.60 gives 4."""
    points = [MarkPoint(D(v), D(w)) for v, w in marks] * 2  # twice, to pass min_marks = 3
    suggestion = suggest_period_mark(points, D(threshold), 3, FIVE_POINT)
    assert suggestion.value == D(expected)
    assert not suggestion.insufficient


def test_two_numeric_marks_are_not_enough_for_a_suggestion() -> None:
    """R75, C76: with only 2 numeric marks (and a note), no suggestion value, only «недостаточно отметок»."""
    points = [MarkPoint(D(5)), MarkPoint(D(4)), MarkPoint(None)]
    suggestion = suggest_period_mark(points, D("0.5"), 3, FIVE_POINT)
    assert suggestion.insufficient
    assert suggestion.value is None


def test_suggestion_is_clamped_to_the_scale() -> None:
    """R75: on the 2-5 scale, marks averaging 1.33 (carried from another scale) suggest 2."""
    points = [MarkPoint(D(1)), MarkPoint(D(1)), MarkPoint(D(2))]
    assert suggest_period_mark(points, D("0.5"), 3, [D(2), D(3), D(4), D(5)]).value == D(2)


def test_suggestion_needs_a_threshold_between_zero_and_one() -> None:
    """R75: the rounding threshold is a fraction of one mark."""
    with pytest.raises(ValueError, match="threshold"):
        round_with_threshold(D("3.5"), D("1.5"))


def c77_group() -> list[PeriodOutcome]:
    # 25 students: 20 passing (12 of them 4 or 5), 2 marks «2», н/а, осв and an open deferral.
    return (
        [QUALITY] * 12
        + [PASS] * 8
        + [FAIL] * 2
        + [
            PeriodOutcome(OutcomeKind.not_attested),
            PeriodOutcome(OutcomeKind.exempt),
            PeriodOutcome(OutcomeKind.deferred),
        ]
    )


def test_success_rate_leaves_exempt_and_deferred_students_out_of_the_denominator() -> None:
    """R76, C77: attested = 23 and success = 87.0%."""
    rates = group_rates(c77_group())
    assert rates.attested == 23
    assert rates.passing == 20
    assert rates.success_pct == D("87.0")


def test_quality_rate_counts_marks_in_the_quality_set() -> None:
    """R77, C78: 12 of the 23 attested students have 4 or 5: quality = 52.2%."""
    rates = group_rates(c77_group())
    assert rates.quality == 12
    assert rates.quality_pct == D("52.2")


def test_missing_period_mark_counts_as_attested_and_not_passing() -> None:
    """R76, R62: a student with nothing entered stays in the denominator and is not passing."""
    rates = group_rates([PASS, PASS, PASS, PeriodOutcome(OutcomeKind.missing)])
    assert (rates.attested, rates.passing, rates.success_pct) == (4, 3, D("75.0"))


def test_ungraded_group_has_no_rates() -> None:
    """R76, §10.7: with no attested students both percentages are None ("—")."""
    rates = group_rates([PeriodOutcome(OutcomeKind.ungraded)] * 3)
    assert rates.attested == 0
    assert rates.success_pct is None
    assert rates.quality_pct is None
    assert format_decimal(rates.success_pct, 1) == "—"


def test_student_passing_nine_of_ten_subjects_has_ninety_percent_success() -> None:
    """R76, C79: the student-level success is 90.0%."""
    outcomes = {f"subject {i}": PASS for i in range(9)} | {"maths": FAIL}
    assert student_success(outcomes) == D("90.0")


def test_student_failing_one_subject_is_not_passing_at_class_level() -> None:
    """R76, C79: at class level a student passes only when all attested subjects pass."""
    by_student = {
        "S": [PASS] * 9 + [FAIL],
        "V": [QUALITY] * 10,
        "W": [QUALITY] * 9 + [PASS, PeriodOutcome(OutcomeKind.exempt)],
    }
    rates = class_rates(by_student)
    assert (rates.attested, rates.passing, rates.quality) == (3, 2, 1)
    assert rates.success_pct == D("66.7")
    assert rates.quality_pct == D("33.3")


def test_exempt_subject_does_not_spoil_a_student_class_level_result() -> None:
    """R76, R77: осв in one subject leaves it out of that student's attested subjects."""
    rates = class_rates({"S": [QUALITY, QUALITY, PeriodOutcome(OutcomeKind.exempt)]})
    assert (rates.passing, rates.quality) == (1, 1)


def test_student_with_no_attested_subject_is_not_in_the_class_figures() -> None:
    """R76: a student exempt or ungraded in every subject is not an attested student."""
    rates = class_rates({"S": [PeriodOutcome(OutcomeKind.exempt)], "V": [PASS]})
    assert rates.attested == 1


@pytest.mark.parametrize(
    ("kind", "passing", "quality"),
    [
        (OutcomeKind.not_attested, True, False),
        (OutcomeKind.exempt, False, True),
        (OutcomeKind.missing, True, False),
        (OutcomeKind.mark, False, True),
    ],
)
def test_inconsistent_period_outcome_is_refused(kind: OutcomeKind, passing: bool, quality: bool) -> None:
    """R76, R77: only a mark passes; a quality mark is also passing."""
    with pytest.raises(ValueError, match="passing"):
        PeriodOutcome(kind, is_passing=passing, is_quality=quality)


def test_density_lists_students_with_zero_and_one_mark_and_their_shares() -> None:
    """R78, C80: in a group of 25, 3 with 0 marks (12.0%) and 2 with exactly 1 (8.0%)."""
    counts = {f"s{i}": 0 for i in range(3)} | {"s3": 1, "s4": 1} | {f"s{i}": 5 for i in range(5, 25)}
    density = mark_density(counts, min_marks=3)
    assert density.zero == ["s0", "s1", "s2"]
    assert density.one == ["s3", "s4"]
    assert density.zero_pct == D("12.0")
    assert density.one_pct == D("8.0")


def test_density_warns_about_students_below_the_minimum() -> None:
    """R78: fewer than min_marks_for_period marks gives a warning (0, 1 and 2 marks with minimum 3)."""
    density = mark_density({"a": 0, "b": 1, "c": 2, "d": 3}, min_marks=3)
    assert density.below_min == ["a", "b", "c"]


def test_density_of_an_empty_group_has_no_shares() -> None:
    """R78, §10.7: an empty group has no percentages."""
    density = mark_density({}, min_marks=3)
    assert (density.zero, density.zero_pct, density.one_pct) == ([], None, None)


def test_attendance_is_ninety_percent_with_four_absences_in_forty_lessons() -> None:
    """R79, C81: 40 lessons, 4 absences (2 ill, 1 excused, 1 unexcused), 3 latenesses -> 90.0%."""
    figures = attendance_figures(40, {"ill": 2, "excused": 1, "unexcused": 1}, late=3)
    assert figures.percent == D("90.0")
    assert figures.absences == 4
    assert figures.by_reason == {"ill": 2, "excused": 1, "unexcused": 1}
    assert figures.late == 3


def test_lateness_does_not_lower_attendance() -> None:
    """R79: lateness is not an absence."""
    assert attendance_figures(40, {}, late=10).percent == D("100.0")


def test_attendance_without_lessons_has_no_percentage() -> None:
    """R79, §10.7: zero student-lessons gives None ("—")."""
    assert attendance_figures(0, {}, late=0).percent is None


def test_more_absences_than_lessons_is_refused() -> None:
    """R79: absences are a subset of student-lessons."""
    with pytest.raises(ValueError, match="absences"):
        attendance_figures(3, {"ill": 4}, late=0)


def test_learning_degree_averages_the_mark_coefficients() -> None:
    """§10.7: two 5s, one 4, one 3 and one н/а give (2 + 0.64 + 0.36 + 0) / 5 = 60.0%."""
    assert learning_degree({"5": 2, "4": 1, "3": 1, "н/а": 1}) == D("60.0")
    assert learning_degree({}) is None


def test_learning_degree_refuses_a_code_without_a_coefficient() -> None:
    """§10.7: осв has no coefficient; exempt students are not attested."""
    with pytest.raises(ValueError, match="coefficient"):
        learning_degree({"осв": 1})


VALUES = st.integers(1, 100).map(Decimal)
WEIGHTS = st.sampled_from(["0.5", "1", "1.0", "1.5", "2", "2.0", "3.25"]).map(Decimal)
POINTS = st.lists(
    st.builds(
        MarkPoint,
        value=st.one_of(st.none(), VALUES),
        weight=WEIGHTS,
        counts_in_average=st.booleans(),
    ),
    max_size=25,
)


def _reference(points: list[MarkPoint]) -> tuple[Fraction | None, Fraction | None]:
    used = [
        (Fraction(p.value), Fraction(p.weight)) for p in points if p.value is not None and p.counts_in_average
    ]
    if not used:
        return None, None
    plain = sum(v for v, _ in used) / len(used)
    weighted = sum(v * w for v, w in used) / sum(w for _, w in used)
    return plain, weighted


@settings(max_examples=200)
@given(points=POINTS)
def test_averages_match_an_exact_fraction_reference(points: list[MarkPoint]) -> None:
    """R73, R74: both averages agree with exact rational arithmetic, and their 2-decimal display matches."""
    plain, weighted = _reference(points)
    got_plain, got_weighted = average(points), weighted_average(points)
    assert (got_plain is None, got_weighted is None) == (plain is None, weighted is None)
    if plain is not None and weighted is not None and got_plain is not None and got_weighted is not None:
        assert abs(Fraction(got_plain) - plain) < Fraction(1, 10**40)
        assert abs(Fraction(got_weighted) - weighted) < Fraction(1, 10**40)
        assert round_half_up(got_weighted, 2) == _half_up(weighted, 2)


def _half_up(x: Fraction, places: int) -> Decimal:
    scaled = x * 10**places
    return Decimal(math.floor(scaled + Fraction(1, 2))).scaleb(-places)


@settings(max_examples=200)
@given(points=POINTS, threshold=st.sampled_from(["0.5", "0.6", "0.7", "0.9"]).map(Decimal))
def test_suggestion_matches_the_fraction_rule_and_stays_on_the_scale(
    points: list[MarkPoint], threshold: Decimal
) -> None:
    """R75: floor plus one when the fraction is >= t, clamped to the scale; insufficient below 3 marks."""
    scale = [D(v) for v in range(1, 101)]
    suggestion = suggest_period_mark(points, threshold, 3, scale)
    _, weighted = _reference(points)
    counted = sum(p.value is not None and p.counts_in_average for p in points)
    expected = None
    if weighted is not None and counted >= 3:
        whole = math.floor(weighted)
        expected = D(min(max(whole + 1 if weighted - whole >= Fraction(threshold) else whole, 1), 100))
    assert suggestion.value == expected
    assert suggestion.insufficient is (expected is None)
