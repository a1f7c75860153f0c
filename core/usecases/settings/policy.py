"""School policies (§4.12): only the coordinator changes them, every change audited (R49, R58)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from core.db.models import SchoolPolicyRecord
from core.domain.enums import AuditAction, Role
from core.domain.errors import InvalidInput
from core.policy.settings import SchoolPolicy
from core.usecases.access import require_role
from core.usecases.context import Ctx

# The rule named in a refusal, for the settings whose limits a rule states.
_RULE_OF_KEY = {
    "edit_window": "R49",
    "edit_window_anchor": "R50",
    "period_lock_mode": "R54",
    "correction_unlock_hours": "R56",
    "period_mark_window_days": "R65",
    "period_mark_grace_days": "R65",
    "deferral_default_days": "R67",
    "final_results_publish_delay_hours": "R70",
}


async def change_school_policy(ctx: Ctx, **changes: Any) -> SchoolPolicy:
    """Change some policy keys; invalid values are refused whole and nothing changes (R49, §4.12)."""
    require_role(ctx, Role.coordinator, rule="R49", entity="school_policy")
    record = await ctx.session.scalar(
        select(SchoolPolicyRecord).where(SchoolPolicyRecord.school_id == ctx.actor.school_id)
    )
    if record is None:
        record = SchoolPolicyRecord(school_id=ctx.actor.school_id, data={})
        ctx.session.add(record)
    old = SchoolPolicy.from_stored(dict(record.data or {}))
    try:
        new = old.changed(**changes)
    except ValidationError as error:
        keys = [str(e["loc"][0]) for e in error.errors() if e["loc"]]
        rule = next((_RULE_OF_KEY[k] for k in keys if k in _RULE_OF_KEY), "§4.12")
        raise InvalidInput(str(error), rule=rule, keys=keys) from error
    before, after = old.to_stored(), new.to_stored()
    changed = {k for k in after if after[k] != before.get(k)}
    record.data = after
    ctx._policy = new
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.update,
        "school_policy",
        record.id,
        before={k: before.get(k) for k in sorted(changed)},
        after={k: after[k] for k in sorted(changed)},
    )
    return new
