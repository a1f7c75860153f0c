"""The academic year around a date: quarters, half-years, holidays and Russia's public holidays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from core.domain.enums import HolidayType

SATURDAY, SUNDAY = 5, 6

# Fixed public holidays (Labour Code art. 112). 31 December has been a day off in recent years too.
_PUBLIC_HOLIDAYS = (
    (11, 4, "День народного единства"),
    (12, 31, "Новогодние каникулы"),
    *((1, d, "Новогодние каникулы") for d in (1, 2, 3, 4, 5, 6, 8)),
    (1, 7, "Рождество Христово"),
    (2, 23, "День защитника Отечества"),
    (3, 8, "Международный женский день"),
    (5, 1, "Праздник Весны и Труда"),
    (5, 9, "День Победы"),
    (6, 12, "День России"),
)
# A holiday on a weekend moves to the next working day, except the New Year days (moved by decree).
_TRANSFERABLE = frozenset({(11, 4), (2, 23), (3, 8), (5, 1), (5, 9), (6, 12)})


@dataclass(frozen=True)
class Period:
    seq: int
    name: str
    start: date
    end: date


@dataclass(frozen=True)
class HolidaySpan:
    type: HolidayType
    name: str
    start: date
    end: date
    grades: tuple[int, ...] = ()  # empty: every grade

    def covers(self, day: date, grade: int) -> bool:
        return self.start <= day <= self.end and (not self.grades or grade in self.grades)


@dataclass(frozen=True)
class DayOff:
    day: date
    note: str


@dataclass(frozen=True)
class SchoolYear:
    title: str
    start: date
    teaching_end: date
    end: date
    quarters: tuple[Period, ...]
    half_years: tuple[Period, ...]
    holidays: tuple[HolidaySpan, ...]
    days_off: tuple[DayOff, ...]
    _off: frozenset[date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_off", frozenset(d.day for d in self.days_off))

    def is_school_day(self, day: date, grade: int) -> bool:
        """Whether a class of `grade` has lessons on `day` (five-day week)."""
        if not self.start <= day <= self.teaching_end or day.weekday() >= SATURDAY or day in self._off:
            return False
        return not any(h.covers(day, grade) for h in self.holidays)

    def week_of(self, day: date) -> int:
        """The school week number of `day`, 1 for the week of 1 September."""
        first_monday = self.start - timedelta(days=self.start.weekday())
        return (day - first_monday).days // 7 + 1


def _on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _last_weekday_on_or_before(day: date) -> date:
    return day if day.weekday() < SATURDAY else _on_or_before(day, 4)


def _days_off(first: int) -> tuple[DayOff, ...]:
    fixed: dict[date, str] = {}
    for month, day, note in _PUBLIC_HOLIDAYS:
        fixed[date(first if month >= 9 else first + 1, month, day)] = note
    result = dict(fixed)
    for day in sorted(fixed):
        if (day.month, day.day) in _TRANSFERABLE and day.weekday() >= SATURDAY:
            moved = day + timedelta(days=1)
            while moved.weekday() >= SATURDAY or moved in result:
                moved += timedelta(days=1)
            result[moved] = f"Перенос выходного дня с {day:%d.%m.%Y}"
    return tuple(DayOff(d, note) for d, note in sorted(result.items()))


def school_year(today: date) -> SchoolYear:
    """The academic year (1 September – 31 August) that contains `today`, with this year's holidays."""
    first = today.year if today >= date(today.year, 9, 1) else today.year - 1
    start, end = date(first, 9, 1), date(first + 1, 8, 31)
    q1_end = _on_or_before(date(first, 10, 26), 4)
    autumn = HolidaySpan(HolidayType.autumn, "Осенние каникулы", q1_end + timedelta(1), q1_end + timedelta(9))
    q2_end = _last_weekday_on_or_before(date(first, 12, 30))
    winter_end = _on_or_after(date(first + 1, 1, 8), SUNDAY)
    winter = HolidaySpan(HolidayType.winter, "Зимние каникулы", q2_end + timedelta(1), winter_end)
    spring_start = _on_or_after(date(first + 1, 3, 21), SATURDAY)
    spring = HolidaySpan(HolidayType.spring, "Весенние каникулы", spring_start, spring_start + timedelta(8))
    extra_start = _on_or_after(date(first + 1, 2, 14), 0)
    extra = HolidaySpan(
        HolidayType.extra_grade1,
        "Дополнительные каникулы для первоклассников",
        extra_start,
        extra_start + timedelta(6),
        (1,),
    )
    teaching_end = _last_weekday_on_or_before(date(first + 1, 5, 26))
    summer = HolidaySpan(HolidayType.summer, "Летние каникулы", teaching_end + timedelta(1), end)
    quarters = (
        Period(1, "1 четверть", start, q1_end),
        Period(2, "2 четверть", autumn.end + timedelta(1), q2_end),
        Period(3, "3 четверть", winter_end + timedelta(1), spring.start - timedelta(1)),
        Period(4, "4 четверть", spring.end + timedelta(1), teaching_end),
    )
    half_years = (
        Period(1, "1 полугодие", start, q2_end),
        Period(2, "2 полугодие", winter_end + timedelta(1), teaching_end),
    )
    return SchoolYear(
        title=f"{first}/{first + 1}",
        start=start,
        teaching_end=teaching_end,
        end=end,
        quarters=quarters,
        half_years=half_years,
        holidays=(autumn, winter, extra, spring, summer),
        days_off=_days_off(first),
    )
