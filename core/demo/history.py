"""The year's lesson dates per group, rosters by date, and the dated lessons of the seeded window."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta

from core.demo.calendar import SchoolYear
from core.demo.topics import TopicSpec


@dataclass(frozen=True)
class EntrySeed:
    """A stored timetable entry with everything a dated lesson needs."""

    entry_id: int
    group_id: int
    subject_id: int
    subject: str  # catalogue key
    grade: int
    weekday: int
    slot_id: int
    slot: int
    start: time
    end: time
    teacher_id: int
    account_id: int
    room_id: int | None


@dataclass(frozen=True)
class LessonSeed:
    entry: EntrySeed
    day: date
    ordinal: int  # 0-based number of this lesson of the group and subject in the year
    item_id: int | None
    item: TopicSpec | None
    held: bool
    next_day: date | None  # the group's next lesson of the subject: homework is due then


def year_schedule(
    entries: Iterable[EntrySeed], year: SchoolYear
) -> dict[tuple[int, int], list[tuple[date, EntrySeed]]]:
    """Every lesson date of the year per (group, subject), in order: the КТП is laid over these."""
    by_weekday: dict[int, list[EntrySeed]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: (e.weekday, e.slot, e.entry_id)):
        by_weekday[entry.weekday].append(entry)
    schedule: dict[tuple[int, int], list[tuple[date, EntrySeed]]] = defaultdict(list)
    day = year.start
    while day <= year.teaching_end:
        for entry in by_weekday.get(day.weekday(), ()):
            if year.is_school_day(day, entry.grade):
                schedule[(entry.group_id, entry.subject_id)].append((day, entry))
        day += timedelta(days=1)
    return schedule


class Rosters:
    """Who is in a group on a date: enrollments for whole classes, memberships for subgroups (R48)."""

    def __init__(self) -> None:
        self._spans: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)

    def add(self, group_id: int, student_id: int, start: date, end: date | None) -> None:
        self._spans[group_id].append((student_id, start, end))

    def on(self, group_id: int, day: date) -> list[int]:
        return [s for s, start, end in self._spans[group_id] if start <= day and (end is None or day <= end)]


@dataclass(frozen=True)
class Window:
    """Which lessons to write: held ones in [first, today), planned ones in [today, last]."""

    first: date
    today: date
    last: date


def window(today: date, weeks: int, ahead_days: int = 14) -> Window:
    return Window(today - timedelta(weeks=weeks), today, today + timedelta(days=ahead_days - 1))


def plan_lessons(
    schedule: Mapping[tuple[int, int], list[tuple[date, EntrySeed]]],
    items: Mapping[tuple[int, int], list[tuple[int, TopicSpec]]],
    span: Window,
) -> list[LessonSeed]:
    """The dated lessons inside the window; each carries the КТП item planned for its place in the year."""
    lessons = []
    for key, dates in schedule.items():
        plan = items.get(key, [])
        for ordinal, (day, entry) in enumerate(dates):
            if span.first <= day <= span.last:
                item_id, item = plan[ordinal] if ordinal < len(plan) else (None, None)
                next_day = dates[ordinal + 1][0] if ordinal + 1 < len(dates) else None
                lessons.append(LessonSeed(entry, day, ordinal, item_id, item, day < span.today, next_day))
    lessons.sort(key=lambda x: (x.day, x.entry.slot, x.entry.entry_id))
    return lessons
