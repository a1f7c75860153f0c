"""The landing page over real HTTP: schools and their counts, in Russian or English; errors and health."""

from __future__ import annotations

import logging
import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import Settings
from webadmin.app import create_app

from .conftest import AddSchool, AiohttpClient, Counts


def school_row(page: str, school_id: int) -> str:
    """The text of the school's table row, tags stripped and spaces collapsed."""
    match = re.search(rf'<tr id="school-{school_id}">(.*?)</tr>', page, re.DOTALL)
    assert match is not None, f"school {school_id} is not on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


async def test_overview_lists_a_school_with_its_counts_in_russian(
    client: TestClient, add_school: AddSchool
) -> None:
    school = await add_school(Counts(students=3, classes=2, teachers=4, lessons_held=22, marks=5))

    response = await client.get("/")

    assert response.status == 200
    assert response.headers["Content-Language"] == "ru"
    page = await response.text()
    assert '<html lang="ru">' in page
    assert "Обзор" in page
    # Left students, voided marks, planned lessons, a closed year's classes, staff who left: not counted.
    assert school_row(page, school.id) == f"{school.heading} 3 ученика 2 класса 4 учителя 22 урока 5 оценок"


async def test_overview_speaks_english_with_lang_en_and_remembers_the_choice(
    client: TestClient, add_school: AddSchool
) -> None:
    school = await add_school(Counts(students=1, classes=1, teachers=1, lessons_held=1, marks=1))

    response = await client.get("/", params={"lang": "en"})

    page = await response.text()
    assert '<html lang="en">' in page
    assert "Overview" in page
    assert school_row(page, school.id) == f"{school.heading} 1 student 1 class 1 teacher 1 lesson 1 mark"
    assert response.cookies["lang"].value == "en"
    again = await client.get("/")  # the test client keeps the cookie, as a browser would
    assert '<html lang="en">' in await again.text()


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("en-GB,en;q=0.9,ru;q=0.5", "en"),
        ("de-DE,ru;q=0.8,en;q=0.5", "ru"),
        ("de, fr;q=0.5", "ru"),
        ("", "ru"),
    ],
)
async def test_language_follows_the_browser_and_falls_back_to_russian(
    aiohttp_client: AiohttpClient, settings: Settings, engine: AsyncEngine, header: str, locale: str
) -> None:
    fresh = await aiohttp_client(create_app(settings, engine=engine))

    response = await fresh.get("/", headers={"Accept-Language": header})

    assert response.headers["Content-Language"] == locale
    assert f'<html lang="{locale}">' in await response.text()


@pytest.mark.parametrize(("students", "words"), [(1, "1 ученик"), (2, "2 ученика"), (5, "5 учеников")])
async def test_student_count_takes_the_russian_plural_form_of_its_number(
    client: TestClient, add_school: AddSchool, students: int, words: str
) -> None:
    school = await add_school(Counts(students=students))

    page = await (await client.get("/")).text()

    assert school_row(page, school.id).startswith(f"{school.heading} {words} 0 классов")


async def test_an_unknown_address_gets_the_rendered_404_page(client: TestClient) -> None:
    response = await client.get("/no/such/page")

    assert response.status == 404
    assert response.content_type == "text/html"
    page = await response.text()
    assert "<h1>Страница не найдена</h1>" in page
    assert '<a href="/">' in page  # the site's own layout, with the way back


async def test_a_failing_view_gets_the_rendered_500_page_and_the_error_is_logged(
    aiohttp_client: AiohttpClient, settings: Settings, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("boom")

    app = create_app(settings, engine=engine)
    app.router.add_get("/broken", broken, name="broken")
    client = await aiohttp_client(app)

    with caplog.at_level(logging.ERROR, logger="webadmin.middlewares"):
        response = await client.get("/broken", params={"lang": "en"})

    assert response.status == 500
    page = await response.text()
    assert "<h1>Something went wrong</h1>" in page
    assert "boom" not in page
    assert "Traceback" not in page
    assert any(record.exc_info and "boom" in str(record.exc_info[1]) for record in caplog.records)


async def test_a_wrong_method_keeps_the_allow_header_on_its_error_page(client: TestClient) -> None:
    response = await client.post("/", params={"lang": "en"})

    assert response.status == 405
    assert "GET" in response.headers["Allow"]
    assert "<h1>This request cannot be served</h1>" in await response.text()


async def test_healthz_answers_ok_in_plain_text_when_the_database_answers(client: TestClient) -> None:
    response = await client.get("/healthz")

    assert response.status == 200
    assert response.content_type == "text/plain"
    assert await response.text() == "ok"


async def test_healthz_answers_503_when_the_database_is_unreachable(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(Settings(database_url="postgresql+asyncpg://u@127.0.0.1:1/x")))

    response = await client.get("/healthz")

    assert response.status == 503
    assert await response.text() == "database unavailable"


async def test_an_app_without_a_shared_engine_opens_its_own(
    aiohttp_client: AiohttpClient, settings: Settings, add_school: AddSchool
) -> None:
    school = await add_school(Counts(students=2))
    client = await aiohttp_client(create_app(settings))

    assert await (await client.get("/healthz")).text() == "ok"
    assert "2 ученика" in school_row(await (await client.get("/")).text(), school.id)


async def test_the_stylesheet_is_served_under_static(client: TestClient) -> None:
    page = await (await client.get("/")).text()
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert href is not None

    response = await client.get(href.group(1).replace("&amp;", "&"))

    assert response.status == 200
    assert response.content_type == "text/css"
    assert "table.overview" in await response.text()
