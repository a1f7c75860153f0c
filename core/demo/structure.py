"""The shape of the demo school: classes, teachers with their load, rooms, groups and weekly lesson units."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from core.demo.catalog import FAMILIES, GRADES, LETTERS, SUBJECTS_BY_KEY, SubjectSpec, curriculum, family_of
from core.demo.names import Person, adult
from core.demo.timetable import Part, Unit

CLASS_SIZE = 26


@dataclass(frozen=True)
class ClassPlan:
    name: str
    grade: int
    letter: str
    size: int


@dataclass
class TeacherPlan:
    key: str
    person: Person
    family: str
    room: str
    positions: list[str] = field(default_factory=lambda: ["teacher"])
    hours: int = 0


@dataclass(frozen=True)
class RoomPlan:
    key: str
    building: str  # "main" or "primary"
    number: str
    name: str
    capacity: int


@dataclass(frozen=True)
class GroupPlan:
    name: str
    class_name: str
    subject: str | None = None  # None: the whole class
    half: int | None = None

    @property
    def split_key(self) -> str | None:
        if self.subject is None:
            return None
        return f"{self.class_name} {SUBJECTS_BY_KEY[self.subject].short_name.lower()}"


@dataclass
class SchoolPlan:
    classes: list[ClassPlan]
    teachers: dict[str, TeacherPlan]
    rooms: dict[str, RoomPlan]
    groups: dict[str, GroupPlan]
    units: list[Unit]
    form_tutors: dict[str, str]  # class name -> teacher key
    # (group name, subject key) -> (teacher key, hours per week)
    teaching: dict[tuple[str, str], tuple[str, int]]


def plan_classes(rng: random.Random, students: int) -> list[ClassPlan]:
    """About `students` pupils over grades 1-11, 2-4 classes per grade; fewer in the senior grades."""
    weights = [rng.uniform(0.92, 1.08) * (0.6 if g >= 10 else 1.0) for g in GRADES]
    raw = [students * w / sum(weights) for w in weights]
    counts = [math.floor(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: counts[i] - raw[i])[: students - sum(counts)]:
        counts[i] += 1
    classes = []
    for grade, count in zip(GRADES, counts, strict=True):
        n = min(4, max(2, round(count / CLASS_SIZE)))
        sizes = [count // n + (i < count % n) for i in range(n)]
        classes += [ClassPlan(f"{grade}{LETTERS[i]}", grade, LETTERS[i], sizes[i]) for i in range(n)]
    return classes


def _groups_of(cls: ClassPlan) -> dict[str, GroupPlan]:
    groups = {cls.name: GroupPlan(cls.name, cls.name)}
    for subject, _ in curriculum(cls.grade):
        if subject.is_split(cls.grade):
            for half in (1, 2):
                name = f"{cls.name} {subject.short_name.lower()} ({half} гр.)"
                groups[name] = GroupPlan(name, cls.name, subject.key, half)
    return groups


def _group_name(cls: ClassPlan, subject: SubjectSpec, half: int | None) -> str:
    return cls.name if half is None else f"{cls.name} {subject.short_name.lower()} ({half} гр.)"


@dataclass(frozen=True)
class _Chunk:
    """A teacher-sized piece of load: one family's subjects in one class (or one half of it)."""

    class_name: str
    half: int | None
    lines: tuple[tuple[SubjectSpec, int], ...]

    @property
    def hours(self) -> int:
        return sum(h for _, h in self.lines)


def _chunks(classes: list[ClassPlan]) -> dict[str, list[_Chunk]]:
    by_family: dict[str, list[_Chunk]] = defaultdict(list)
    for cls in classes:
        whole: dict[str, list[tuple[SubjectSpec, int]]] = defaultdict(list)
        for subject, hours in curriculum(cls.grade):
            family = family_of(subject, cls.grade)
            if subject.is_split(cls.grade):
                by_family[family] += [_Chunk(cls.name, half, ((subject, hours),)) for half in (1, 2)]
            else:
                whole[family].append((subject, hours))
        for family, lines in whole.items():
            by_family[family].append(_Chunk(cls.name, None, tuple(lines)))
    return by_family


def _fill(chunks: list[_Chunk], teachers: int) -> list[list[_Chunk]]:
    """Cut an ordered list of chunks into `teachers` consecutive runs of similar load."""
    target = sum(c.hours for c in chunks) / teachers
    runs: list[list[_Chunk]] = [[]]
    load = 0
    for chunk in chunks:
        if runs[-1] and load + chunk.hours / 2 > target and len(runs) < teachers:
            runs.append([])
            load = 0
        runs[-1].append(chunk)
        load += chunk.hours
    return runs


def _split_runs(family: str, chunks: list[_Chunk]) -> list[list[_Chunk]]:
    if family == "primary":  # one class teacher per primary class
        return [[c] for c in chunks]
    limit = FAMILIES[family].load
    if any(c.half for c in chunks):
        # Both halves of a class meet at the same time, so first halves and second halves get
        # separate pools of teachers.
        pools = [[c for c in chunks if c.half != 2], [c for c in chunks if c.half == 2]]
        runs = []
        for pool in pools:
            runs += _fill(pool, max(1, math.ceil(sum(c.hours for c in pool) / limit)))
        return runs
    return _fill(chunks, max(1, math.ceil(sum(c.hours for c in chunks) / limit)))


def _rooms_for(family: str, count: int, start: int) -> list[RoomPlan]:
    spec = FAMILIES[family]
    rooms = []
    for i in range(count):
        if family == "pe":
            name = (
                ("Большой спортивный зал", "Малый спортивный зал")[i]
                if i < 2
                else f"Спортивный зал № {i + 1}"
            )
            rooms.append(RoomPlan(f"{family}-{i}", "main", f"СЗ-{i + 1}", name, 60))
            continue
        building = "primary" if family == "primary" else "main"
        n = start + i
        number = f"{1 + n // 12}{n % 12 + 1:02d}"
        name = spec.room if count == 1 or family == "primary" else f"{spec.room} № {i + 1}"
        small = family in {"english", "informatics", "technology"}
        rooms.append(RoomPlan(f"{family}-{i}", building, number, name, 15 if small else 30))
    return rooms


def _male(rng: random.Random, family: str, pool: int) -> bool:
    if family == "technology":  # the traditional split: the first halves work in the wood workshop
        return pool == 0
    return rng.random() < FAMILIES[family].male_share


def plan_school(rng: random.Random, students: int) -> SchoolPlan:
    """Classes, groups, teachers with their load, rooms, and every weekly lesson unit."""
    classes = plan_classes(rng, students)
    by_name = {c.name: c for c in classes}
    groups: dict[str, GroupPlan] = {}
    for cls in classes:
        groups.update(_groups_of(cls))
    teachers: dict[str, TeacherPlan] = {}
    rooms: dict[str, RoomPlan] = {}
    teaching: dict[tuple[str, str], tuple[str, int]] = {}
    main_rooms = 0
    for family, chunks in sorted(_chunks(classes).items(), key=lambda kv: list(FAMILIES).index(kv[0])):
        runs = _split_runs(family, chunks)
        family_rooms = _rooms_for(family, len(runs), 0 if family == "primary" else main_rooms)
        if family != "primary" and family != "pe":
            main_rooms += len(runs)
        for run, room in zip(runs, family_rooms, strict=True):
            pool = 1 if run and run[0].half == 2 else 0
            key = f"t{len(teachers) + 1:03d}"
            person = adult(rng, "M" if _male(rng, family, pool) else "F")
            teacher = TeacherPlan(key, person, family, room.key)
            teachers[key] = teacher
            rooms[room.key] = room
            for chunk in run:
                cls = by_name[chunk.class_name]
                for subject, hours in chunk.lines:
                    teaching[(_group_name(cls, subject, chunk.half), subject.key)] = (key, hours)
                    teacher.hours += hours
    return SchoolPlan(
        classes=classes,
        teachers=teachers,
        rooms=rooms,
        groups=groups,
        units=_units(classes, teachers, teaching),
        form_tutors=_form_tutors(classes, teachers, teaching),
        teaching=teaching,
    )


def _units(
    classes: list[ClassPlan],
    teachers: dict[str, TeacherPlan],
    teaching: dict[tuple[str, str], tuple[str, int]],
) -> list[Unit]:
    units = []
    for cls in classes:
        for subject, hours in curriculum(cls.grade):
            halves = (1, 2) if subject.is_split(cls.grade) else (None,)
            parts = []
            for half in halves:
                group = _group_name(cls, subject, half)
                teacher = teaching[(group, subject.key)][0]
                parts.append(Part(group, teacher, teachers[teacher].room))
            units += [Unit(cls.name, subject.key, tuple(parts))] * hours
    return units


def _form_tutors(
    classes: list[ClassPlan],
    teachers: dict[str, TeacherPlan],
    teaching: dict[tuple[str, str], tuple[str, int]],
) -> dict[str, str]:
    """Primary classes: their class teacher. Others: the free teacher with most hours in the class."""
    hours_in: dict[tuple[str, str], int] = defaultdict(int)
    for (group, _), (teacher, hours) in teaching.items():
        hours_in[(group.split(" ")[0], teacher)] += hours
    tutors: dict[str, str] = {}
    taken: set[str] = set()
    for cls in classes:
        mine = [t for (c, t) in hours_in if c == cls.name and t not in taken]
        if cls.grade <= 4:
            mine = [t for t in mine if teachers[t].family == "primary"]
        if not mine:  # more classes than teachers: someone tutors two
            mine = [t for t in teachers if teachers[t].family != "primary" and t not in taken] or list(
                teachers
            )
        tutor = max(mine, key=lambda t: (hours_in.get((cls.name, t), 0), -int(t[1:])))
        tutors[cls.name] = tutor
        taken.add(tutor)
    return tutors
