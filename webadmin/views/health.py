"""A probe for load balancers and `docker healthcheck`: 200 `ok` while the database answers."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webadmin.keys import ENGINE

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5


async def healthz(request: web.Request) -> web.Response:
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS), request.config_dict[ENGINE].connect() as connection:
            # The probe's whole job is this round trip, so it talks to the engine directly.
            await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as error:  # OSError covers refused connections and TimeoutError
        log.warning("health check failed: database unavailable (%s)", type(error).__name__)
        return web.Response(status=503, text="database unavailable")
    return web.Response(text="ok")
