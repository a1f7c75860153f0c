"""`zhurnal run`: every long-running service of one deployment in one process, on one engine.

Each service is a coroutine that runs until it is cancelled. The web admin is the first; the bot and the
notification sender join by adding themselves to `services()`. SIGINT or SIGTERM stops them all; a service
that fails stops the others and its error ends the command.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine, Mapping
from functools import partial
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.database import open_database
from cli.errors import CliError
from core.settings import Settings
from locales import CatalogError
from webadmin.app import create_app

log = logging.getLogger(__name__)

Service = Callable[[], Coroutine[Any, Any, None]]

# No client address in the access log: it is personal data and the proxy in front already has it.
ACCESS_LOG_FORMAT = '"%r" %s %b %Tf'


def web_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


async def serve_web(app: web.Application, host: str, port: int) -> None:
    """Serve the web admin on host:port until cancelled."""
    runner = web.AppRunner(app, access_log_format=ACCESS_LOG_FORMAT)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as error:
            raise CliError(
                f"cannot listen on {host}:{port}: {error.strerror or error}; "
                "choose another with --port or ZHURNAL_WEB_PORT"
            ) from error
        bound_host, bound_port = runner.addresses[0][:2]  # the real port, also when --port 0 was asked
        print(f"zhurnal web admin: {web_url(bound_host, bound_port)}", flush=True)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def services(settings: Settings, engine: AsyncEngine, *, host: str, port: int) -> dict[str, Service]:
    """The services of one `zhurnal run`, by name; they all share the process's engine."""
    try:
        app = create_app(settings, engine=engine)
    except CatalogError as error:
        raise CliError(f"translations are not compiled: {error}") from error
    return {"web": partial(serve_web, app, host, port)}


async def run_until_stopped(named: Mapping[str, Service]) -> None:
    """Run the services until a signal or until one of them ends; raise the first failure."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    tasks = [asyncio.create_task(service(), name=name) for name, service in named.items()]
    stopping = asyncio.create_task(stop.wait(), name="signal")
    try:
        await asyncio.wait([*tasks, stopping], return_when=asyncio.FIRST_COMPLETED)
    finally:
        if stop.is_set():
            log.info("stopping on signal")
        for task in (*tasks, stopping):
            task.cancel()
        await asyncio.gather(*tasks, stopping, return_exceptions=True)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    for task in tasks:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
    ended = [task.get_name() for task in tasks if not task.cancelled()]
    if ended:
        raise RuntimeError(f"service {', '.join(ended)} stopped by itself")


async def run(settings: Settings, *, host: str, port: int) -> None:
    """Check the database, then run every service until stopped."""
    async with open_database(settings) as engine:
        await run_until_stopped(services(settings, engine, host=host, port=port))
