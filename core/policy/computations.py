"""Exact Decimal computations: averages, period-mark suggestion, success, quality, density, attendance.

Values are computed unrounded in a 50-digit context; only display and percentages round, half-up
(R73-R79, §10 items 5-7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from typing import Generic, TypeVar

K = TypeVar("K")

_EXACT = Context(prec=50, rounding=ROUND_HALF_EVEN)
_HUNDRED = Decimal(100)
NO_VALUE = "—"

# §10.7: per-mark coefficients of the learning degree (СОУ); editable per school.
SOU_COEFFICIENTS: Mapping[str, Decimal] = {
    "5": Decimal("1.00"),
    "4": Decimal("0.64"),
    "3": Decimal("0.36"),
    "2": Decimal("0.16"),
    "1": Decimal("0.08"),
    "н/а": Decimal(0),
}


@dataclass(frozen=True)
class MarkPoint:
    """One active current mark as the averages see it; `value` is None for notes such as «Д»."""

    value: Decimal | None
    weight: Decimal = Decimal(1)
    counts_in_average: bool = True

    def __post_init__(self) -> None:
        if self.weight <= 0:
            raise ValueError("a work-type weight must be positive (R74)")


def _averaged(points: Iterable[MarkPoint]) -> list[MarkPoint]:
    return [p for p in points if p.value is not None and p.counts_in_average]


def average(points: Iterable[MarkPoint]) -> Decimal | None:
    """Unrounded arithmetic mean of the numeric marks that count in averages; None without any (R73)."""
    values = [p.value for p in _averaged(points) if p.value is not None]
    if not values:
        return None
    with localcontext(_EXACT):
        return sum(values, Decimal(0)) / len(values)


def weighted_average(points: Iterable[MarkPoint]) -> Decimal | None:
    """Unrounded Σ(w·v)/Σw over the numeric marks that count in averages; None without any (R74)."""
    averaged = _averaged(points)
    if not averaged:
        return None
    with localcontext(_EXACT):
        total = sum((p.weight * p.value for p in averaged if p.value is not None), Decimal(0))
        return total / sum((p.weight for p in averaged), Decimal(0))


def round_half_up(x: Decimal, places: int) -> Decimal:
    """`x` rounded half-up to `places` decimals (3.665 -> 3.67)."""
    if places < 0:
        raise ValueError("places must be >= 0")
    with localcontext(_EXACT):
        return x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_decimal(x: Decimal | None, places: int) -> str:
    """Display form: half-up to `places` decimals, "—" when there is no value (R73)."""
    return NO_VALUE if x is None else f"{round_half_up(x, places):.{places}f}"


def percent(part: int, whole: int) -> Decimal | None:
    """part/whole x 100 to 1 decimal, half-up; None when `whole` is 0 (§10.7)."""
    if whole == 0:
        return None
    with localcontext(_EXACT):
        return round_half_up(Decimal(part) * _HUNDRED / Decimal(whole), 1)


@dataclass(frozen=True)
class Suggestion:
    """Period-mark suggestion or forecast; `insufficient` shows «недостаточно отметок» (R75)."""

    value: Decimal | None
    weighted_average: Decimal | None
    insufficient: bool


def round_with_threshold(x: Decimal, threshold: Decimal) -> Decimal:
    """Round up when the fractional part of `x` is >= threshold, else down (R75)."""
    if not Decimal(0) < threshold <= Decimal(1):
        raise ValueError("threshold must be in (0, 1]")
    with localcontext(_EXACT):
        whole = x.to_integral_value(rounding=ROUND_FLOOR)
        return whole + 1 if x - whole >= threshold else whole


def suggest_period_mark(
    points: Iterable[MarkPoint], threshold: Decimal, min_marks: int, scale_values: Sequence[Decimal]
) -> Suggestion:
    """The advisory period mark from the unrounded weighted average, clamped to the scale (R75, R66)."""
    if not scale_values:
        raise ValueError("the scale has no numeric values")
    averaged = _averaged(points)
    wavg = weighted_average(averaged)
    if wavg is None or len(averaged) < min_marks:
        return Suggestion(value=None, weighted_average=wavg, insufficient=True)
    value = min(max(round_with_threshold(wavg, threshold), min(scale_values)), max(scale_values))
    return Suggestion(value=value, weighted_average=wavg, insufficient=False)


class OutcomeKind(StrEnum):
    mark = "mark"
    exempt = "exempt"  # осв
    ungraded = "ungraded"  # безотм
    not_attested = "not_attested"  # н/а
    deferred = "deferred"  # open deferral (R67)
    missing = "missing"  # nothing entered yet


# R76: the denominators leave out осв, безотм and open deferrals; н/а and missing stay in.
_NOT_ATTESTED_KINDS = frozenset({OutcomeKind.exempt, OutcomeKind.ungraded, OutcomeKind.deferred})


@dataclass(frozen=True)
class PeriodOutcome:
    """A student's period result in one subject; only a `mark` can pass or be in the quality set."""

    kind: OutcomeKind
    is_passing: bool = False
    is_quality: bool = False

    def __post_init__(self) -> None:
        if self.kind is not OutcomeKind.mark and (self.is_passing or self.is_quality):
            raise ValueError(f"a {self.kind} outcome is neither passing nor quality")
        if self.is_quality and not self.is_passing:
            raise ValueError("a quality mark must also be passing")

    @property
    def attested(self) -> bool:
        """Whether the outcome is in the success and quality denominators (R76)."""
        return self.kind not in _NOT_ATTESTED_KINDS


@dataclass(frozen=True)
class Rates:
    """Success (успеваемость) and quality (качество знаний) counts and percentages (R76, R77)."""

    attested: int
    passing: int
    quality: int
    success_pct: Decimal | None
    quality_pct: Decimal | None


def _rates(attested: int, passing: int, quality: int) -> Rates:
    return Rates(attested, passing, quality, percent(passing, attested), percent(quality, attested))


def group_rates(outcomes: Iterable[PeriodOutcome]) -> Rates:
    """Rates for one group x subject x period; `missing` and н/а count as attested, not passing (R76)."""
    attested = [o for o in outcomes if o.attested]
    return _rates(len(attested), sum(o.is_passing for o in attested), sum(o.is_quality for o in attested))


def student_success(outcomes_by_subject: Mapping[K, PeriodOutcome]) -> Decimal | None:
    """Student level: passing subjects / attested subjects x 100 (R76)."""
    return group_rates(outcomes_by_subject.values()).success_pct


def class_rates(outcomes_by_student: Mapping[K, Sequence[PeriodOutcome]]) -> Rates:
    """Class level: students passing (or in the quality set) in all their attested subjects (R76, R77)."""
    attested = passing = quality = 0
    for outcomes in outcomes_by_student.values():
        subjects = [o for o in outcomes if o.attested]
        if not subjects:
            continue
        attested += 1
        passing += all(o.is_passing for o in subjects)
        quality += all(o.is_quality for o in subjects)
    return _rates(attested, passing, quality)


@dataclass(frozen=True)
class Density(Generic[K]):
    """Students with 0, exactly 1 and fewer than the minimum current marks, and shares (R78)."""

    zero: list[K]
    one: list[K]
    below_min: list[K]
    zero_pct: Decimal | None
    one_pct: Decimal | None


def mark_density(counts: Mapping[K, int], min_marks: int) -> Density[K]:
    """Mark density of a group in a period from each student's current-mark count (R78)."""
    if any(count < 0 for count in counts.values()):
        raise ValueError("mark counts cannot be negative")
    zero = [k for k, count in counts.items() if count == 0]
    one = [k for k, count in counts.items() if count == 1]
    below_min = [k for k, count in counts.items() if count < min_marks]
    return Density(zero, one, below_min, percent(len(zero), len(counts)), percent(len(one), len(counts)))


@dataclass(frozen=True)
class AttendanceFigures:
    """Attendance of a student, class, subject or period (R79)."""

    student_lessons: int
    absences: int
    by_reason: Mapping[str, int]
    late: int
    percent: Decimal | None


def attendance_figures(
    student_lessons: int, absences_by_reason: Mapping[str, int], late: int
) -> AttendanceFigures:
    """(student-lessons - absences) / student-lessons x 100; lateness is counted, not an absence (R79)."""
    absences = sum(absences_by_reason.values())
    if student_lessons < 0 or late < 0 or any(n < 0 for n in absences_by_reason.values()):
        raise ValueError("counts cannot be negative")
    if absences > student_lessons:
        raise ValueError("more absences than student-lessons")
    return AttendanceFigures(
        student_lessons=student_lessons,
        absences=absences,
        by_reason=dict(absences_by_reason),
        late=late,
        percent=percent(student_lessons - absences, student_lessons),
    )


def learning_degree(
    codes_count: Mapping[str, int], coefficients: Mapping[str, Decimal] = SOU_COEFFICIENTS
) -> Decimal | None:
    """СОУ: mean coefficient of attested students' period marks x 100, to 1 decimal (§10.7)."""
    if unknown := set(codes_count) - set(coefficients):
        raise ValueError(f"no coefficient for {sorted(unknown)}")
    total = sum(codes_count.values())
    if total == 0:
        return None
    with localcontext(_EXACT):
        weighted = sum((coefficients[code] * n for code, n in codes_count.items()), Decimal(0))
        return round_half_up(weighted * _HUNDRED / total, 1)
