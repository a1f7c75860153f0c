"""Cheap argon2id parameters for this folder: the real ones cost ~0.3 s per hash and prove nothing more."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from core.security import passwords


@pytest.fixture(autouse=True)
def fast_password_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
