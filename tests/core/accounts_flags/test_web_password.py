"""Web passwords (R102, C103): argon2id hashes, indistinguishable failures, the forced first change."""

from __future__ import annotations

import json
import secrets

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AccessDetailsRequest, Account, AuditEvent, WebSession
from core.domain.enums import AccountStatus, AuditAction, Channel
from core.domain.errors import AccountBlocked, InvalidInput, PasswordChangeRequired
from core.security.passwords import hash_password, verify_password
from core.usecases.accounts.flags import file_access_request
from core.usecases.accounts.web_login import authenticate, change_password
from core.usecases.context import execute
from tests.builders import SpecSchool, build_spec_school, msk

Sm = async_sessionmaker[AsyncSession]
TEMPORARY = "Vremenny-2025"
NEW = "Sobstvenny-Parol-1"
AT = msk(2025, 9, 2, 10)


async def web_account(b: SpecSchool, who: str = "T", password_hash: str | None = None) -> str:
    """Give `who` a web login with a temporary password (must change at first login); returns the login."""
    login = f"{who.lower()}-{b.school_id}-{secrets.token_hex(3)}"
    async with b.sessionmaker() as s:
        account = await s.get(Account, b.account_ids[who])
        assert account is not None
        account.web_login = login
        account.password_hash = password_hash or hash_password(TEMPORARY)
        account.must_change_password = True
        await s.commit()
    return login


async def account_row(b: SpecSchool, who: str = "T") -> Account:
    async with b.sessionmaker() as s:
        account = await s.get(Account, b.account_ids[who])
        assert account is not None
        return account


async def audit_text(b: SpecSchool) -> str:
    async with b.sessionmaker() as s:
        events = await s.scalars(select(AuditEvent).where(AuditEvent.school_id == b.school_id))
        return json.dumps([[e.before, e.after, e.reason, e.entity_type] for e in events], ensure_ascii=False)


async def test_a_new_web_account_may_only_change_its_password_until_it_does(sessionmaker: Sm) -> None:
    """R102, C103: on the web every use case is refused until the password is changed; the bot is not affected."""
    b = await build_spec_school(sessionmaker)
    login = await web_account(b)
    async with sessionmaker() as s:
        result = await authenticate(s, login=login, password=TEMPORARY, at=AT)
    assert result.must_change_password
    assert result.account_id == b.account_ids["T"]

    web = b.actor("T", at=AT, channel=Channel.web)
    with pytest.raises(PasswordChangeRequired) as refusal:
        await execute(sessionmaker, web, file_access_request)
    assert refusal.value.rule == "R102"
    assert refusal.value.code == "password_change_required"
    async with sessionmaker() as s:
        mine = select(AccessDetailsRequest.id).where(AccessDetailsRequest.school_id == b.school_id)
        assert list(await s.scalars(mine)) == []
    assert await execute(sessionmaker, b.actor("T", at=AT), file_access_request)  # the bot channel

    await execute(sessionmaker, web, change_password, old_password=TEMPORARY, new_password=NEW)
    assert await execute(sessionmaker, web, file_access_request)
    account = await account_row(b)
    assert not account.must_change_password
    assert account.password_hash is not None
    assert verify_password(account.password_hash, NEW)
    async with sessionmaker() as s:
        again = await authenticate(s, login=login, password=NEW, at=AT)
    assert not again.must_change_password


async def test_unknown_login_and_wrong_password_fail_alike_and_are_audited(sessionmaker: Sm) -> None:
    """R102: the same InvalidInput for both; failed and successful logins are audited without any secret."""
    b = await build_spec_school(sessionmaker)
    login = await web_account(b)
    refusals = []
    for name, password in ((login, "wrong-password"), (f"nobody-{secrets.token_hex(4)}", TEMPORARY)):
        async with sessionmaker() as s:
            with pytest.raises(InvalidInput) as refusal:
                await authenticate(s, login=name, password=password, at=AT)
        refusals.append((type(refusal.value), refusal.value.rule, refusal.value.details, str(refusal.value)))
    assert refusals[0] == refusals[1]
    assert refusals[0][1:3] == ("R102", {"reason": "bad_credentials"})
    async with sessionmaker() as s:
        await authenticate(s, login=login, password=TEMPORARY, at=AT)
        logins = list(
            await s.scalars(
                select(AuditEvent).where(
                    AuditEvent.school_id == b.school_id, AuditEvent.action == AuditAction.login
                )
            )
        )
    assert [(e.entity_id, e.after) for e in logins] == [
        (b.account_ids["T"], {"ok": False}),
        (b.account_ids["T"], {"ok": True}),
    ]
    text = await audit_text(b)
    assert "wrong-password" not in text
    assert TEMPORARY not in text
    assert "$argon2" not in text


async def test_passwords_are_argon2id_hashes_and_never_stored_in_plaintext(sessionmaker: Sm) -> None:
    """R102: the stored hash is argon2id; neither password appears in the account row or the audit log."""
    b = await build_spec_school(sessionmaker)
    await web_account(b)
    web = b.actor("T", at=AT, channel=Channel.web)
    await execute(sessionmaker, web, change_password, old_password=TEMPORARY, new_password=NEW)
    account = await account_row(b)
    assert account.password_hash is not None
    assert account.password_hash.startswith("$argon2id$")
    row = json.dumps({c.name: str(getattr(account, c.key)) for c in Account.__table__.columns})
    text = await audit_text(b)
    for secret in (TEMPORARY, NEW):
        assert secret not in row
        assert secret not in text
    assert '"password_changed": true' in text


async def test_change_password_checks_old_length_and_difference_and_changes_nothing_when_refused(
    sessionmaker: Sm,
) -> None:
    """R102: wrong old password, a short one and an unchanged one are refused; the hash stays the same."""
    b = await build_spec_school(sessionmaker)
    await web_account(b)
    before = (await account_row(b)).password_hash
    web = b.actor("T", at=AT, channel=Channel.web)
    for old, new in (("wrong-password", NEW), (TEMPORARY, "short"), (TEMPORARY, TEMPORARY)):
        with pytest.raises(InvalidInput) as refusal:
            await execute(sessionmaker, web, change_password, old_password=old, new_password=new)
        assert refusal.value.rule == "R102"
    account = await account_row(b)
    assert account.password_hash == before
    assert account.must_change_password


async def test_changing_the_password_ends_the_other_web_sessions(sessionmaker: Sm) -> None:
    """R102, R104: the sessions opened with the old password are revoked; the current one is kept."""
    b = await build_spec_school(sessionmaker)
    await web_account(b)
    async with sessionmaker() as s:
        sessions = [
            WebSession(
                school_id=b.school_id,
                account_id=b.account_ids["T"],
                token_hash=secrets.token_hex(32),
                last_seen_at=AT,
            )
            for _ in range(2)
        ]
        s.add_all(sessions)
        await s.commit()
        current, other = (w.id for w in sessions)
    web = b.actor("T", at=AT, channel=Channel.web)
    await execute(
        sessionmaker, web, change_password, old_password=TEMPORARY, new_password=NEW, keep_session_id=current
    )
    async with sessionmaker() as s:
        kept, revoked = await s.get(WebSession, current), await s.get(WebSession, other)
        assert kept is not None
        assert kept.revoked_at is None
        assert revoked is not None
        assert revoked.revoked_at == AT


async def test_a_blocked_account_cannot_log_in_even_with_the_right_password(sessionmaker: Sm) -> None:
    """R102, R104: right password on a compromised account → AccountBlocked; wrong one → bad credentials."""
    b = await build_spec_school(sessionmaker)
    login = await web_account(b)
    async with sessionmaker() as s:
        account = await s.get(Account, b.account_ids["T"])
        assert account is not None
        account.status, account.blocked_at = AccountStatus.compromised, msk(2025, 9, 1)
        await s.commit()
    async with sessionmaker() as s:
        with pytest.raises(AccountBlocked):
            await authenticate(s, login=login, password=TEMPORARY, at=AT)
    async with sessionmaker() as s:
        with pytest.raises(InvalidInput):
            await authenticate(s, login=login, password="wrong-password", at=AT)


async def test_an_outdated_hash_is_upgraded_at_login(sessionmaker: Sm) -> None:
    """R102: a hash with weaker parameters is replaced by a current argon2id hash on a successful login."""
    b = await build_spec_school(sessionmaker)
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(TEMPORARY)
    login = await web_account(b, password_hash=weak)
    async with sessionmaker() as s:
        await authenticate(s, login=login, password=TEMPORARY, at=AT)
    stored = (await account_row(b)).password_hash
    assert stored is not None
    assert stored != weak
    assert verify_password(stored, TEMPORARY)
