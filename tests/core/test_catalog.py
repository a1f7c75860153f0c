"""The built-in grading scales and work types of spec §10."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.catalog import DEFAULT_WORK_TYPES, ensure_builtin_scales
from core.db.models import ScaleValue


async def test_the_builtin_scales_of_section_10_exist_once_with_their_passing_and_quality_sets(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R35, R77: five-point (with the «Д» note), 2–5, pass/fail, ten- and hundred-point; a second call adds nothing."""
    async with sessionmaker() as session:
        first = await ensure_builtin_scales(session)
        again = await ensure_builtin_scales(session)
        hundred = {
            v.code: v
            for v in await session.scalars(
                select(ScaleValue).where(ScaleValue.scale_id == first["hundred_point"])
            )
        }
        five = {
            v.code: v
            for v in await session.scalars(
                select(ScaleValue).where(ScaleValue.scale_id == first["five_point"])
            )
        }
        await session.commit()
    assert first == again
    assert {"five_point", "five_point_2_5", "pass_fail", "ten_point", "hundred_point"} <= set(first)
    assert len(hundred) == 101
    assert (hundred["49"].is_passing, hundred["50"].is_passing, hundred["75"].is_quality) == (
        False,
        True,
        True,
    )
    assert five["Д"].numeric is None
    assert (five["3"].is_passing, five["3"].is_quality, five["2"].is_unsatisfactory) == (True, False, True)
    assert five["5"].numeric == Decimal(5)


def test_the_default_work_types_carry_the_section_10_weights_and_deadlines() -> None:
    """R34, R74: control works weigh 2.0 with 7 days, internal-control tests 3 days, classwork 1.0 same day."""
    by_code = {w.code: w for w in DEFAULT_WORK_TYPES}
    assert (by_code["control"].weight, by_code["control"].deadline_rule) == (Decimal("2.0"), "days:7")
    assert by_code["internal_control"].deadline_rule == "days:3"
    assert by_code["internal_control"].is_internal_control
    assert (by_code["classwork"].weight, by_code["classwork"].deadline_rule) == (Decimal("1.0"), "same_day")
    assert len(by_code) == 11
