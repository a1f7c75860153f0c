"""The audit log is append-only and hash-chained (R58, C61): verification finds any tampering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit import chain
from core.db.engine import create_engine, create_sessionmaker
from core.db.migrate import upgrade
from core.db.models import School
from core.domain.enums import AuditAction
from core.settings import Settings
from tests.builders import msk


async def _chain_of(sessionmaker: async_sessionmaker[AsyncSession], events: int) -> int:
    async with sessionmaker() as session:
        school = School(name="Школа", short_name="Школа", slug="audit")
        session.add(school)
        await session.flush()
        for n in range(events):
            await chain.append(
                session,
                school_id=school.id,
                at=msk(2025, 10, 8, 10, n),
                action=AuditAction.update,
                entity_type="mark",
                entity_id=n,
                source="bot",
                actor_account_id=None,
                before={"value_code": "2"},
                after={"value_code": str(3 + n % 3)},
                reason="retake",
            )
        await session.commit()
        return school.id


async def _verify(sessionmaker: async_sessionmaker[AsyncSession]) -> list[chain.ChainBreak]:
    async with sessionmaker() as session:
        return await chain.verify(session)


@pytest.fixture
def tamper_url(new_database_url: Callable[[], str]) -> str:
    """A database of its own: tampering must not disturb the shared one."""
    url = new_database_url()
    upgrade(url)
    return url


@pytest.fixture
async def tamperable(tamper_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(Settings(database_url=tamper_url))
    yield create_sessionmaker(engine)
    await engine.dispose()


async def test_an_untouched_chain_verifies(tamperable: async_sessionmaker[AsyncSession]) -> None:
    """R58: a chain of appended events verifies with no break."""
    await _chain_of(tamperable, 5)
    assert await _verify(tamperable) == []


async def test_an_edited_event_is_reported_at_that_event(
    tamperable: async_sessionmaker[AsyncSession],
) -> None:
    """R58, C61: an audit row altered directly in the database breaks the chain at that row."""
    school_id = await _chain_of(tamperable, 5)
    async with tamperable() as session:
        third = (
            await session.execute(text("SELECT seq FROM audit_event ORDER BY seq LIMIT 1 OFFSET 2"))
        ).scalar_one()
        await session.execute(text("UPDATE audit_event SET reason = 'error' WHERE seq = :s"), {"s": third})
        await session.commit()
    assert await _verify(tamperable) == [chain.ChainBreak(school_id, third, "altered")]


async def test_a_deleted_event_is_reported_at_the_next_event(
    tamperable: async_sessionmaker[AsyncSession],
) -> None:
    """R58, C61: deleting an event breaks the prev_hash link of the event after it."""
    school_id = await _chain_of(tamperable, 5)
    async with tamperable() as session:
        seqs = (await session.execute(text("SELECT seq FROM audit_event ORDER BY seq"))).scalars().all()
        await session.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": seqs[1]})
        await session.commit()
    assert await _verify(tamperable) == [chain.ChainBreak(school_id, seqs[2], "inserted_or_deleted")]


async def test_deleting_the_last_event_is_caught_by_the_chain_head(
    tamperable: async_sessionmaker[AsyncSession],
) -> None:
    """R58: removing the newest event leaves the chain head pointing at a hash that no longer exists."""
    school_id = await _chain_of(tamperable, 3)
    async with tamperable() as session:
        seqs = (await session.execute(text("SELECT seq FROM audit_event ORDER BY seq"))).scalars().all()
        await session.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": seqs[-1]})
        await session.commit()
    assert await _verify(tamperable) == [chain.ChainBreak(school_id, seqs[1], "tail_deleted")]


async def test_an_inserted_event_is_reported(tamperable: async_sessionmaker[AsyncSession]) -> None:
    """R58, C61: a forged row slipped into the chain does not link to its predecessor's hash."""
    school_id = await _chain_of(tamperable, 3)
    async with tamperable() as session:
        row = (await session.execute(text("SELECT * FROM audit_event ORDER BY seq LIMIT 1"))).mappings().one()
        forged = dict(row) | {"seq": 1000, "hash": "f" * 64, "entity_id": 99}
        columns = ", ".join(forged)
        values = ", ".join(f":{k}" for k in forged)
        if isinstance(forged.get("before"), dict):
            forged["before"] = json.dumps(forged["before"])
            forged["after"] = json.dumps(forged["after"])
        await session.execute(text(f"INSERT INTO audit_event ({columns}) VALUES ({values})"), forged)
        await session.commit()
    breaks = await _verify(tamperable)
    assert len(breaks) == 1
    assert breaks[0].school_id == school_id
    assert breaks[0].seq == 1000


def test_zhurnal_audit_verify_reports_the_tampered_event(tamper_url: str, tmp_path: Path) -> None:
    """R58, C61: `zhurnal audit verify` passes on an intact log and names the first altered event."""
    import asyncio

    async def build_and_tamper() -> int:
        engine = create_engine(Settings(database_url=tamper_url))
        sm = create_sessionmaker(engine)
        try:
            await _chain_of(sm, 4)
            async with sm() as session:
                return (await session.execute(text("SELECT max(seq) FROM audit_event"))).scalar_one()
        finally:
            await engine.dispose()

    last = asyncio.run(build_and_tamper())
    env = {**os.environ, "ZHURNAL_DATABASE_URL": tamper_url}
    zhurnal = Path(sys.executable).with_name("zhurnal")
    intact = subprocess.run(
        [str(zhurnal), "audit", "verify"], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert intact.returncode == 0, intact.stderr
    assert "4 events verified" in intact.stdout

    async def edit() -> None:
        engine = create_engine(Settings(database_url=tamper_url))
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text("UPDATE audit_event SET after = NULL WHERE seq = :s"), {"s": last - 1}
                )
        finally:
            await engine.dispose()

    asyncio.run(edit())
    broken = subprocess.run(
        [str(zhurnal), "audit", "verify"], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert broken.returncode == 1
    assert f"at event {last - 1}: event was altered" in broken.stdout
