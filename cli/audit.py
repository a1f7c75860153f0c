"""`zhurnal audit verify`: walk every school's hash chain and report the first break (R58)."""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy import func, select

from cli.database import open_database
from core.audit.chain import ChainBreak, verify
from core.db.engine import create_sessionmaker
from core.db.models import AuditEvent
from core.settings import Settings

PROBLEMS = {
    "altered": "event was altered after it was written",
    "inserted_or_deleted": "an event before it was deleted, or this one was inserted",
    "tail_deleted": "the newest events after it were deleted",
}


async def _verify(settings: Settings) -> tuple[list[ChainBreak], int]:
    async with open_database(settings) as engine, create_sessionmaker(engine)() as session:
        total = int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
        return await verify(session), total


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 when every chain verifies; print each break and exit 1 otherwise."""
    breaks, total = asyncio.run(_verify(settings))
    if not breaks:
        print(f"audit log intact: {total} events verified")
        return 0
    for found in breaks:
        school = "instance" if found.school_id is None else f"school {found.school_id}"
        print(f"audit chain broken ({school}) at event {found.seq}: {PROBLEMS[found.problem]}")
    return 1
