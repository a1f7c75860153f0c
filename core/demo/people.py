"""Families: pupils of the right age in each class, their parents or guardians, consent decisions."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from core.demo.names import SURNAMES, Person, adult, child
from core.demo.structure import ClassPlan
from core.domain.enums import EnrollmentReason, GuardianRelation

FAMILY_SIZES, FAMILY_WEIGHTS = (1, 2, 3), (0.8, 0.16, 0.04)
# Who the legal representatives of a family are.
GUARDIAN_SETS = (("mother", "father"), ("mother",), ("father",), ("grandmother",))
GUARDIAN_WEIGHTS = (0.64, 0.27, 0.04, 0.05)
REFUSED_SHARE = 0.03  # refused electronic service: paper only (R84)
NO_MESSENGER_SHARE = 0.03  # consent to processing, but not to the messenger


@dataclass
class StudentPlan:
    key: int
    person: Person
    birth_date: date
    class_name: str
    grade: int
    from_date: date
    reason: EnrollmentReason
    ability: float  # the mean of this pupil's marks
    to_date: date | None = None
    half: int = 1


@dataclass
class GuardianPlan:
    key: int
    person: Person
    relation: GuardianRelation
    children: list[int]
    phone: str
    email: str | None
    consent: str  # "given", "no_messenger" or "refused"


def _birth_date(rng: random.Random, grade: int, year_start: date) -> date:
    # On 1 September a first-former is 6.5 to 8 years old.
    age_days = round(365.25 * (grade + 5.5 + rng.uniform(0.0, 1.45)))
    return year_start - timedelta(days=age_days)


def _phone(rng: random.Random) -> str:
    return f"+7 9{rng.randint(0, 99):02d} {rng.randint(100, 999)}-{rng.randint(0, 99):02d}-{rng.randint(0, 99):02d}"


_TRANSLIT = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
        "ё": "e",
        "ж": "zh",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sch",
        "ъ": "",
        "ь": "",
        "ю": "yu",
        "я": "ya",
    }
)


def _email(rng: random.Random, person: Person) -> str:
    login = f"{person.first_name[0]}.{person.last_name}".lower().translate(_TRANSLIT)
    return f"{login}{rng.randint(1, 99)}@example.ru"


def plan_families(
    rng: random.Random, classes: list[ClassPlan], year_start: date
) -> tuple[list[StudentPlan], list[GuardianPlan]]:
    """Fill every class with pupils grouped into families; siblings study in different grades."""
    seats = [(c, i) for c in classes for i in range(c.size)]
    rng.shuffle(seats)
    open_seats = {c.name: c.size for c in classes}
    by_grade: dict[int, list[ClassPlan]] = {}
    for c in classes:
        by_grade.setdefault(c.grade, []).append(c)
    students: list[StudentPlan] = []
    guardians: list[GuardianPlan] = []
    for cls, _ in seats:
        if open_seats[cls.name] == 0:
            continue  # already taken by a sibling
        family_classes = [cls]
        for _ in range(rng.choices(FAMILY_SIZES, FAMILY_WEIGHTS)[0] - 1):
            grades = [g for g in by_grade if g not in {c.grade for c in family_classes}]
            options = [c for g in grades for c in by_grade[g] if open_seats[c.name] > 0]
            if options:
                family_classes.append(rng.choice(options))
        for c in family_classes:
            open_seats[c.name] -= 1
        _family(rng, family_classes, year_start, students, guardians)
    return students, guardians


def _family(
    rng: random.Random,
    classes: list[ClassPlan],
    year_start: date,
    students: list[StudentPlan],
    guardians: list[GuardianPlan],
) -> None:
    surname = rng.choice(SURNAMES)
    father = adult(rng, "M", surname)
    children = []
    for cls in classes:
        gender = rng.choice("MF")
        reason = (
            EnrollmentReason.admission
            if cls.grade == 1 or rng.random() < 0.03
            else EnrollmentReason.promotion
        )
        ability = min(4.95, max(2.8, rng.gauss(4.2, 0.55)))
        plan = StudentPlan(
            key=len(students),
            person=child(rng, gender, surname, father.first_name),
            birth_date=_birth_date(rng, cls.grade, year_start),
            class_name=cls.name,
            grade=cls.grade,
            from_date=year_start,
            reason=reason,
            ability=ability,
        )
        students.append(plan)
        children.append(plan.key)
    for rep in rng.choices(GUARDIAN_SETS, GUARDIAN_WEIGHTS)[0]:
        if rep == "father":
            person, relation = father, GuardianRelation.father
        elif rep == "mother":
            person, relation = adult(rng, "F", surname), GuardianRelation.mother
        else:
            person, relation = adult(rng, "F"), GuardianRelation.guardian
        roll = rng.random()
        consent = "given"
        if roll < REFUSED_SHARE + NO_MESSENGER_SHARE:
            consent = "refused" if roll < REFUSED_SHARE else "no_messenger"
        email = _email(rng, person) if rng.random() < 0.4 else None
        guardians.append(
            GuardianPlan(len(guardians), person, relation, children, _phone(rng), email, consent)
        )


def split_halves(students: list[StudentPlan]) -> None:
    """Number each class's pupils alphabetically and put the first half into subgroup 1."""
    by_class: dict[str, list[StudentPlan]] = {}
    for s in students:
        by_class.setdefault(s.class_name, []).append(s)
    for members in by_class.values():
        members.sort(key=lambda s: (s.person.last_name, s.person.first_name, s.key))
        for i, s in enumerate(members):
            s.half = 1 if i < (len(members) + 1) // 2 else 2


def arrivals_and_leavers(rng: random.Random, students: list[StudentPlan], days: list[date]) -> None:
    """A few pupils arrive and a few leave during the past weeks, so rosters change by date (R27)."""
    if len(days) < 3:
        return
    count = max(1, round(len(students) * 0.01))
    picked = rng.sample(range(len(students)), min(len(students), 2 * count))
    for key in picked[:count]:
        s = students[key]
        s.from_date = rng.choice(days[1:-1])
        s.reason = EnrollmentReason.arrival
    for key in picked[count:]:
        students[key].to_date = rng.choice(days[1:-1])
