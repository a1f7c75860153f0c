"""Push subscriptions: explicit opt-in per category, quiet hours, digest mode (R82, §5.2, §5.4, C83).

Only the switchable categories are stored; `messages` and `service` are always on while bound
and can never be switched off. Nothing is pushed before `confirmed_at` (see core.outbox.family).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import Subscription
from core.domain.enums import AuditAction, DigestMode, NotificationCategory, Role
from core.domain.errors import Forbidden, InvalidInput, NotFound
from core.outbox.family import ALWAYS_ON, family_recipients
from core.policy.settings import NotifyCategory
from core.usecases.accounts.common import queue_service_message
from core.usecases.context import Ctx


def _categories(values: Iterable[str]) -> list[str]:
    """Validated, sorted switchable categories; the always-on ones are accepted and not stored."""
    chosen: set[str] = set()
    for value in values:
        try:
            category = NotificationCategory(value)
        except ValueError:
            raise InvalidInput("unknown notification category", rule="R82", category=value) from None
        if category in ALWAYS_ON:
            continue
        if category.value not in NotifyCategory.__members__:
            raise InvalidInput("not a family notification category", rule="R82", category=value)
        chosen.add(category.value)
    return sorted(chosen)


def _require_own(ctx: Ctx, student_id: int) -> Role:
    """K for a guardian's linked child, S for the student's own account; nobody subscribes others."""
    p = ctx.principal
    if student_id in p.child_ids:
        return Role.parent
    if p.student_id == student_id:
        return Role.student
    raise Forbidden(
        "a subscription is chosen by the recipient only", rule="R82", entity="student", id=student_id
    )


async def _own_subscription(ctx: Ctx, student_id: int) -> Subscription | None:
    return await ctx.session.scalar(
        select(Subscription).where(
            Subscription.account_id == ctx.actor.account_id, Subscription.student_id == student_id
        )
    )


def _check_quiet(quiet_start: time | None, quiet_end: time | None) -> None:
    if (quiet_start is None) != (quiet_end is None):
        raise InvalidInput("quiet hours need both a start and an end", rule="R125", field="quiet_hours")


async def _announce(ctx: Ctx, sub: Subscription) -> None:
    """§5.2 `service`: the subscription changed; sent only past the consent and paper gates."""
    assert sub.student_id is not None
    reachable = await family_recipients(ctx, sub.student_id, NotificationCategory.service, await ctx.today())
    if any(r.account_id == sub.account_id for r in reachable):
        payload = {"categories": list(sub.categories), "digest_mode": sub.digest_mode.value}
        queue_service_message(ctx, sub.account_id, "subscription_changed", payload, student_id=sub.student_id)


async def confirm_subscription(
    ctx: Ctx,
    *,
    student_id: int,
    categories: list[str] | None = None,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    digest_mode: DigestMode = DigestMode.instant,
) -> int:
    """The recipient confirms the category dialog (defaults from `notify_defaults`); pushes start now."""
    role = _require_own(ctx, student_id)
    policy = await ctx.policy()
    if categories is None:
        defaults = policy.notify_defaults.parent if role == Role.parent else policy.notify_defaults.student
        categories = [c.value for c in defaults]
    chosen = _categories(categories)
    _check_quiet(quiet_start, quiet_end)
    if quiet_start is None:
        quiet_start, quiet_end = policy.quiet_hours_start, policy.quiet_hours_end
    sub = await _own_subscription(ctx, student_id)
    before = snapshot(sub) if sub is not None else None
    if sub is None:
        assert ctx.actor.account_id is not None
        sub = Subscription(
            school_id=ctx.actor.school_id, account_id=ctx.actor.account_id, student_id=student_id
        )
        ctx.session.add(sub)
    sub.categories = chosen
    sub.quiet_start, sub.quiet_end = quiet_start, quiet_end
    sub.digest_mode = digest_mode
    sub.confirmed_at = ctx.now
    await ctx.session.flush()
    action = AuditAction.create if before is None else AuditAction.update
    await ctx.audit(action, "subscription", sub.id, before=before, after=snapshot(sub))
    await _announce(ctx, sub)
    return sub.id


async def update_subscription(
    ctx: Ctx,
    *,
    student_id: int,
    categories: list[str] | None = None,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    no_quiet_hours: bool = False,
    digest_mode: DigestMode | None = None,
) -> int:
    """`/settings`: change categories, quiet hours (or remove them) and digest mode of a confirmed choice."""
    _require_own(ctx, student_id)
    sub = await _own_subscription(ctx, student_id)
    if sub is None or sub.confirmed_at is None:
        raise NotFound("no confirmed subscription", entity="subscription", id=None)
    _check_quiet(quiet_start, quiet_end)
    before = snapshot(sub)
    if categories is not None:
        sub.categories = _categories(categories)
    if no_quiet_hours:
        sub.quiet_start = sub.quiet_end = None
    elif quiet_start is not None:
        sub.quiet_start, sub.quiet_end = quiet_start, quiet_end
    if digest_mode is not None:
        sub.digest_mode = digest_mode
    await ctx.session.flush()
    await ctx.audit(AuditAction.update, "subscription", sub.id, before=before, after=snapshot(sub))
    await _announce(ctx, sub)
    return sub.id


async def unsubscribe_category(ctx: Ctx, *, student_id: int, category: str) -> int:
    """Switch one category off; `messages` and `service` cannot be switched off (§5.4.4)."""
    _require_own(ctx, student_id)
    if category in {c.value for c in ALWAYS_ON}:
        raise InvalidInput("messages and service notifications are always on", rule="R82", category=category)
    _categories([category])
    sub = await _own_subscription(ctx, student_id)
    if sub is None or sub.confirmed_at is None:
        raise NotFound("no confirmed subscription", entity="subscription", id=None)
    before = snapshot(sub)
    sub.categories = [c for c in sub.categories if c != category]
    await ctx.session.flush()
    await ctx.audit(AuditAction.update, "subscription", sub.id, before=before, after=snapshot(sub))
    await _announce(ctx, sub)
    return sub.id
