"""Error pages: every 4xx and 5xx is a page of the site in the reader's language, never a traceback."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from webadmin.i18n import Handler
from webadmin.templating import render

log = logging.getLogger(__name__)

# Headers an error response must keep for the client to act on it.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def error_page(request: web.Request, status: int, headers: dict[str, str] | None = None) -> web.Response:
    try:
        response = render(request, "error.html", {"status": status}, status=status)
    except Exception:
        # The error page itself failed (a broken template or catalog): plain text still tells the status.
        log.exception("rendering the error page failed")
        response = web.Response(status=status, text=f"{status}")
    response.headers.update(headers or {})
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        kept = {name: error.headers[name] for name in KEPT_HEADERS if name in error.headers}
        return error_page(request, error.status, kept)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.match_info.route.name or "?")
        return error_page(request, 500)
