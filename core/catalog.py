"""Built-in grading scales and the default work-type catalogue (spec §10.1, §10.4)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import GradingScale, ScaleValue, WorkType
from core.domain.enums import ScaleKind


@dataclass(frozen=True)
class ValueSpec:
    code: str
    label: str
    numeric: Decimal | None
    passing: bool = False
    quality: bool = False
    unsatisfactory: bool = False


def _five(codes: range) -> tuple[ValueSpec, ...]:
    values = tuple(
        ValueSpec(str(v), str(v), Decimal(v), passing=v >= 3, quality=v >= 4, unsatisfactory=v <= 2)
        for v in codes
    )
    return (*values, ValueSpec("Д", "Д", None))  # «долг»: a note, never averaged (§10.1)


BUILTIN_SCALES: dict[str, tuple[str, ScaleKind, tuple[ValueSpec, ...]]] = {
    "five_point": ("Пятибалльная (1–5)", ScaleKind.numeric, _five(range(1, 6))),
    "five_point_2_5": ("Пятибалльная (2–5)", ScaleKind.numeric, _five(range(2, 6))),
    "pass_fail": (
        "Зачёт / незачёт",
        ScaleKind.pass_fail,
        (
            ValueSpec("зач", "зачёт", None, passing=True),
            ValueSpec("незач", "незачёт", None, unsatisfactory=True),
        ),
    ),
    "hundred_point": (
        "Стобалльная",
        ScaleKind.numeric,
        tuple(
            ValueSpec(str(v), str(v), Decimal(v), passing=v >= 50, quality=v >= 75, unsatisfactory=v < 50)
            for v in range(101)
        ),
    ),
    "ten_point": (
        "Десятибалльная",
        ScaleKind.numeric,
        tuple(
            ValueSpec(str(v), str(v), Decimal(v), passing=v >= 4, quality=v >= 7, unsatisfactory=v < 4)
            for v in range(1, 11)
        ),
    ),
}


@dataclass(frozen=True)
class WorkTypeSpec:
    code: str
    name: str
    short_name: str
    weight: Decimal
    deadline_rule: str
    is_written: bool = False
    is_internal_control: bool = False
    title_required: bool = False


DEFAULT_WORK_TYPES: tuple[WorkTypeSpec, ...] = (
    WorkTypeSpec("oral", "Ответ на уроке", "Отв", Decimal("1.0"), "same_day"),
    WorkTypeSpec("classwork", "Работа на уроке", "Раб", Decimal("1.0"), "same_day"),
    WorkTypeSpec("homework", "Домашняя работа", "ДЗ", Decimal("1.0"), "same_day"),
    WorkTypeSpec("independent", "Самостоятельная работа", "Сам", Decimal("1.5"), "days:7", is_written=True),
    WorkTypeSpec("quiz", "Проверочная работа", "Пр", Decimal("1.5"), "days:7", is_written=True),
    WorkTypeSpec(
        "practical",
        "Практическая / лабораторная работа",
        "Лаб",
        Decimal("1.5"),
        "days:7",
        is_written=True,
        title_required=True,
    ),
    WorkTypeSpec("dictation", "Диктант / изложение", "Дикт", Decimal("2.0"), "days:7", is_written=True),
    WorkTypeSpec("essay", "Сочинение", "Соч", Decimal("2.0"), "days:7", is_written=True),
    WorkTypeSpec(
        "control", "Контрольная работа", "К/р", Decimal("2.0"), "days:7", is_written=True, title_required=True
    ),
    WorkTypeSpec(
        "internal_control",
        "Контрольная работа ВШК",
        "ВШК",
        Decimal("2.0"),
        "days:3",
        is_written=True,
        is_internal_control=True,
        title_required=True,
    ),
    WorkTypeSpec("project", "Проект / зачёт", "Пр/з", Decimal("2.0"), "days:7"),
)


async def ensure_builtin_scales(session: AsyncSession) -> dict[str, int]:
    """Create the instance-wide built-in scales once; returns their ids by code."""
    existing = {
        s.code: s.id
        for s in await session.scalars(select(GradingScale).where(GradingScale.school_id.is_(None)))
    }
    for code, (name, kind, values) in BUILTIN_SCALES.items():
        if code in existing:
            continue
        scale = GradingScale(school_id=None, code=code, name=name, kind=kind)
        session.add(scale)
        await session.flush()
        session.add_all(
            ScaleValue(
                scale_id=scale.id,
                code=v.code,
                label=v.label,
                numeric=v.numeric,
                is_passing=v.passing,
                is_quality=v.quality,
                is_unsatisfactory=v.unsatisfactory,
                sort=i,
            )
            for i, v in enumerate(values)
        )
        existing[code] = scale.id
    await session.flush()
    return existing


def default_work_types(school_id: int) -> list[WorkType]:
    """The §10.4 catalogue as new rows for one school."""
    return [
        WorkType(
            school_id=school_id,
            code=w.code,
            name=w.name,
            short_name=w.short_name,
            weight=w.weight,
            deadline_rule=w.deadline_rule,
            is_written=w.is_written,
            is_internal_control=w.is_internal_control,
            long_check=w.deadline_rule != "same_day",
            title_required=w.title_required,
        )
        for w in DEFAULT_WORK_TYPES
    ]
