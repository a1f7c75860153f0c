"""The effective grading scale (R35): the subject's override, then the parallel's, then the school default."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import GradingScale, Parallel, ScaleValue, SchoolClass, Subject
from core.domain.errors import InvalidInput
from core.policy.settings import SchoolPolicy

BUILTIN_DEFAULT_SCALE = "five_point"


async def default_scale_id(session: AsyncSession, school_id: int, policy: SchoolPolicy) -> int:
    """The school's default scale (its own scale of that code wins over a built-in one)."""
    for code in dict.fromkeys((policy.default_grading_scale, BUILTIN_DEFAULT_SCALE)):
        scale_id = await session.scalar(
            select(GradingScale.id)
            .where(
                GradingScale.code == code,
                or_(GradingScale.school_id == school_id, GradingScale.school_id.is_(None)),
            )
            .order_by(GradingScale.school_id.is_(None))
            .limit(1)
        )
        if scale_id is not None:
            return scale_id
    raise InvalidInput(
        "the default grading scale does not exist", rule="R35", scale=policy.default_grading_scale
    )


async def scale_for(
    session: AsyncSession,
    policy: SchoolPolicy,
    *,
    subject_id: int,
    class_id: int | None = None,
    grade: int | None = None,
) -> int:
    """The scale marks of `subject_id` use in a class (or a parallel given by its grade)."""
    subject = await session.get(Subject, subject_id)
    if subject is None:
        raise InvalidInput("unknown subject", rule="R35", subject_id=subject_id)
    if subject.grading_scale_id is not None:
        return subject.grading_scale_id
    parallel = select(Parallel.grading_scale_id).where(Parallel.school_id == subject.school_id)
    if class_id is not None:
        parallel = parallel.join(SchoolClass, SchoolClass.parallel_id == Parallel.id).where(
            SchoolClass.id == class_id
        )
    elif grade is not None:
        parallel = parallel.where(Parallel.grade == grade)
    else:
        parallel = None  # type: ignore[assignment]
    if parallel is not None:
        parallel_scale = await session.scalar(parallel)
        if parallel_scale is not None:
            return parallel_scale
    return await default_scale_id(session, subject.school_id, policy)


async def numeric_values(session: AsyncSession, scale_id: int) -> dict[str, Decimal]:
    """The scale's values that carry a number (notes like «Д» have none)."""
    rows = await session.execute(
        select(ScaleValue.code, ScaleValue.numeric).where(
            ScaleValue.scale_id == scale_id, ScaleValue.numeric.is_not(None)
        )
    )
    return {code: Decimal(numeric) for code, numeric in rows}
