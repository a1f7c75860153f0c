"""Many schools share one database: a session bound to a school sees only that school's rows.

`bind_school(session, school_id)` makes every ORM query of the session carry
`school_id = <school>` for each school-owned table it touches, so a use case that forgets a filter
still cannot read or change another school's data (defence in depth behind the scope checks).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from core.db.base import SchoolOwned

SCHOOL_KEY = "zhurnal_school_id"


def bind_school(session: AsyncSession, school_id: int) -> None:
    session.sync_session.info[SCHOOL_KEY] = school_id


@event.listens_for(Session, "do_orm_execute")
def _only_this_school(state: ORMExecuteState) -> None:
    school_id = state.session.info.get(SCHOOL_KEY)
    if school_id is None or not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(
        with_loader_criteria(SchoolOwned, _criteria(school_id), include_aliases=True)
    )


def _criteria(school_id: int) -> Any:
    return lambda cls: cls.school_id == school_id
