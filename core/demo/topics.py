"""A year's КТП for a subject and grade: ordered topics with control, practical and laboratory works."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import cycle

from core.demo.topics_data import TOPICS

CYRILLIC = re.compile("[А-Яа-яЁё]")

# The forms of control a subject closes its sections with, in rotation (grade 1 has none: R64).
_SECTION_CONTROL = {
    "russian": ("диктант", "контрольная работа"),
    "reading": ("проверочная работа",),
    "literature": ("сочинение", "проверочная работа"),
    "english": ("контрольная работа", "проверочная работа"),
    "math": ("контрольная работа",),
    "algebra": ("контрольная работа",),
    "calculus": ("контрольная работа",),
    "geometry": ("контрольная работа",),
    "statistics": ("проверочная работа", "контрольная работа"),
    "informatics": ("проверочная работа", "контрольная работа"),
    "world": ("проверочная работа",),
    "history": ("проверочная работа",),
    "social": ("проверочная работа",),
    "geography": ("проверочная работа",),
    "biology": ("проверочная работа",),
    "physics": ("контрольная работа",),
    "chemistry": ("контрольная работа",),
    "pe": ("зачёт",),
}
# Subjects with the administration's internal-control (ВШК) tests: entry test and half-year test.
_INTERNAL_CONTROL = frozenset({"russian", "math", "algebra", "calculus"})
_CONTROL_TITLE = {
    "диктант": "Контрольный диктант",
    "контрольная работа": "Контрольная работа",
    "проверочная работа": "Проверочная работа",
    "сочинение": "Сочинение",
    "зачёт": "Зачёт",
}
_PRACTICE = {
    "ЛР ": ("лабораторная работа", "Лабораторная работа"),
    "ПР ": ("практическая работа", "Практическая работа"),
}
_REPEAT = {
    **dict.fromkeys(
        ("math", "algebra", "calculus", "geometry", "physics", "chemistry"),
        ("решение задач", "закрепление", "практикум", "обобщение"),
    ),
    "pe": ("совершенствование техники", "учебная игра", "контрольные упражнения"),
}
_DEFAULT_REPEAT = ("продолжение", "закрепление", "практикум", "обобщение")


@dataclass(frozen=True)
class TopicSpec:
    topic: str
    control_form: str | None = None
    is_control_work: bool = False


def _about(section: str) -> str:
    # Avoid «…«…»…» when the section already names a work in quotes.
    return f": {section}" if "«" in section else f" по теме «{section}»"


def _sections(subject: str, grade: int) -> list[tuple[str, list[str]]]:
    text = TOPICS.get(subject, {}).get(grade, "")
    sections = []
    for line in text.strip().splitlines():
        head, _, tail = line.partition(": ")
        sections.append((head.strip(), [s.strip() for s in tail.split(";") if s.strip()]))
    return sections or [("Повторение изученного", ["обобщение материала"])]


def _subtopic(section: str, sub: str) -> TopicSpec:
    for prefix, (form, title) in _PRACTICE.items():
        if sub.startswith(prefix):
            return TopicSpec(f"{title} «{sub.removeprefix(prefix)}»", form)
    return TopicSpec(f"{section}: {sub}")


def _control(form: str, section: str) -> TopicSpec:
    return TopicSpec(f"{_CONTROL_TITLE[form]}{_about(section)}", form, form != "зачёт")


def _repeat(names: tuple[str, ...], k: int) -> str:
    return names[k] if k < len(names) else f"урок {k + 2}"


def _fit(items: list[TopicSpec], size: int, repeats: tuple[str, ...]) -> list[TopicSpec]:
    """Stretch the list to `size` lessons by repeating plain topics, or thin it out evenly."""
    if len(items) >= size:
        return [items[i * len(items) // size] for i in range(size)]
    plain = [i for i, item in enumerate(items) if item.control_form is None] or list(range(len(items)))
    extra = size - len(items)
    more = {idx: extra * (k + 1) // len(plain) - extra * k // len(plain) for k, idx in enumerate(plain)}
    result: list[TopicSpec] = []
    for i, item in enumerate(items):
        result.append(item)
        result.extend(TopicSpec(f"{item.topic} ({_repeat(repeats, k)})") for k in range(more.get(i, 0)))
    return result


def year_plan(subject: str, grade: int, lessons: int, graded: bool = True) -> list[TopicSpec]:
    """Exactly `lessons` ordered topics for a year of `subject` in `grade`; every topic has Cyrillic."""
    forms = cycle(_SECTION_CONTROL.get(subject, ())) if graded else None
    core: list[TopicSpec] = []
    for section, subs in _sections(subject, grade):
        core.extend(_subtopic(section, sub) for sub in subs)
        if forms is not None and subject in _SECTION_CONTROL:
            core.append(_control(next(forms), section))
    internal = graded and grade >= 2 and subject in _INTERNAL_CONTROL
    has_final = graded and subject in _SECTION_CONTROL and subject != "pe"
    sections = [section for section, _ in _sections(subject, grade)]
    tail = [
        TopicSpec(f"Итоговое повторение: {sections[i % len(sections)].lower()}")
        for i in range(max(1, lessons // 25))
    ]
    if has_final:
        tail.append(TopicSpec("Итоговая контрольная работа", "контрольная работа", True))
    body = _fit(core, max(1, lessons - len(tail) - 2 * internal), _REPEAT.get(subject, _DEFAULT_REPEAT))
    if internal:
        body.insert(
            min(2, len(body)), TopicSpec("Входная контрольная работа", "контрольная работа ВШК", True)
        )
        half = TopicSpec("Административная контрольная работа за I полугодие", "контрольная работа ВШК", True)
        body.insert(len(body) // 2, half)
    plan = (body + tail)[:lessons]
    assert all(CYRILLIC.search(item.topic) for item in plan)
    return plan
