"""Jinja2 templates of the web admin, rendered in the request's language."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from webadmin.i18n import install_gettext, template_context

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def setup_templates(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_gettext(env)


def render(
    request: web.Request, template: str, context: Mapping[str, Any] | None = None, *, status: int = 200
) -> web.Response:
    """Render a page with the request's language and the given context."""
    return aiohttp_jinja2.render_template(
        template, request, {**template_context(request), **(context or {})}, status=status
    )
