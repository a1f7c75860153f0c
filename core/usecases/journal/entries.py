"""Shared steps of every journal entry: find the lesson, and check that the text is Russian (R5)."""

from __future__ import annotations

from sqlalchemy import select

from core.db.models import Lesson
from core.domain.errors import InvalidInput, NotFound
from core.policy.text import TextCheck, check_russian_text
from core.usecases.context import Ctx


async def load_lesson(ctx: Ctx, lesson_id: int, *, lock: bool = False) -> Lesson:
    """The lesson of this school; `lock` takes a row lock (PostgreSQL) to serialise writers."""
    query = select(Lesson).where(Lesson.id == lesson_id, Lesson.school_id == ctx.actor.school_id)
    if lock:
        query = query.with_for_update()
    lesson = await ctx.session.scalar(query)
    if lesson is None:
        raise NotFound("lesson", entity="lesson", id=lesson_id)
    return lesson


async def russian_text_warnings(ctx: Ctx, *texts: str | None) -> tuple[str, ...]:
    """R5: block or warn about journal text without Cyrillic letters, per `cyrillic_check`."""
    mode = (await ctx.policy()).cyrillic_check
    warnings: list[str] = []
    for text in texts:
        if not text:
            continue
        verdict = check_russian_text(text, mode)
        if verdict is TextCheck.block:
            raise InvalidInput("journal text must be in Russian", rule="R5", text=text)
        if verdict is TextCheck.warn and "R5" not in warnings:
            warnings.append("R5")
    return tuple(warnings)
