"""The edit window of current marks (R49–R51), year close (R57), admin edits (R56) and policy changes (R49)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain.enums import AuditAction
from core.domain.errors import Forbidden, InvalidInput, Locked, OutsideEditWindow
from core.policy.settings import SchoolPolicy
from core.usecases.context import Ctx, execute
from core.usecases.settings.policy import change_school_policy
from tests.builders import build_spec_school, msk
from tests.core.locks.helpers import add_mark, audit_events, change_mark, mark_value

SM = async_sessionmaker[AsyncSession]


@pytest.mark.parametrize(
    ("window", "allowed", "refused"),
    [
        ("1w", msk(2025, 10, 15, 23, 59), msk(2025, 10, 16, 0, 0)),
        ("2w", msk(2025, 10, 22, 23, 59), msk(2025, 10, 23, 0, 0)),
        ("3w", msk(2025, 10, 29, 23, 59), msk(2025, 10, 30, 0, 0)),
    ],
)
async def test_mark_change_is_allowed_until_the_end_of_the_windows_last_day(
    sessionmaker: SM, window: str, allowed: datetime, refused: datetime
) -> None:
    """R49, R50, C46: T changes L's mark on the window's last day; one minute later it is refused."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(edit_window=window)
    mark_id = await add_mark(b, b.lesson_l, "S", "3")
    with pytest.raises(OutsideEditWindow) as refusal:
        await change_mark(b, "T", refused, mark_id, "4")
    assert refusal.value.rule == "R50"
    assert refusal.value.limit < refused
    assert await mark_value(b, mark_id) == "3"
    assert await change_mark(b, "T", allowed, mark_id, "4") is None
    assert await mark_value(b, mark_id) == "4"


async def test_one_month_window_adds_a_calendar_month_clamped_to_the_last_day(sessionmaker: SM) -> None:
    """R51, C47: 1m from 15.10 ends 15.11; from 31.01.2026 it ends 28.02.2026."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(edit_window="1m")
    october = await b.add_lesson(date(2025, 10, 15))
    january = await b.add_lesson(date(2026, 1, 30), slot=1)
    jan31 = await b.add_lesson(date(2026, 1, 31), slot=2)
    m1 = await add_mark(b, october, "S", at=msk(2025, 10, 15))
    m2 = await add_mark(b, jan31, "S", at=msk(2026, 1, 31))
    await add_mark(b, january, "V", at=msk(2026, 1, 30))
    assert await change_mark(b, "T", msk(2025, 11, 15, 23, 59), m1) is None
    with pytest.raises(OutsideEditWindow):
        await change_mark(b, "T", msk(2025, 11, 16, 0, 0), m1)
    assert await change_mark(b, "T", msk(2026, 2, 28, 23, 59), m2) is None
    with pytest.raises(OutsideEditWindow):
        await change_mark(b, "T", msk(2026, 3, 1, 0, 0), m2)


async def test_until_year_end_allows_changes_in_may_and_the_closed_year_refuses_everyone(
    sessionmaker: SM,
) -> None:
    """R50, R57, C48: «до конца учебного года» allows a change on 30.05.2026; on 01.09.2026 it is refused."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(edit_window="until_year_end")
    mark_id = await add_mark(b, b.lesson_l, "S", "3")
    assert await change_mark(b, "T", msk(2026, 5, 30, 12), mark_id, "4") is None
    with pytest.raises(Locked) as refusal:
        await change_mark(b, "T", msk(2026, 9, 1, 9), mark_id, "5")
    assert refusal.value.rule == "R57"
    assert await mark_value(b, mark_id) == "4"


async def test_first_entry_anchor_counts_the_window_from_a_late_first_marking(sessionmaker: SM) -> None:
    """R50, C49: a 08.10 written work first marked 14.10: with 1w an edit on 16.10 is refused; with
    anchor first_entry it is allowed until 21.10 and refused on 22.10."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(edit_window="1w")
    mark_id = await add_mark(b, b.lesson_l, "S", "3", work_type="quiz", at=msk(2025, 10, 14, 16))
    with pytest.raises(OutsideEditWindow):
        await change_mark(b, "T", msk(2025, 10, 16, 10), mark_id)
    await b.set_policy(edit_window_anchor="first_entry")
    assert await change_mark(b, "T", msk(2025, 10, 21, 23, 59), mark_id) is None
    with pytest.raises(OutsideEditWindow):
        await change_mark(b, "T", msk(2025, 10, 22, 0, 0), mark_id, "2")
    assert await mark_value(b, mark_id) == "5"


@pytest.mark.parametrize("who", ["deputy", "head", "coordinator"])
async def test_administration_cannot_change_a_mark_directly(sessionmaker: SM, who: str) -> None:
    """R56, C59: the deputy head, head or coordinator changing a mark directly is refused."""
    b = await build_spec_school(sessionmaker)
    mark_id = await add_mark(b, b.lesson_l, "S", "3")
    with pytest.raises(Forbidden):
        await change_mark(b, who, msk(2025, 10, 9, 10), mark_id)
    assert await mark_value(b, mark_id) == "3"


async def _policy(ctx: Ctx) -> SchoolPolicy:
    return await ctx.policy()


@pytest.mark.parametrize("who", ["T", "deputy", "head"])
async def test_only_the_coordinator_may_change_the_edit_window(sessionmaker: SM, who: str) -> None:
    """R49, C50: a teacher, deputy head or head changing `edit_window` is refused and nothing changes."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden) as refusal:
        await execute(sessionmaker, b.actor(who), change_school_policy, edit_window="1w")
    assert refusal.value.rule == "R49"
    assert (await execute(sessionmaker, b.system(), _policy)).edit_window == "2w"
    assert await audit_events(b, "school_policy", AuditAction.update) == []


async def test_coordinator_changes_the_edit_window_and_the_change_is_audited(sessionmaker: SM) -> None:
    """R49, C50: the coordinator sets `1w`; the audit holds the old and new value."""
    b = await build_spec_school(sessionmaker)
    policy = await execute(sessionmaker, b.actor("coordinator"), change_school_policy, edit_window="1w")
    assert policy.edit_window == "1w"
    assert (await execute(sessionmaker, b.system(), _policy)).edit_window == "1w"
    [event] = await audit_events(b, "school_policy", AuditAction.update)
    assert (event.before, event.after) == ({"edit_window": "2w"}, {"edit_window": "1w"})
    assert event.actor_account_id == b.account_ids["coordinator"]


async def test_invalid_policy_values_are_refused_whole(sessionmaker: SM) -> None:
    """R70, C72: a publication delay of 25 h is refused with the validation message; nothing changes."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(InvalidInput) as refusal:
        await execute(
            sessionmaker,
            b.actor("coordinator"),
            change_school_policy,
            edit_window="1w",
            final_results_publish_delay_hours=25,
        )
    assert refusal.value.rule == "R70"
    assert "final_results_publish_delay_hours" in str(refusal.value)
    policy = await execute(sessionmaker, b.system(), _policy)
    assert (policy.edit_window, policy.final_results_publish_delay_hours) == ("2w", 0)
    with pytest.raises(InvalidInput):
        await execute(sessionmaker, b.actor("coordinator"), change_school_policy, no_such_key=1)
    policy = await execute(
        sessionmaker, b.actor("coordinator"), change_school_policy, final_results_publish_delay_hours=24
    )
    assert policy.final_results_publish_delay_hours == 24
