"""Homework as teachers write it: paragraphs, pages and exercise numbers that move on through the year."""

from __future__ import annotations

import random

from core.demo.topics import TopicSpec

# (text, pages, tasks); {par} paragraph, {page}/{page2} pages, {n}/{n2}/{n3} exercise numbers.
_TEMPLATES: dict[str, tuple[tuple[str, str | None, str | None], ...]] = {
    "russian": (
        ("Упр. {n}, {n2}; выучить правило на с. {page}", "с. {page}", "упр. {n}, {n2}"),
        ("§ {par}, упр. {n} (письменно)", "с. {page}–{page2}", "упр. {n}"),
        ("Выписать из текста упр. {n} слова с изученной орфограммой", "с. {page}", "упр. {n}"),
    ),
    "reading": (
        ("Выразительное чтение, с. {page}–{page2}", "с. {page}–{page2}", None),
        ("Прочитать с. {page}–{page2}, ответить на вопросы", "с. {page}–{page2}", "вопросы 1–3"),
    ),
    "literature": (
        (
            "Прочитать с. {page}–{page2}, ответить на вопросы 1–4 после текста",
            "с. {page}–{page2}",
            "вопросы 1–4",
        ),
        ("Выучить наизусть отрывок (с. {page})", "с. {page}", None),
        ("Письменно ответить на вопрос {q} на с. {page}", "с. {page}", "вопрос {q}"),
    ),
    "english": (
        ("Учебник с. {page}, упр. {a}, {b}; рабочая тетрадь с. {wb}", "с. {page}", "упр. {a}, {b}"),
        ("Выучить слова на с. {page}; упр. {a} письменно", "с. {page}", "упр. {a}"),
        ("Рабочая тетрадь с. {wb}, упр. {a}–{b}", "с. {wb}", "упр. {a}–{b}"),
    ),
    "math": (
        ("П. {par}, № {n}, {n2}, {n3}", None, "№ {n}, {n2}, {n3}"),
        ("С. {page}, № {n}, {n2}", "с. {page}", "№ {n}, {n2}"),
    ),
    "geometry": (
        ("П. {par}, выучить теорему; № {n}, {n2}", None, "№ {n}, {n2}"),
        ("П. {par}, вопросы 1–5; № {n}", None, "№ {n}"),
    ),
    "physics": (
        ("§ {par}, упр. {ex} (1–3)", None, "упр. {ex}"),
        ("§ {par}, ответить на вопросы после параграфа", None, None),
    ),
    "chemistry": (("§ {par}, задания 1–4 после параграфа", None, "задания 1–4"),),
    "informatics": (
        ("§ {par}, вопросы 1–5; задание {a} в тетради", None, "задание {a}"),
        ("§ {par}, решить задачу {a} на компьютере", None, "задача {a}"),
    ),
    "world": (
        ("Учебник с. {page}–{page2}, рабочая тетрадь с. {wb}", "с. {page}–{page2}", None),
        ("Прочитать с. {page}–{page2}, ответить на вопросы «Проверь себя»", "с. {page}–{page2}", None),
    ),
    "social_science": (
        ("§ {par}, ответить на вопросы после параграфа", None, "вопросы 1–5"),
        ("§ {par}, заполнить таблицу в тетради", None, None),
        ("§ {par}, подготовить сообщение по теме урока", None, None),
    ),
    "music": (("Выучить слова песни; послушать произведение, разобранное на уроке", None, None),),
    "art": (("Принести материалы для работы: гуашь, кисти, альбом", None, None),),
    "craft": (("Подготовить материалы к практической работе", None, None),),
    "pe": (("Комплекс утренней гимнастики, 10 минут ежедневно", None, None),),
    "project": (("Подготовить план проекта и список источников", None, None),),
}
_REPORTED = frozenset({"практическая работа", "лабораторная работа"})
_KIND = {
    "algebra": "math",
    "calculus": "math",
    "statistics": "math",
    **dict.fromkeys(
        ("history", "social", "geography", "biology", "obzr", "odnknr", "orkse"), "social_science"
    ),
}


def homework_for(
    rng: random.Random, subject: str, grade: int, ordinal: int, item: TopicSpec | None
) -> tuple[str, str | None, str | None, int]:
    """(text, pages, tasks, estimated minutes) for the `ordinal`-th lesson of the year."""
    templates = _TEMPLATES.get(_KIND.get(subject, subject), _TEMPLATES["social_science"])
    text, pages, tasks = rng.choice(templates)
    n = 10 + 3 * ordinal + rng.randint(0, 2)
    page = 4 + 2 * ordinal + rng.randint(0, 1)
    values = {
        "par": 1 + ordinal // 2,
        "page": page,
        "page2": page + rng.randint(1, 4),
        "n": n,
        "n2": n + rng.randint(1, 3),
        "n3": n + rng.randint(4, 6),
        "a": rng.randint(1, 5),
        "b": rng.randint(6, 9),
        "wb": 2 + ordinal + rng.randint(0, 1),
        "ex": 1 + ordinal // 2,
        "q": rng.randint(1, 6),
    }
    if item is not None and item.control_form in _REPORTED:
        text, pages, tasks = "Оформить отчёт о работе и сделать выводы", None, None
    minutes = rng.randint(10, 25) if grade <= 4 else rng.randint(15, 45)
    return (
        text.format(**values),
        pages.format(**values) if pages else None,
        tasks.format(**values) if tasks else None,
        minutes,
    )
