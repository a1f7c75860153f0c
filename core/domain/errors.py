"""Typed refusals of the core. They carry what a person needs to understand them, never UI text.

Front ends translate `code` and `details` into words; `rule` names the spec rule that refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class DomainError(Exception):
    """Base of every refusal; a refused operation changes nothing."""

    code = "domain_error"

    def __init__(self, message: str = "", *, rule: str | None = None, **details: Any) -> None:
        super().__init__(message or self.code)
        self.rule = rule
        self.details = details

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rule={self.rule!r}, details={self.details!r})"


class Forbidden(DomainError):
    """Outside the actor's role or scope (§2.4); an access_denied audit event is written."""

    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    """A validity rule refused the value (e.g. R35 scale, R48 roster, R44 protocol)."""

    code = "invalid_input"


class Locked(DomainError):
    """A freeze (R53), page lock (R54) or year close (R57) blocks the change."""

    code = "locked"


class OutsideEditWindow(DomainError):
    """The mark's edit window (R50) has passed; `limit` says until when it was open."""

    code = "outside_edit_window"

    def __init__(self, message: str = "", *, limit: datetime, **details: Any) -> None:
        super().__init__(message, rule="R50", limit=limit, **details)
        self.limit = limit


class ConsentMissing(DomainError):
    """The consent gate (R83, R93) blocks the operation."""

    code = "consent_missing"


class AccountBlocked(DomainError):
    """The account is blocked or compromised (R104)."""

    code = "account_blocked"


class NeedsConfirmation(DomainError):
    """The operation is allowed only with an explicit confirmation (e.g. early period mark, R65)."""

    code = "needs_confirmation"


class ConcurrentChange(DomainError):
    """Someone else changed the record first; reload and try again. Nothing was written."""

    code = "concurrent_change"


class RateLimited(DomainError):
    """Too many attempts (R126); `until` says when trying is possible again."""

    code = "rate_limited"


class RetentionBlock(DomainError):
    code = "retention"


class PasswordChangeRequired(DomainError):
    """A web account still on its temporary password may only change it (R102)."""

    code = "password_change_required"
