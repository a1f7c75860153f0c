"""The demo school generator: a realistic, deterministic school written in bulk, and only once per slug."""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import re
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.base import Base
from core.db.models import (
    Account,
    CurriculumPlan,
    Enrollment,
    GradingScale,
    Group,
    GroupClass,
    GroupMembership,
    Guardian,
    GuardianLink,
    Holiday,
    Lesson,
    Mark,
    Parallel,
    ScaleValue,
    School,
    SchoolClass,
    SchoolPolicyRecord,
    Staff,
    Student,
    Subject,
    ThematicPlanItem,
    TimetableEntry,
)
from core.demo import DemoSummary, seed_demo
from core.demo.calendar import school_year
from core.demo.names import patronymic, surname_for
from core.demo.timetable import Booking, find_clashes
from core.domain.enums import GroupKind, GuardianRelation, HolidayType, LessonStatus
from core.security.passwords import verify_password

TODAY = date(2026, 11, 25)
SMALL = {"students": 120, "weeks": 1, "seed": 3, "today": TODAY}
CYRILLIC = re.compile("[А-Яа-яЁё]")
GLOBAL_TABLES = {"grading_scale", "scale_value"}  # built-in scales: written by the first seeding only
SPLIT_SUBJECTS = {"Иностранный язык (английский)", "Информатика", "Труд (технология)"}


# Prints a digest of the pure plan: structure, timetable, families and calendar for seed 1.
FINGERPRINT = """
import hashlib, random
from datetime import date
from core.demo.calendar import school_year
from core.demo.catalog import max_lessons_per_day
from core.demo.people import plan_families, split_halves
from core.demo.structure import plan_school
from core.demo.timetable import build_timetable
plan = plan_school(random.Random("1:structure"), 300)
limits = {c.name: max_lessons_per_day(c.grade) for c in plan.classes}
placed, _ = build_timetable(plan.units, limits, random.Random("1:timetable"))
pupils, parents = plan_families(random.Random("1:people"), plan.classes, date(2026, 9, 1))
split_halves(pupils)
print(hashlib.sha256(repr((placed, pupils, parents, plan, school_year(date(2026, 11, 25)))).encode()).hexdigest())
"""


@dataclass(frozen=True)
class Seeded:
    slug: str
    summary: DemoSummary


async def _seed(sessionmaker: async_sessionmaker[AsyncSession]) -> Seeded:
    slug = f"demo-{uuid.uuid4().hex[:8]}"
    return Seeded(slug, await seed_demo(sessionmaker, slug=slug, **SMALL))


@pytest.fixture(scope="module")
async def demo(sessionmaker: async_sessionmaker[AsyncSession]) -> Seeded:
    return await _seed(sessionmaker)


async def _rows(sm: async_sessionmaker[AsyncSession], stmt: Any) -> list[Any]:
    async with sm() as session:
        return list((await session.execute(stmt)).all())


async def _school_counts(sm: async_sessionmaker[AsyncSession], school_id: int) -> dict[str, int]:
    counts = {}
    async with sm() as session:
        for table in Base.metadata.sorted_tables:
            if "school_id" in table.c:
                where = (
                    table.c.school_id.is_(None)
                    if table.name == "grading_scale"
                    else table.c.school_id == school_id
                )
                counts[table.name] = await session.scalar(
                    select(func.count()).select_from(table).where(where)
                )
    return counts


async def _rosters(
    sm: async_sessionmaker[AsyncSession], school_id: int
) -> dict[int, list[tuple[int, date, date | None]]]:
    """Group id -> (student, from, to): enrollments for whole classes, memberships for subgroups (R48)."""
    spans: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
    whole = await _rows(
        sm,
        select(GroupClass.group_id, Enrollment.student_id, Enrollment.from_date, Enrollment.to_date)
        .join(Group, Group.id == GroupClass.group_id)
        .join(Enrollment, Enrollment.class_id == GroupClass.class_id)
        .where(Group.school_id == school_id, Group.kind == GroupKind.whole_class),
    )
    parts = await _rows(
        sm,
        select(
            GroupMembership.group_id,
            GroupMembership.student_id,
            GroupMembership.from_date,
            GroupMembership.to_date,
        ).where(GroupMembership.school_id == school_id),
    )
    for group_id, student_id, start, end in [*whole, *parts]:
        spans[group_id].append((student_id, start, end))
    return spans


def _school_rows(summary: DemoSummary) -> dict[str, int]:
    return {table: n for table, n in summary.counts.items() if table not in GLOBAL_TABLES}


def _on(spans: list[tuple[int, date, date | None]], day: date) -> set[int]:
    return {s for s, start, end in spans if start <= day and (end is None or day <= end)}


async def test_seeding_a_small_school_makes_grades_1_to_11_with_two_to_four_classes_each(
    sessionmaker: async_sessionmaker[AsyncSession], demo: Seeded
) -> None:
    """R15, R17: every class has a period scheme and a work regime; the year around today is active."""
    summary = demo.summary
    assert summary.created
    assert summary.counts["student"] == 120
    assert summary.unplaced_lessons == 0
    classes = await _rows(
        sessionmaker,
        select(Parallel.grade, SchoolClass.letter, SchoolClass.period_scheme_id, SchoolClass.work_regime_id)
        .join(Parallel, Parallel.id == SchoolClass.parallel_id)
        .where(SchoolClass.school_id == summary.school_id),
    )
    per_grade = Counter(grade for grade, *_ in classes)
    assert sorted(per_grade) == list(range(1, 12))
    assert all(2 <= n <= 4 for n in per_grade.values())
    assert {letter for _, letter, *_ in classes} <= set("АБВГ")
    assert all(scheme and regime for *_, scheme, regime in classes)
    school = await _rows(
        sessionmaker,
        select(School.name, SchoolPolicyRecord.data)
        .join(SchoolPolicyRecord, SchoolPolicyRecord.school_id == School.id)
        .where(School.id == summary.school_id),
    )
    assert school == [("МБОУ «Средняя общеобразовательная школа № 7»", {"timezone": "Europe/Moscow"})]


async def test_no_teacher_room_or_pupil_is_double_booked_in_the_timetable(
    sessionmaker: async_sessionmaker[AsyncSession], demo: Seeded
) -> None:
    """§3.3 TimetableEntry: no teacher, room or group double-booked in a slot (pupils via rosters)."""
    sid = demo.summary.school_id
    entries = await _rows(
        sessionmaker,
        select(
            TimetableEntry.weekday,
            TimetableEntry.bell_slot_id,
            TimetableEntry.group_id,
            TimetableEntry.teacher_staff_id,
            TimetableEntry.room_id,
        ).where(TimetableEntry.school_id == sid),
    )
    bookings = [Booking(*row) for row in entries]
    members = {g: [s for s, _, _ in spans] for g, spans in (await _rosters(sessionmaker, sid)).items()}
    assert {weekday for weekday, *_ in entries} == {0, 1, 2, 3, 4}
    assert find_clashes(bookings, members) == []
    # The check itself notices a clash: the same teacher, room and pupils twice in one slot.
    assert len(find_clashes([*bookings, bookings[0]], members)) >= 3


async def test_every_group_has_its_curriculum_hours_in_the_timetable(
    sessionmaker: async_sessionmaker[AsyncSession], demo: Seeded
) -> None:
    """R18, R20: a timetabled subject has a plan line for the grade, with the same weekly hours."""
    sid = demo.summary.school_id
    plan = {
        (grade, subject): float(hours)
        for grade, subject, hours in await _rows(
            sessionmaker,
            select(CurriculumPlan.grade, CurriculumPlan.subject_id, CurriculumPlan.hours_per_week).where(
                CurriculumPlan.school_id == sid
            ),
        )
    }
    weekly = await _rows(
        sessionmaker,
        select(Parallel.grade, TimetableEntry.group_id, TimetableEntry.subject_id, func.count())
        .join(GroupClass, GroupClass.group_id == TimetableEntry.group_id)
        .join(SchoolClass, SchoolClass.id == GroupClass.class_id)
        .join(Parallel, Parallel.id == SchoolClass.parallel_id)
        .where(TimetableEntry.school_id == sid)
        .group_by(Parallel.grade, TimetableEntry.group_id, TimetableEntry.subject_id),
    )
    assert weekly
    assert all(plan[(grade, subject)] == count for grade, _, subject, count in weekly)
    taught = {(grade, subject) for grade, _, subject, _ in weekly}
    assert taught == set(plan)  # and every plan line is taught


async def test_every_pupil_has_one_or_two_guardians_and_some_guardian_has_several_children(
    sessionmaker: async_sessionmaker[AsyncSession], demo: Seeded
) -> None:
    """§10.18: several children per guardian; links are verified and start no later than the enrollment."""
    sid = demo.summary.school_id
    links = await _rows(
        sessionmaker,
        select(
            GuardianLink.guardian_id,
            GuardianLink.student_id,
            GuardianLink.verified_at,
            GuardianLink.active_from,
        ).where(GuardianLink.school_id == sid),
    )
    per_student = Counter(student for _, student, _, _ in links)
    per_guardian = Counter(guardian for guardian, _, _, _ in links)
    assert len(per_student) == 120
    assert set(per_student.values()) <= {1, 2}
    assert max(per_guardian.values()) >= 2
    assert all(verified is not None for _, _, verified, _ in links)


async def test_patronymics_and_surnames_agree_with_the_gender_and_the_father_of_every_pupil(
    sessionmaker: async_sessionmaker[AsyncSession], demo: Seeded
) -> None:
    sid = demo.summary.school_id
    pupils = await _rows(
        sessionmaker,
        select(Student.id, Student.last_name, Student.patronymic, Student.gender).where(
            Student.school_id == sid
        ),
    )
    for _, last, middle, gender in pupils:
        assert middle.endswith("ич" if gender == "M" else "на"), (last, middle, gender)
        if gender == "F":
            assert surname_for(last, "F") == last, last  # already feminine: Иванова, Толстая, Белых
        else:
            assert not last.endswith(("ова", "ева", "ёва", "ина", "ая")), last
    fathers = await _rows(
        sessionmaker,
        select(GuardianLink.student_id, Guardian.first_name, Guardian.last_name)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .where(GuardianLink.school_id == sid, GuardianLink.relation == GuardianRelation.father),
    )
    by_id = {pid: (last, middle, gender) for pid, last, middle, gender in pupils}
    assert fathers
    for student_id, father_first, father_last in fathers:
        last, middle, gender = by_id[student_id]
        assert middle == patronymic(father_first, gender)
        assert last == surname_for(father_last, gender)


@pytest.mark.parametrize(
    ("father", "son", "daughter"),
    [
        ("Иван", "Иванович", "Ивановна"),
        ("Никита", "Никитич", "Никитична"),
        ("Илья", "Ильич", "Ильинична"),
        ("Андрей", "Андреевич", "Андреевна"),
        ("Лев", "Львович", "Львовна"),
        ("Юрий", "Юрьевич", "Юрьевна"),
        ("Дмитрий", "Дмитриевич", "Дмитриевна"),
        ("Николай", "Николаевич", "Николаевна"),
        ("Игорь", "Игоревич", "Игоревна"),
        ("Михаил", "Михайлович", "Михайловна"),
        ("Пётр", "Петрович", "Петровна"),
        ("Кузьма", "Кузьмич", "Кузьминична"),
    ],
)
def test_a_patronymic_is_formed_from_the_fathers_name_by_gender(father: str, son: str, daughter: str) -> None:
    assert (patronymic(father, "M"), patronymic(father, "F")) == (son, daughter)


@pytest.mark.parametrize(
    ("surname", "feminine"),
    [
        ("Иванов", "Иванова"),
        ("Соловьёв", "Соловьёва"),
        ("Ильин", "Ильина"),
        ("Толстой", "Толстая"),
        ("Бельский", "Бельская"),
        ("Белых", "Белых"),
        ("Шевченко", "Шевченко"),
        ("Цой", "Цой"),
    ],
)
def test_a_female_surname_agrees_and_an_invariable_one_stays(surname: str, feminine: str) -> None:
    assert surname_for(surname, "F") == feminine
    assert surname_for(surname, "M") == surname


async def test_foreign_language_informatics_and_technology_split_each_class_into_two_subgroups(
    sessionmaker: async_sessionmaker[AsyncSession], demo: Seeded
) -> None:
    """§3.1 Group: subgroup members belong to the class; one subgroup per split; whole classes have none."""
    sid = demo.summary.school_id
    groups = await _rows(
        sessionmaker,
        select(Group.id, Group.kind, Subject.name, Group.split_key, GroupClass.class_id)
        .outerjoin(Subject, Subject.id == Group.subject_id)
        .join(GroupClass, GroupClass.group_id == Group.id)
        .where(Group.school_id == sid),
    )
    spans = await _rosters(sessionmaker, sid)
    class_of_whole = {cls: gid for gid, kind, _, _, cls in groups if kind is GroupKind.whole_class}
    splits: dict[str, list[int]] = defaultdict(list)
    for gid, kind, subject, split_key, _ in groups:
        if kind is GroupKind.subgroup:
            assert subject in SPLIT_SUBJECTS
            splits[split_key].append(gid)
    assert {s for _, kind, s, _, _ in groups if kind is GroupKind.subgroup} == SPLIT_SUBJECTS
    members = await _rows(
        sessionmaker, select(GroupMembership.group_id).where(GroupMembership.school_id == sid)
    )
    whole_ids = set(class_of_whole.values())
    assert not {g for (g,) in members} & whole_ids  # a whole class follows its enrollments
    cls_of = {gid: cls for gid, _, _, _, cls in groups}
    for halves in splits.values():
        assert len(halves) == 2
        first, second = (_on(spans[g], TODAY) for g in halves)
        roster = _on(spans[class_of_whole[cls_of[halves[0]]]], TODAY)
        assert first
        assert second
        assert not first & second
        assert first | second == roster


async def test_held_lessons_carry_cyrillic_topics_from_their_thematic_plan(
    sessionmaker: async_sessionmaker[AsyncSession], demo: Seeded
) -> None:
    """R5, R24, R32: a held lesson has a topic linked to its group's КТП; lessons ahead are planned."""
    sid = demo.summary.school_id
    lessons = await _rows(
        sessionmaker,
        select(Lesson.status, Lesson.date, Lesson.topic, ThematicPlanItem.topic, Lesson.attendance_taken_at)
        .outerjoin(ThematicPlanItem, ThematicPlanItem.id == Lesson.topic_item_id)
        .where(Lesson.school_id == sid),
    )
    held = [row for row in lessons if row[0] is LessonStatus.held]
    planned = [row for row in lessons if row[0] is LessonStatus.planned]
    assert held
    assert planned
    assert all(day < TODAY for _, day, *_ in held)
    assert all(day >= TODAY for _, day, *_ in planned)
    assert any(day == TODAY for _, day, *_ in planned)  # teachers have today's lessons
    for _, _, topic, item_topic, taken in held:
        assert topic == item_topic
        assert CYRILLIC.search(topic)
        assert taken is not None


async def test_marks_are_only_for_pupils_in_the_lesson_group_on_its_date_and_in_its_scale(
    sessionmaker: async_sessionmaker[AsyncSession], demo: Seeded
) -> None:
    """R35, R48, R64: roster on the lesson date, a value of the effective scale, none in the first form."""
    sid = demo.summary.school_id
    five_point = await _rows(
        sessionmaker,
        select(GradingScale.id).where(GradingScale.school_id.is_(None), GradingScale.code == "five_point"),
    )
    values = defaultdict(set)
    for scale_id, code in await _rows(sessionmaker, select(ScaleValue.scale_id, ScaleValue.code)):
        values[scale_id].add(code)
    marks = await _rows(
        sessionmaker,
        select(
            Mark.student_id,
            Lesson.group_id,
            Lesson.date,
            Mark.value_code,
            Subject.grading_scale_id,
            Mark.entered_by,
            Account.staff_id,
            Lesson.actual_teacher_id,
            Lesson.status,
        )
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .join(Account, Account.id == Mark.entered_by)
        .where(Mark.school_id == sid),
    )
    spans = await _rosters(sessionmaker, sid)
    assert len(marks) > 100
    for student, group, day, value, scale, _, author_staff, teacher, status in marks:
        assert status is LessonStatus.held
        assert student in _on(spans[group], day)
        assert value in values[scale or five_point[0][0]]
        assert author_staff == teacher  # entered by the lesson's teacher
    first_form = await _rows(
        sessionmaker,
        select(func.count())
        .select_from(Mark)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .join(GroupClass, GroupClass.group_id == Lesson.group_id)
        .join(SchoolClass, SchoolClass.id == GroupClass.class_id)
        .join(Parallel, Parallel.id == SchoolClass.parallel_id)
        .where(Mark.school_id == sid, Parallel.grade == 1),
    )
    assert first_form == [(0,)]
    numeric = Counter(v for _, _, _, v, *_ in marks if v.isdigit())
    assert numeric["4"] + numeric["5"] > 2 * (numeric["2"] + numeric["3"])  # mostly fours and fives


async def test_the_same_seed_makes_the_same_school_under_another_slug(
    sessionmaker: async_sessionmaker[AsyncSession], demo: Seeded
) -> None:
    twin = await _seed(sessionmaker)
    assert _school_rows(twin.summary) == _school_rows(demo.summary)
    assert [(x.role, x.password, x.name) for x in twin.summary.logins] == [
        (x.role, x.password, x.name) for x in demo.summary.logins
    ]

    async def names_and_marks(school_id: int) -> tuple[list[Any], list[Any]]:
        names = await _rows(
            sessionmaker,
            select(Student.last_name, Student.first_name, Student.patronymic, Student.birth_date)
            .where(Student.school_id == school_id)
            .order_by(Student.id),
        )
        marks = await _rows(
            sessionmaker,
            select(Mark.value_code, func.count())
            .where(Mark.school_id == school_id)
            .group_by(Mark.value_code),
        )
        return names, sorted(marks)

    assert await names_and_marks(twin.summary.school_id) == await names_and_marks(demo.summary.school_id)


def test_the_generated_school_does_not_depend_on_the_python_process() -> None:
    """Same seed, another process: set and dict ordering must not leak into the data (PYTHONHASHSEED)."""
    here = io.StringIO()
    with contextlib.redirect_stdout(here):
        exec(FINGERPRINT, {})
    other = subprocess.run(
        [sys.executable, "-c", FINGERPRINT],
        env={**os.environ, "PYTHONHASHSEED": "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert other.stdout == here.getvalue()


async def test_seeding_an_existing_slug_writes_nothing_and_still_reports_working_logins(
    sessionmaker: async_sessionmaker[AsyncSession], demo: Seeded
) -> None:
    before = await _school_counts(sessionmaker, demo.summary.school_id)

    again = await seed_demo(sessionmaker, slug=demo.slug, **SMALL)

    assert (again.school_id, again.created, again.counts) == (demo.summary.school_id, False, {})
    assert await _school_counts(sessionmaker, demo.summary.school_id) == before
    assert [x.role for x in again.logins] == ["coordinator", "head", "deputy_head", "teacher"]
    assert again.logins == demo.summary.logins
    accounts = await _rows(
        sessionmaker,
        select(Account.web_login, Account.password_hash, Account.must_change_password, Staff.positions)
        .join(Staff, Staff.id == Account.staff_id)
        .where(Account.school_id == demo.summary.school_id, Account.web_login.is_not(None)),
    )
    by_login = {login: (hashed, must_change, positions) for login, hashed, must_change, positions in accounts}
    assert sorted(by_login) == sorted(x.login for x in again.logins)
    assert not any(must_change for _, must_change, _ in by_login.values())
    coordinator = again.logins[0]
    hashed, _, positions = by_login[coordinator.login]
    assert coordinator.login == f"{demo.slug}-coordinator"
    assert "coordinator" in positions
    assert verify_password(hashed, coordinator.password)  # checked here too, not only by seed_demo


def test_the_year_around_today_has_quarters_half_years_holidays_and_days_off() -> None:
    """R10, R15, R16, R3: computed from `today`, not fixed to one year."""
    year = school_year(TODAY)
    assert (year.title, year.start, year.end) == ("2026/2027", date(2026, 9, 1), date(2027, 8, 31))
    assert [p.name for p in year.quarters] == ["1 четверть", "2 четверть", "3 четверть", "4 четверть"]
    assert [p.name for p in year.half_years] == ["1 полугодие", "2 полугодие"]
    for periods in (year.quarters, year.half_years):
        assert periods[0].start == year.start
        assert periods[-1].end == year.teaching_end
        assert all(a.end < b.start for a, b in itertools.pairwise(periods))
    kinds = {h.type: h for h in year.holidays}
    assert set(kinds) == {
        HolidayType.autumn,
        HolidayType.winter,
        HolidayType.spring,
        HolidayType.summer,
        HolidayType.extra_grade1,
    }
    assert kinds[HolidayType.extra_grade1].grades == (1,)
    assert kinds[HolidayType.extra_grade1].start.month == 2
    days_off = {d.day for d in year.days_off}
    assert {
        date(2026, 11, 4),
        date(2026, 12, 31),
        date(2027, 1, 8),
        date(2027, 2, 23),
        date(2027, 3, 8),
    } <= days_off
    assert date(2027, 5, 10) in days_off  # 9 May 2027 is a Sunday: the day off moves to Monday
    assert not year.is_school_day(date(2026, 11, 4), 5)
    assert year.is_school_day(date(2026, 11, 25), 5)
    assert not year.is_school_day(date(2027, 2, 16), 1)
    assert year.is_school_day(date(2027, 2, 16), 2)
    spring = school_year(date(2025, 3, 10))
    assert (spring.title, spring.start) == ("2024/2025", date(2024, 9, 1))


async def test_the_seeded_holidays_are_the_computed_ones(
    sessionmaker: async_sessionmaker[AsyncSession], demo: Seeded
) -> None:
    rows = await _rows(
        sessionmaker,
        select(Holiday.type, Holiday.start_date, Holiday.end_date, Holiday.grades).where(
            Holiday.school_id == demo.summary.school_id
        ),
    )
    expected = [(h.type, h.start, h.end, list(h.grades)) for h in school_year(TODAY).holidays]
    assert sorted(rows) == sorted(expected)
