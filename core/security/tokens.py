"""Invite secrets (R126, §7.3): a URL-safe token for the deep link, a short code for typing, and their hashes.

Only the SHA-256 hashes are stored; the plaintext is shown once, on the slip or in the e-mail.
"""

from __future__ import annotations

import hashlib
import secrets

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHORT_CODE_LENGTH = 10
TOKEN_BYTES = 16  # 128 bits -> 22 URL-safe characters, well under Telegram's 64-character start limit
_CROCKFORD_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_token() -> str:
    """A fresh 128-bit random token of `[A-Za-z0-9_-]` characters."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_short_code() -> str:
    """A fresh 10-character Crockford base32 code."""
    return "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def normalize_code(typed: str) -> str:
    """A typed short code as stored: upper case, no spaces or dashes, Crockford aliases resolved."""
    return typed.strip().upper().replace("-", "").replace(" ", "").translate(_CROCKFORD_ALIASES)


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a token (the only form stored)."""
    return hashlib.sha256(b"token:" + token.strip().encode()).hexdigest()


def hash_code(code: str) -> str:
    """SHA-256 hex digest of a normalized short code (the only form stored)."""
    return hashlib.sha256(b"code:" + normalize_code(code).encode()).hexdigest()
