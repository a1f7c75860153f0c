"""Who performs an operation, in which role context, through which door, and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.domain.enums import Channel, Role


@dataclass(frozen=True)
class Actor:
    """The caller of a use case. `at` is the operation's own time (queued input keeps its original)."""

    account_id: int | None
    school_id: int
    channel: Channel
    role: Role | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    request_id: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("Actor.at must be timezone-aware")

    @classmethod
    def system(cls, school_id: int, at: datetime | None = None) -> Actor:
        return cls(None, school_id, Channel.system, None, at or datetime.now(UTC))

    def acting_as(self, role: Role) -> Actor:
        return Actor(self.account_id, self.school_id, self.channel, role, self.at, self.request_id)
