"""The journal of the past weeks: held lessons with topics, attendance, marks and homework."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.catalog import DEFAULT_WORK_TYPES
from core.demo.catalog import WORK_TYPE_BY_FORM
from core.demo.history import EntrySeed, LessonSeed, Rosters
from core.demo.homework import homework_for
from core.domain.enums import AbsenceReason, AttendanceStatus, HomeworkScope, HomeworkStatus, LessonStatus

_TITLED = frozenset(w.code for w in DEFAULT_WORK_TYPES if w.title_required)
_NO_HOMEWORK_USUALLY = frozenset({"music", "art", "craft", "pe", "obzr", "orkse", "odnknr", "project"})
_DAILY_WORK, _DAILY_WEIGHTS = ("oral", "classwork", "homework", "independent"), (40, 33, 20, 7)
_MARKS_PER_LESSON, _MARKS_WEIGHTS = (0, 1, 2, 3, 4), (15, 25, 30, 20, 10)
_AFTERNOON = time(13, 30)


def _at(day: date, clock: time, minutes: float, tz: ZoneInfo) -> datetime:
    local = datetime.combine(day, clock, tzinfo=tz) + timedelta(minutes=minutes)
    return local.astimezone(UTC)


class Journal:
    """Turns dated lessons into journal rows; one random stream so the same seed gives the same journal."""

    def __init__(
        self,
        rng: random.Random,
        school_id: int,
        tz: ZoneInfo,
        work_types: Mapping[str, int],
        scales: Mapping[str, str],  # subject key -> scale code
        ungraded_grades: frozenset[int],
    ) -> None:
        self.rng = rng
        self.school_id = school_id
        self.tz = tz
        self.work_types = work_types
        self.scales = scales
        self.ungraded = ungraded_grades
        self.homework_at: dict[int, datetime] = {}  # lesson index -> when its homework was set

    def lesson_rows(self, lessons: list[LessonSeed]) -> list[dict[str, Any]]:
        rows = []
        for i, lesson in enumerate(lessons):
            e = lesson.entry
            row: dict[str, Any] = {
                "school_id": self.school_id,
                "timetable_entry_id": e.entry_id,
                "date": lesson.day,
                "bell_slot_id": e.slot_id,
                "group_id": e.group_id,
                "subject_id": e.subject_id,
                "scheduled_teacher_id": e.teacher_id,
                "actual_teacher_id": e.teacher_id,
                "room_id": e.room_id,
                "planned_item_id": lesson.item_id,
                "status": LessonStatus.planned,
                "topic": None,
                "topic_item_id": None,
                "topic_entered_at": None,
                "lesson_type": None,
                "attendance_taken_at": None,
                "homework_status": HomeworkStatus.unset,
                "homework_status_at": None,
            }
            if lesson.held:
                topic = lesson.item.topic if lesson.item else "Повторение и обобщение изученного"
                given = self._gives_homework(e)
                homework_at = _at(lesson.day, e.end, self.rng.uniform(10, 80), self.tz)
                if given:
                    self.homework_at[i] = homework_at
                row.update(
                    status=LessonStatus.held,
                    topic=topic,
                    topic_item_id=lesson.item_id,
                    topic_entered_at=_at(lesson.day, e.end, self.rng.uniform(1, 90), self.tz),
                    lesson_type=lesson.item.control_form if lesson.item else None,
                    attendance_taken_at=_at(lesson.day, e.start, self.rng.uniform(2, 10), self.tz),
                    homework_status=HomeworkStatus.given if given else HomeworkStatus.none,
                    homework_status_at=homework_at,
                )
            rows.append(row)
        return rows

    def _gives_homework(self, e: EntrySeed) -> bool:
        if e.grade == 1:  # no homework in the first form (СанПиН)
            return False
        if e.subject in _NO_HOMEWORK_USUALLY:
            return self.rng.random() < 0.15
        return self.rng.random() < 0.93

    def absences(
        self, students: Mapping[int, int], days_by_grade: Mapping[int, list[date]], today: date
    ) -> dict[tuple[int, date], AbsenceReason]:
        """Whole-day absences: illness spells of 2-6 school days, family reasons, some not yet explained."""
        result: dict[tuple[int, date], AbsenceReason] = {}
        for student, grade in students.items():
            days = days_by_grade.get(grade, [])
            ill_left = 0
            for i, day in enumerate(days):
                if ill_left == 0 and self.rng.random() < 0.017:
                    ill_left = self.rng.randint(2, 6)
                if ill_left:
                    ill_left -= 1
                    reason = AbsenceReason.ill
                elif self.rng.random() < 0.008:
                    reason = AbsenceReason.excused
                else:
                    continue
                # The last two school days before today are often not explained yet.
                if i >= len(days) - 2 and days[-1] < today and self.rng.random() < 0.5:
                    reason = AbsenceReason.unknown
                result[(student, day)] = reason
        return result

    def journal_rows(
        self,
        lessons: list[LessonSeed],
        lesson_ids: list[int],
        rosters: Rosters,
        absences: Mapping[tuple[int, date], AbsenceReason],
        abilities: Mapping[int, float],
        tutor_accounts: Mapping[int, int],
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """Attendance, mark and homework rows for the held lessons."""
        attendance: list[dict[str, Any]] = []
        marks: list[dict[str, Any]] = []
        homework: list[dict[str, Any]] = []
        index = {(x.entry.group_id, x.entry.subject_id, x.ordinal): i for i, x in enumerate(lessons)}
        for i, lesson in enumerate(lessons):
            if not lesson.held:
                continue
            e, lesson_id = lesson.entry, lesson_ids[i]
            present = []
            for student in rosters.on(e.group_id, lesson.day):
                row = self._attendance(lesson, lesson_id, student, absences, tutor_accounts)
                if row is not None:
                    attendance.append(row)
                if row is None or row["kind"] is AttendanceStatus.late:
                    present.append(student)
            if e.grade not in self.ungraded:
                marks += self._marks(lesson, lesson_id, present, abilities)
            if i in self.homework_at:
                nxt = index.get((e.group_id, e.subject_id, lesson.ordinal + 1))
                due = lesson_ids[nxt] if nxt is not None else None
                homework.append(self._homework(lesson, lesson_id, due, self.homework_at[i]))
        return attendance, marks, homework

    def _attendance(
        self,
        lesson: LessonSeed,
        lesson_id: int,
        student: int,
        absences: Mapping[tuple[int, date], AbsenceReason],
        tutor_accounts: Mapping[int, int],
    ) -> dict[str, Any] | None:
        e = lesson.entry
        reason = absences.get((student, lesson.day))
        if reason is None and self.rng.random() < 0.004:  # skipped a single lesson
            reason = AbsenceReason.unexcused
        late = None
        if reason is None:
            if self.rng.random() >= (0.045 if e.slot == 1 else 0.015):
                return None
            late = min(25, 1 + int(self.rng.expovariate(1 / 5)))
        return {
            "school_id": self.school_id,
            "student_id": student,
            "lesson_id": lesson_id,
            "kind": AttendanceStatus.late if late else AttendanceStatus.absent,
            "late_minutes": late,
            "reason": reason,
            "reason_set_by": tutor_accounts.get(student)
            if reason not in (None, AbsenceReason.unknown)
            else None,
            "entered_by": e.account_id,
            "entered_at": _at(lesson.day, e.start, self.rng.uniform(2, 10), self.tz),
        }

    def _marks(
        self, lesson: LessonSeed, lesson_id: int, present: list[int], abilities: Mapping[int, float]
    ) -> list[dict[str, Any]]:
        e, item = lesson.entry, lesson.item
        form = item.control_form if item else None
        if form is not None:  # a control, practical or laboratory work: nearly everyone gets a mark
            code = WORK_TYPE_BY_FORM[form]
            chosen = [(s, code) for s in present if self.rng.random() < 0.9]
        else:
            count = min(len(present), self.rng.choices(_MARKS_PER_LESSON, _MARKS_WEIGHTS)[0])
            chosen = [
                (s, self.rng.choices(_DAILY_WORK, _DAILY_WEIGHTS)[0]) for s in self.rng.sample(present, count)
            ]
        rows = []
        for student, code in chosen:
            # Teachers fill in marks in the afternoon, after their lesson and before the 21:00 day end.
            at = _at(lesson.day, max(e.end, _AFTERNOON), self.rng.uniform(5, 240), self.tz)
            rows.append(
                {
                    "school_id": self.school_id,
                    "student_id": student,
                    "lesson_id": lesson_id,
                    "work_type_id": self.work_types[code],
                    "value_code": self._value(e.subject, code, abilities[student]),
                    "title": item.topic if item and code in _TITLED else None,
                    "entered_by": e.account_id,
                    "entered_at": at,
                    "first_entered_at": at,
                }
            )
        return rows

    def _value(self, subject: str, work_type: str, ability: float) -> str:
        if self.scales.get(subject) == "pass_fail":
            return "зач" if self.rng.random() < 0.94 else "незач"
        if work_type == "homework" and self.rng.random() < 0.03:
            return "Д"  # homework not handed in
        shift = -0.15 if work_type in _TITLED or work_type in {"dictation", "essay", "quiz"} else 0.0
        if subject == "pe":
            shift += 0.4
        return str(min(5, max(2, round(ability + shift + self.rng.gauss(0, 0.7)))))

    def _homework(
        self, lesson: LessonSeed, lesson_id: int, due_lesson_id: int | None, at: datetime
    ) -> dict[str, Any]:
        e = lesson.entry
        text, pages, tasks, minutes = homework_for(self.rng, e.subject, e.grade, lesson.ordinal, lesson.item)
        return {
            "school_id": self.school_id,
            "lesson_id": lesson_id,
            "due_lesson_id": due_lesson_id,
            "due_date": lesson.next_day,
            "scope": HomeworkScope.general,
            "text": text,
            "pages": pages,
            "tasks": tasks,
            "est_minutes": minutes,
            "entered_by": e.account_id,
            "entered_at": at,
        }
