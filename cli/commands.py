"""The one-shot commands: migrate, seed-demo, create-admin. Each returns the process's exit code."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from typing import TYPE_CHECKING

from alembic.util import CommandError

from cli.database import current_heads, expected_heads, open_database, write_transaction
from cli.errors import USAGE, CliError, describe_database
from core.db.engine import create_sessionmaker
from core.db.migrate import upgrade
from core.domain.errors import InvalidInput, NotFound
from core.settings import Settings
from core.usecases.accounts.bootstrap import MIN_PASSWORD_LENGTH, AdminAccount, create_admin

if TYPE_CHECKING:
    from core.demo import DemoSummary


# The tables whose row counts tell a reader how big the demo school is.
HEADLINE_TABLES = ("student", "school_class", "staff", "lesson", "mark", "attendance", "homework")


def _revisions(heads: set[str]) -> str:
    return ", ".join(sorted(heads)) or "empty"


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    where = describe_database(settings.database_url)
    before = asyncio.run(current_heads(settings))
    try:
        upgrade(settings.database_url)
    except CommandError as error:  # e.g. a revision this version does not know: the database is newer
        raise CliError(f"cannot migrate the {where}: {error}") from error
    after = expected_heads(settings.database_url)
    if before == after:
        print(f"{where} is already at the latest schema ({_revisions(after)})")
    else:
        print(f"{where} upgraded from {_revisions(before)} to {_revisions(after)}")
    return 0


async def _seed(settings: Settings, args: argparse.Namespace) -> DemoSummary:
    from core.demo import seed_demo  # the demo data set is loaded only when asked for

    async with open_database(settings) as engine:
        return await seed_demo(
            create_sessionmaker(engine),
            students=args.students,
            weeks=args.weeks,
            seed=args.seed,
            today=args.today,
            slug=args.slug,
        )


def _print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def cmd_seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    summary = asyncio.run(_seed(settings, args))
    state = "created" if summary.created else "already present, nothing changed"
    print(f"demo school {args.slug!r} (id {summary.school_id}): {state}")
    if summary.counts:
        shown = ", ".join(
            f"{table} {summary.counts[table]}" for table in HEADLINE_TABLES if table in summary.counts
        )
        print(f"  {sum(summary.counts.values())} rows in {len(summary.counts)} tables ({shown})")
    if summary.logins:
        print("demo logins (for trying zhurnal only; never use them for a real school):")
        _print_table(
            [("role", "login", "password", "name")]
            + [(login.role, login.login, login.password, login.name) for login in summary.logins]
        )
    return 0


async def _create_admin(settings: Settings, args: argparse.Namespace, password: str) -> AdminAccount:
    async with open_database(settings) as engine, write_transaction(create_sessionmaker(engine)) as session:
        return await create_admin(
            session,
            login=args.login,
            password=password,
            school_slug=args.school,
            last_name=args.last_name,
            first_name=args.first_name,
            must_change_password=not args.no_change,
        )


def _refusal(error: NotFound | InvalidInput, args: argparse.Namespace) -> CliError:
    details = error.details
    if isinstance(error, NotFound):
        if args.school is not None:
            return CliError(f"no school with slug {args.school!r}: check --school", USAGE)
        return CliError("the database has no school yet: create one first, e.g. with `zhurnal seed-demo`")
    if details.get("field") == "school":
        choices = ", ".join(details.get("choices", [])) + (", ..." if details.get("more") else "")
        return CliError(f"the database has several schools ({choices}): choose one with --school SLUG", USAGE)
    if details.get("field") == "password":
        return CliError(f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters", USAGE)
    if details.get("reason") == "taken":
        return CliError(f"login {args.login!r} already belongs to another account: choose another", USAGE)
    return CliError(f"login {args.login!r} is not valid: use 1-100 characters, no surrounding spaces", USAGE)


def _given_password(args: argparse.Namespace) -> str | None:
    """The password from --password-stdin (first line), --password, or None to generate one."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return args.password


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> int:
    given = _given_password(args)
    password = secrets.token_urlsafe(12) if given is None else given
    try:
        account = asyncio.run(_create_admin(settings, args, password))
    except (NotFound, InvalidInput) as error:
        raise _refusal(error, args) from error
    done = "created" if account.created else "already existed: its password was reset"
    print(f"coordinator account {args.login!r} in school {account.school_slug!r} {done}")
    if given is None:
        print(f"password (shown only now): {password}")
    if not args.no_change:
        print("the password must be changed at the first login")
    return 0
