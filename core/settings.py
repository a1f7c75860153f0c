"""One typed settings object for every process: environment variables prefixed ZHURNAL_."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = f"sqlite+aiosqlite:///{Path('var') / 'zhurnal.sqlite3'}"

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


class Settings(BaseSettings):
    """Deployment settings; per-school rules live in the database (SchoolPolicy), not here."""

    model_config = SettingsConfigDict(env_prefix="ZHURNAL_", env_file=".env", extra="ignore")

    database_url: str = Field(DEFAULT_SQLITE_URL, description="SQLAlchemy async URL of the database")
    sqlite_busy_timeout_ms: int = Field(5000, ge=0, description="How long SQLite waits for a lock")
    db_echo: bool = Field(False, description="Log every SQL statement (development only)")

    web_host: str = Field("127.0.0.1", description="Address the web admin listens on")
    web_port: int = Field(8080, ge=1, le=65535, description="Port of the web admin")
    secret_key: SecretStr = Field(
        SecretStr("dev-only-secret-change-me-dev-only-secret"),
        description="Key for session cookies; set a long random value in production",
    )

    bot_token: SecretStr | None = Field(None, description="Telegram bot token; empty runs the local sandbox")
    telegram_api_url: str | None = Field(None, description="Bot API base URL (the sandbox sets it)")
    redis_url: str | None = Field(None, description="Redis for bot state and web sessions when scaled")

    default_locale: str = Field("ru", description="Interface language when a user has chosen none")
    log_level: str = Field("INFO", description="Python logging level")

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        driver = value.split("://", 1)[0]
        if "://" not in value or driver not in SUPPORTED_DRIVERS:
            raise ValueError(
                f"unsupported database URL {driver!r}: use one of {', '.join(SUPPORTED_DRIVERS)}"
            )
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
