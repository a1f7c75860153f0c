"""The landing page: the schools in this database and the size of their journals."""

from __future__ import annotations

from aiohttp import web

from core.reports.overview import school_overview
from webadmin.keys import SESSIONMAKER
from webadmin.templating import render


async def index(request: web.Request) -> web.Response:
    async with request.config_dict[SESSIONMAKER]() as session:
        schools = await school_overview(session)
    return render(request, "index.html", {"schools": schools})
