"""Every URL of the web admin, each with a name for url_for."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from webadmin.views import health, overview

STATIC_DIR = Path(__file__).resolve().parent / "static"


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", overview.index, name="index")
    app.router.add_get("/healthz", health.healthz, name="healthz")
    app.router.add_static("/static", STATIC_DIR, name="static", append_version=True)
