"""Activity figures: bound and active shares of teachers, form tutors, parents and students (R123)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Acknowledgement, DiaryView, TelegramBinding
from core.domain.enums import DiarySection
from core.domain.errors import Forbidden
from core.reports.activity import Audience, activity_figures
from core.usecases.context import execute
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.read_side.journal_rows import add_mark

ON = date(2025, 10, 20)


def _view(b: SpecSchool, who: str, child: str, day: date) -> DiaryView:
    return DiaryView(
        school_id=b.school_id,
        viewer_account_id=b.account_ids[who],
        student_id=b.student_ids[child],
        section=DiarySection.marks,
        channel="bot",
        viewed_at=msk(day.year, day.month, day.day, 19),
    )


async def test_shares_count_live_bindings_and_any_trace_in_the_last_30_days(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R123: bound T, K, P, S (PB revoked); T entered a mark, K acknowledged, P viewed; PY's view is too old."""
    b = await build_spec_school(sessionmaker)
    for who in ("T", "K", "P", "S", "PB"):
        await b.bind(who)
    await add_mark(b, b.lesson_l, "S", "5")  # entered by T on 08.10
    async with sessionmaker() as s:
        await s.execute(
            update(TelegramBinding)
            .where(TelegramBinding.account_id == b.account_ids["PB"])
            .values(revoked_at=msk(2025, 10, 1))
        )
        s.add(_view(b, "P", "S", date(2025, 10, 15)))
        s.add(_view(b, "PY", "Y", date(2025, 9, 19)))  # 31 days before ON: outside the window
        s.add(
            Acknowledgement(
                school_id=b.school_id,
                item_ref="mark:1",
                account_id=b.account_ids["K"],
                acknowledged_at=msk(2025, 10, 10),
            )
        )
        await s.commit()

    figures = await execute(sessionmaker, b.actor("head", at=msk(2025, 10, 20, 12)), activity_figures, on=ON)

    def shares(audience: Audience) -> tuple[int, int, Decimal | None, int, Decimal | None]:
        a = figures.of(audience)
        return (a.people, a.bound, a.bound_pct, a.active, a.active_pct)

    assert shares(Audience.teachers) == (5, 2, Decimal("40.0"), 2, Decimal("40.0"))
    assert shares(Audience.form_tutors) == (2, 1, Decimal("50.0"), 1, Decimal("50.0"))
    assert shares(Audience.parents) == (3, 1, Decimal("33.3"), 1, Decimal("33.3"))
    assert shares(Audience.students) == (7, 1, Decimal("14.3"), 0, Decimal("0.0"))
    assert figures.window_days == 30


@pytest.mark.parametrize("who", ["T", "K", "P"])
async def test_only_the_administration_sees_activity_figures(
    sessionmaker: async_sessionmaker[AsyncSession], who: str
) -> None:
    """R123, §6.8: a teacher, a form tutor or a parent is refused."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden) as refused:
        await execute(sessionmaker, b.actor(who), activity_figures, on=ON)
    assert refused.value.rule == "R123"
