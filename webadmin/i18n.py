"""The interface language of a request, and gettext for the templates from the shared catalog."""

from __future__ import annotations

import gettext
from collections.abc import Awaitable, Callable
from typing import Any

import jinja2
from aiohttp import web
from jinja2.runtime import Context

from locales import SUPPORTED_LOCALES, translations
from webadmin.keys import LOCALE, SETTINGS, TRANSLATIONS

LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
# Each language is named in itself, so a reader of the other one can still find theirs.
LANGUAGE_NAMES = {"ru": "Русский", "en": "English"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def accepted_languages(header: str) -> list[str]:
    """Primary language subtags of an Accept-Language header, most preferred first."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag.split("-")[0].lower()))
    return [language for *_, language in sorted(ranked)]


def negotiate_locale(request: web.Request, default: str) -> str:
    """?lang= wins, then the remembered choice, then the browser's languages, then the default."""
    for chosen in (request.query.get("lang"), request.cookies.get(LANG_COOKIE)):
        if chosen in SUPPORTED_LOCALES:
            return chosen
    for language in accepted_languages(request.headers.get("Accept-Language", "")):
        if language in SUPPORTED_LOCALES:
            return language
    return default


@web.middleware
async def locale_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pick the request's language before anything renders; remember an explicit ?lang= choice."""
    locale = negotiate_locale(request, request.config_dict[SETTINGS].default_locale)
    request[LOCALE] = locale
    request[TRANSLATIONS] = translations(locale)
    response = await handler(request)
    response.headers.setdefault("Content-Language", locale)
    if request.query.get("lang") == locale and request.cookies.get(LANG_COOKIE) != locale:
        response.set_cookie(LANG_COOKIE, locale, max_age=LANG_COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


def template_context(request: web.Request) -> dict[str, Any]:
    """What every page needs to speak the request's language."""
    return {
        "locale": request[LOCALE],
        "translations": request[TRANSLATIONS],
        "languages": [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES],
    }


@jinja2.pass_context
def _gettext(context: Context, message: str) -> str:
    catalog: gettext.NullTranslations = context["translations"]
    return catalog.gettext(message)


@jinja2.pass_context
def _ngettext(context: Context, singular: str, plural: str, number: int) -> str:
    catalog: gettext.NullTranslations = context["translations"]
    return catalog.ngettext(singular, plural, number)


def install_gettext(env: jinja2.Environment) -> None:
    """`_`, `gettext` and `ngettext` in templates use the catalog of the page's own request.

    Newstyle gettext formats `%(name)s` placeholders and escapes their values; `ngettext` gets `num`.
    """
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
