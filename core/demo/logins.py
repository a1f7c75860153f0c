"""The demo school's four web logins: who holds them, their seed-derived passwords and hashes."""

from __future__ import annotations

from sqlalchemy import update

from core.db.models import Account
from core.demo.seeding import Seeding, stream
from core.domain.enums import Role
from core.security.passwords import hash_password

WEB_LOGINS = ("coordinator", "head", "deputy", "teacher")
LOGIN_ROLES = {
    "coordinator": Role.coordinator,
    "head": Role.head,
    "deputy": Role.deputy_head,
    "teacher": Role.teacher,
}


def login_name(slug: str, role: str) -> str:
    """`coordinator` for the demo school; other slugs (tests) get their own unique logins."""
    return role if slug == "demo" else f"{slug}-{role}"


def demo_passwords(seed: int) -> dict[str, str]:
    """The demo passwords follow from the seed, so a repeated run can tell whether they still work."""
    rng = stream(seed, "logins")
    return {role: f"demo-{role}-{rng.randint(1000, 9999)}" for role in WEB_LOGINS}


def hash_demo_passwords(passwords: dict[str, str]) -> dict[str, str]:
    """Argon2 hashes of the demo passwords, one after another (each takes 64 MiB while it runs)."""
    return {role: hash_password(password) for role, password in passwords.items()}


async def set_demo_passwords(ctx: Seeding) -> None:
    """Store the argon2 hashes of the web logins' demo passwords."""
    hashes = (
        await ctx.password_hashes if ctx.password_hashes else hash_demo_passwords(demo_passwords(ctx.seed))
    )
    holders = login_holders(ctx)
    for role in WEB_LOGINS:
        await ctx.writer.session.execute(
            update(Account)
            .where(Account.id == ctx.account_ids[holders[role]])
            .values(password_hash=hashes[role])
        )


def login_holders(ctx: Seeding) -> dict[str, str]:
    """Which staff key holds each web login: the coordinator is an informatics teacher."""
    plan = ctx.plan
    coordinator = next(k for k, t in plan.teachers.items() if t.family == "informatics")
    senior = [c for c in plan.classes if c.grade >= 5]
    teacher = next(plan.form_tutors[c.name] for c in senior if plan.form_tutors[c.name] != coordinator)
    return {"coordinator": coordinator, "head": "head", "deputy": "deputy", "teacher": teacher}
