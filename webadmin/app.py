"""The web admin's application factory: build here, serve in the entry point (cli.serve)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db.engine import create_engine, create_sessionmaker
from core.settings import Settings
from locales import SUPPORTED_LOCALES, translations
from webadmin.i18n import locale_middleware
from webadmin.keys import ENGINE, SESSIONMAKER, SETTINGS
from webadmin.middlewares import error_middleware
from webadmin.routes import setup_routes
from webadmin.templating import setup_templates


def _use_engine(app: web.Application, engine: AsyncEngine) -> None:
    app[ENGINE] = engine
    app[SESSIONMAKER] = create_sessionmaker(engine)


async def _own_engine(app: web.Application) -> AsyncIterator[None]:
    engine = create_engine(app[SETTINGS])
    _use_engine(app, engine)
    yield
    await engine.dispose()


def create_app(settings: Settings, *, engine: AsyncEngine | None = None) -> web.Application:
    """The web admin; it opens and disposes an engine of its own unless the caller shares one."""
    if settings.default_locale not in SUPPORTED_LOCALES:
        raise ValueError(
            f"ZHURNAL_DEFAULT_LOCALE={settings.default_locale!r} is not supported: "
            f"use one of {', '.join(SUPPORTED_LOCALES)}"
        )
    for locale in SUPPORTED_LOCALES:
        translations(locale)  # a catalog that was never compiled fails now, not on some reader's request
    # The locale middleware runs first, so even an error page speaks the reader's language.
    app = web.Application(middlewares=[locale_middleware, error_middleware])
    app[SETTINGS] = settings
    if engine is None:
        app.cleanup_ctx.append(_own_engine)
    else:
        _use_engine(app, engine)
    setup_templates(app)
    setup_routes(app)
    return app
