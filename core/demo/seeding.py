"""What the seeding phases share: the writer, the plan, and the ids of rows written so far."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from core.demo.calendar import SchoolYear
from core.demo.history import Rosters
from core.demo.people import GuardianPlan, StudentPlan
from core.demo.store import Writer
from core.demo.structure import SchoolPlan

TIMEZONE = "Europe/Moscow"


def stream(seed: int, purpose: str) -> random.Random:
    """An independent random stream per purpose, so one phase's changes leave the others alone."""
    return random.Random(f"{seed}:{purpose}")


@dataclass(frozen=True)
class DemoLogin:
    """A web login of the demo school; the password is printed on purpose, it is a demo."""

    role: str
    login: str
    password: str
    name: str


@dataclass
class Seeding:
    writer: Writer
    seed: int
    slug: str
    today: date
    weeks: int
    year: SchoolYear
    plan: SchoolPlan
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(TIMEZONE))
    school_id: int = 0
    year_id: int = 0
    regime_id: int = 0
    coordinator_account: int = 0
    scheme_for_grade: dict[int, int] = field(default_factory=dict)
    slots: dict[int, tuple[int, time, time]] = field(default_factory=dict)  # number -> (id, start, end)
    room_ids: dict[str, int] = field(default_factory=dict)
    scale_ids: dict[str, int] = field(default_factory=dict)
    work_type_ids: dict[str, int] = field(default_factory=dict)
    subject_ids: dict[str, int] = field(default_factory=dict)
    parallel_ids: dict[int, int] = field(default_factory=dict)
    staff_ids: dict[str, int] = field(default_factory=dict)  # teacher or office key -> staff id
    account_ids: dict[str, int] = field(default_factory=dict)  # same keys -> account id
    class_ids: dict[str, int] = field(default_factory=dict)
    group_ids: dict[str, int] = field(default_factory=dict)
    students: list[StudentPlan] = field(default_factory=list)
    student_ids: list[int] = field(default_factory=list)
    guardians: list[GuardianPlan] = field(default_factory=list)
    rosters: Rosters = field(default_factory=Rosters)
    logins: list[DemoLogin] = field(default_factory=list)
    password_hashes: asyncio.Future[dict[str, str]] | None = None  # computed in a thread meanwhile

    def rng(self, purpose: str) -> random.Random:
        return stream(self.seed, purpose)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """School-local wall-clock time on `day`, as aware UTC."""
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz).astimezone(UTC)
