"""Typed keys of the objects the web admin shares: app-lifetime ones and per-request ones."""

from __future__ import annotations

import gettext

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONMAKER: web.AppKey[async_sessionmaker[AsyncSession]] = web.AppKey("sessionmaker")

LOCALE = web.RequestKey("locale", str)
TRANSLATIONS = web.RequestKey("translations", gettext.NullTranslations)
