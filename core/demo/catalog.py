"""A ФООП-like curriculum for a five-day week, teacher families, and the work type of each form of control.

The built-in scales and the work-type catalogue of spec §10 come from core.catalog.
"""

from __future__ import annotations

from dataclasses import dataclass

GRADES = tuple(range(1, 12))
LETTERS = ("А", "Б", "В", "Г")
WEEKS_PER_YEAR = {1: 33}  # grade 1 studies 33 weeks, every other grade 34
MAX_LESSONS_PER_DAY = {1: 4, 2: 5, 3: 5, 4: 5, 5: 6, 6: 6}  # grades 7-11: 7 (СанПиН 1.2.3685-21)


# The work type of a lesson whose КТП item has this form of control.
WORK_TYPE_BY_FORM = {
    "контрольная работа": "control",
    "контрольная работа ВШК": "internal_control",
    "диктант": "dictation",
    "изложение": "dictation",
    "сочинение": "essay",
    "проверочная работа": "quiz",
    "практическая работа": "practical",
    "лабораторная работа": "practical",
    "зачёт": "project",
}


@dataclass(frozen=True)
class SubjectSpec:
    key: str
    name: str
    short_name: str
    hours: tuple[int, ...]  # per week, grades 1..11
    family: str  # which teachers teach it in grades 5-11 (and specialists in 1-4)
    split_from: int | None = None  # grades from which classes split into two subgroups
    scale: str | None = None  # a subject-level scale override

    def hours_in(self, grade: int) -> int:
        return self.hours[grade - 1]

    def is_split(self, grade: int) -> bool:
        return self.split_from is not None and grade >= self.split_from


def _h(*hours: int) -> tuple[int, ...]:
    return hours + (0,) * (11 - len(hours))


SUBJECTS = (
    SubjectSpec("russian", "Русский язык", "Рус. яз.", _h(5, 5, 5, 5, 5, 6, 4, 3, 3, 2, 2), "russian"),
    SubjectSpec("reading", "Литературное чтение", "Лит. чт.", _h(4, 4, 4, 3), "primary"),
    SubjectSpec("literature", "Литература", "Лит-ра", _h(0, 0, 0, 0, 3, 3, 2, 2, 3, 3, 3), "russian"),
    SubjectSpec(
        "english",
        "Иностранный язык (английский)",
        "Англ. яз.",
        _h(0, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3),
        "english",
        2,
    ),
    SubjectSpec("math", "Математика", "Матем.", _h(4, 4, 4, 4, 5, 5), "math"),
    SubjectSpec("algebra", "Алгебра", "Алгебра", _h(0, 0, 0, 0, 0, 0, 3, 3, 3), "math"),
    SubjectSpec(
        "calculus", "Алгебра и начала математического анализа", "Алгебра и НМА", _h(*(0,) * 9, 3, 3), "math"
    ),
    SubjectSpec("geometry", "Геометрия", "Геом.", _h(0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2), "math"),
    SubjectSpec("statistics", "Вероятность и статистика", "ВиС", _h(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1), "math"),
    SubjectSpec(
        "informatics", "Информатика", "Информ.", _h(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1), "informatics", 7
    ),
    SubjectSpec("world", "Окружающий мир", "Окр. мир", _h(2, 2, 2, 2), "primary"),
    SubjectSpec(
        "orkse",
        "Основы религиозных культур и светской этики",
        "ОРКСЭ",
        _h(0, 0, 0, 1),
        "primary",
        scale="pass_fail",
    ),
    SubjectSpec(
        "odnknr",
        "Основы духовно-нравственной культуры народов России",
        "ОДНКНР",
        _h(0, 0, 0, 0, 1, 1),
        "history",
    ),
    SubjectSpec("history", "История", "История", _h(0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2), "history"),
    SubjectSpec("social", "Обществознание", "Общество", _h(0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2), "history"),
    SubjectSpec("geography", "География", "Геогр.", _h(0, 0, 0, 0, 1, 1, 2, 2, 2, 1, 1), "geography"),
    SubjectSpec("biology", "Биология", "Биол.", _h(0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 1), "biology"),
    SubjectSpec("physics", "Физика", "Физ.", _h(0, 0, 0, 0, 0, 0, 2, 2, 3, 2, 2), "physics"),
    SubjectSpec("chemistry", "Химия", "Хим.", _h(0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 1), "chemistry"),
    SubjectSpec("music", "Музыка", "Муз.", _h(1, 1, 1, 1, 1, 1, 1, 1), "music"),
    SubjectSpec("art", "Изобразительное искусство", "ИЗО", _h(1, 1, 1, 1, 1, 1, 1), "art"),
    SubjectSpec("craft", "Труд (технология)", "Труд", _h(1, 1, 1, 1, 2, 2, 2, 1, 1), "technology", 5),
    SubjectSpec("pe", "Физическая культура", "Физ-ра", _h(2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2), "pe"),
    SubjectSpec(
        "obzr", "Основы безопасности и защиты Родины", "ОБЗР", _h(0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1), "obzr"
    ),
    SubjectSpec("project", "Индивидуальный проект", "Инд. проект", _h(*(0,) * 9, 1), "history"),
)
SUBJECTS_BY_KEY = {s.key: s for s in SUBJECTS}

# In grades 1-4 the class teacher teaches everything except these specialist subjects.
PRIMARY_SPECIALIST_FAMILIES = frozenset({"english", "music", "pe"})


def family_of(subject: SubjectSpec, grade: int) -> str:
    """Who teaches a subject in a grade: a family of subject teachers, or the class's primary teacher."""
    if grade <= 4 and subject.family not in PRIMARY_SPECIALIST_FAMILIES:
        return "primary"
    return subject.family


def curriculum(grade: int) -> list[tuple[SubjectSpec, int]]:
    """The subjects of a grade with their weekly hours, in catalogue order."""
    return [(s, s.hours_in(grade)) for s in SUBJECTS if s.hours_in(grade)]


def weeks_in(grade: int) -> int:
    return WEEKS_PER_YEAR.get(grade, 34)


def max_lessons_per_day(grade: int) -> int:
    return MAX_LESSONS_PER_DAY.get(grade, 7)


@dataclass(frozen=True)
class FamilySpec:
    """A kind of subject teacher: title of their room, share of men, and load limit in hours a week."""

    room: str
    male_share: float
    load: int = 24


FAMILIES = {
    "primary": FamilySpec("Кабинет начальных классов", 0.03, 30),
    "russian": FamilySpec("Кабинет русского языка и литературы", 0.05),
    "math": FamilySpec("Кабинет математики", 0.25),
    "english": FamilySpec("Кабинет английского языка", 0.1),
    "informatics": FamilySpec("Кабинет информатики", 0.5),
    "history": FamilySpec("Кабинет истории и обществознания", 0.3),
    "geography": FamilySpec("Кабинет географии", 0.3),
    "biology": FamilySpec("Кабинет биологии", 0.15),
    "physics": FamilySpec("Кабинет физики", 0.45),
    "chemistry": FamilySpec("Кабинет химии", 0.2),
    "music": FamilySpec("Кабинет музыки", 0.2, 30),
    "art": FamilySpec("Кабинет изобразительного искусства", 0.2, 30),
    "technology": FamilySpec("Мастерская технологии", 0.5),
    "pe": FamilySpec("Спортивный зал", 0.5),
    "obzr": FamilySpec("Кабинет ОБЗР", 0.85),
}
