"""The `zhurnal` command: the composition root of the bot, the web admin and the core.

It may import every package; nothing imports it. Known failures (bad settings, an unreachable or
unmigrated database, a taken port) end in one line on stderr and exit code 2 (usage) or 1 (runtime).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError

from cli import audit, commands, serve
from cli.errors import FAILURE, USAGE, CliError, database_error, settings_error
from core.settings import Settings

PROG = "zhurnal"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: use YYYY-MM-DD") from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return int(value)


def _non_negative(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number")
    return int(value)


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (0-65535)")
    return int(value)


def _cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    host = args.host or settings.web_host
    port = settings.web_port if args.port is None else args.port
    asyncio.run(serve.run(settings, host=host, port=port))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Electronic class journal: web admin, Telegram bot and their database.",
        epilog="Settings come from ZHURNAL_* environment variables or a .env file.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    migrate = sub.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(handler=commands.cmd_migrate)

    seed = sub.add_parser("seed-demo", help="fill a migrated database with a demo school (idempotent)")
    seed.add_argument("--students", type=_positive, default=800, help="number of students (default 800)")
    seed.add_argument("--weeks", type=_non_negative, default=6, help="weeks of journal history (default 6)")
    seed.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same data")
    seed.add_argument("--today", type=_iso_date, default=None, help="the demo's today, YYYY-MM-DD")
    seed.add_argument("--slug", default="demo", help="slug of the demo school (default demo)")
    seed.set_defaults(handler=commands.cmd_seed_demo)

    run = sub.add_parser("run", help="serve the web admin (and, later, the bot) until stopped")
    run.add_argument("--host", default=None, help="address to listen on (default ZHURNAL_WEB_HOST)")
    run.add_argument("--port", type=_port, default=None, help="port to listen on (default ZHURNAL_WEB_PORT)")
    run.set_defaults(handler=_cmd_run)

    admin = sub.add_parser("create-admin", help="create a coordinator's web account, or reset its password")
    admin.add_argument("--login", required=True, help="web login of the account")
    secret = admin.add_mutually_exclusive_group()
    secret.add_argument("--password", default=None, help="its password (visible to other users in ps)")
    secret.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    admin.add_argument("--school", default=None, metavar="SLUG", help="the school (default: the only one)")
    admin.add_argument("--last-name", default="Администратор", help="staff member's last name")
    admin.add_argument("--first-name", default="Системный", help="staff member's first name")
    admin.add_argument(
        "--no-change", action="store_true", help="do not ask for a new password at the first login"
    )
    admin.set_defaults(handler=commands.cmd_create_admin)

    audit_cmd = sub.add_parser("audit", help="work with the audit log")
    audit_sub = audit_cmd.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser(
        "verify", help="check the hash chain; report the first altered, inserted or deleted event"
    )
    verify.set_defaults(handler=audit.cmd_audit_verify)
    return parser


def _configure_logging(level: str) -> None:
    if level.upper() not in logging.getLevelNamesMapping():
        raise CliError(
            f"ZHURNAL_LOG_LEVEL={level!r} is not a level: use DEBUG, INFO, WARNING or ERROR", USAGE
        )
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT)
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # Alembic narrates every connection at INFO; the commands print what matters themselves.
        logging.getLogger("alembic").setLevel(logging.WARNING)


def _fail(error: CliError) -> int:
    print(f"{PROG}: {error}", file=sys.stderr)
    return error.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (the console script passes it to sys.exit)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the usage error or the help
        return exit_.code if isinstance(exit_.code, int) else USAGE
    if args.command is None:
        parser.print_help(sys.stderr)
        return USAGE
    try:
        settings = Settings()
    except ValidationError as error:
        return _fail(settings_error(error))
    try:
        _configure_logging(settings.log_level)
        return int(args.handler(settings, args))
    except CliError as error:
        return _fail(error)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`zhurnal ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return FAILURE
    except Exception as error:
        explained = database_error(error, settings.database_url)
        if explained is None:
            raise  # a bug, not a bad environment: the traceback is what its reader needs
        return _fail(explained)


if __name__ == "__main__":
    sys.exit(main())
