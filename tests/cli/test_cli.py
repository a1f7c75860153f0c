"""The `zhurnal` command: it migrates, bootstraps and serves; a bad environment is one line, never a traceback."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Select, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import core.db.models  # noqa: F401  (registers every table)
from cli.main import main
from core.db.base import Base
from core.db.engine import create_engine
from core.db.models import Account, School, StaffRole
from core.domain.enums import AccountStatus, Role
from core.security.passwords import verify_password
from core.settings import Settings

ZHURNAL = Path(sys.executable).with_name("zhurnal")
UNREACHABLE_POSTGRES = "postgresql+asyncpg://u:s3cret@127.0.0.1:1/x"


def zhurnal(*args: str, database_url: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, in a process of its own, as an operator would run it."""
    environment = {**os.environ, "ZHURNAL_DATABASE_URL": database_url, **env}
    return subprocess.run(
        [str(ZHURNAL), *args],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def add_school(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    slug = f"c-{uuid.uuid4().hex[:12]}"
    async with sessionmaker() as session:
        session.add(School(name=f"Школа {slug}", short_name=slug, slug=slug))
        await session.commit()
    return slug


async def admin_account(
    sessionmaker: async_sessionmaker[AsyncSession], login: str
) -> tuple[Account, list[Role]]:
    async with sessionmaker() as session:
        account = await session.scalar(select(Account).where(Account.web_login == login))
        assert account is not None
        roles = list(
            await session.scalars(select(StaffRole.role).where(StaffRole.staff_id == account.staff_id))
        )
        return account, roles


async def scalar(url: str, query: Select[tuple[str | None]]) -> str | None:
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.connect() as connection:
            return await connection.scalar(query)
    finally:
        await engine.dispose()


def tables(url: str) -> set[str]:
    def names(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names()) - {"alembic_version"}

    async def read() -> set[str]:
        engine = create_engine(Settings(database_url=url))
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(names)
        finally:
            await engine.dispose()

    return asyncio.run(read())


# --- migrate -----------------------------------------------------------------------------------------


def test_migrate_creates_every_table_of_a_fresh_database_and_a_second_run_changes_nothing(
    new_database_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_database_url()
    monkeypatch.setenv("ZHURNAL_DATABASE_URL", url)

    assert main(["migrate"]) == 0
    assert "upgraded from empty to" in capsys.readouterr().out
    assert tables(url) == set(Base.metadata.tables)

    assert main(["migrate"]) == 0
    assert "already at the latest schema" in capsys.readouterr().out


# --- a bad environment: one line, no traceback ---------------------------------------------------------


def test_an_unsupported_database_url_is_one_line_naming_the_variable_and_exits_2(tmp_path: Path) -> None:
    result = zhurnal("migrate", database_url="mysql://x", cwd=tmp_path)

    assert result.returncode == 2
    line = assert_one_clear_line(result)
    assert line.startswith("zhurnal: ZHURNAL_DATABASE_URL is invalid: unsupported database URL 'mysql'")


@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["seed-demo"],
        ["create-admin", "--login", "a", "--password", "long enough"],
        ["run", "--port", "0"],
    ],
    ids=["migrate", "seed-demo", "create-admin", "run"],
)
def test_an_unreachable_postgresql_is_one_clear_line_that_hides_the_password(
    tmp_path: Path, command: list[str]
) -> None:
    result = zhurnal(*command, database_url=UNREACHABLE_POSTGRES, cwd=tmp_path)

    assert result.returncode == 1
    line = assert_one_clear_line(result)
    assert line.startswith("zhurnal: cannot connect to PostgreSQL at 127.0.0.1:1: connection refused")
    assert "is it running? check ZHURNAL_DATABASE_URL" in line
    assert "s3cret" not in result.stdout + result.stderr


def test_a_command_on_a_database_that_was_never_migrated_says_to_run_migrate(
    new_database_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_database_url()
    monkeypatch.setenv("ZHURNAL_DATABASE_URL", url)

    assert main(["create-admin", "--login", "a", "--password", "long enough"]) == 1

    assert capsys.readouterr().err.startswith("zhurnal: database is not migrated: run `zhurnal migrate`")
    if url.startswith("sqlite"):
        assert not Path(url.split(":///", 1)[1]).exists()  # a mistyped path leaves no empty file behind


def test_a_sqlite_file_whose_folder_cannot_be_created_is_reported_with_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "plain-file").write_text("not a folder")
    monkeypatch.setenv("ZHURNAL_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/plain-file/db.sqlite3")

    assert main(["migrate"]) == 1

    err = capsys.readouterr().err
    assert f"{tmp_path}/plain-file is a file, not a folder; check ZHURNAL_DATABASE_URL" in err


@pytest.mark.parametrize(
    ("variable", "value"), [("ZHURNAL_WEB_PORT", "eighty"), ("ZHURNAL_LOG_LEVEL", "LOUD")]
)
def test_a_wrong_setting_is_named_and_exits_2(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(variable, value)

    assert main(["migrate"]) == 2

    err = capsys.readouterr().err
    assert err.startswith(f"zhurnal: {variable}")
    assert len(err.strip().splitlines()) == 1


def test_a_wrong_argument_or_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed-demo", "--today", "2025-13-01"]) == 2
    assert "'2025-13-01' is not a date: use YYYY-MM-DD" in capsys.readouterr().err
    assert main([]) == 2
    assert "create-admin" in capsys.readouterr().err


def test_python_dash_m_cli_is_the_same_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cli", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0
    assert "seed-demo" in result.stdout


# --- seed-demo -----------------------------------------------------------------------------------------


def test_seed_demo_creates_a_small_school_once_then_reports_it_present(
    new_database_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_database_url()
    monkeypatch.setenv("ZHURNAL_DATABASE_URL", url)
    assert main(["migrate"]) == 0
    capsys.readouterr()
    seed = ["seed-demo", "--students", "60", "--weeks", "1", "--today", "2025-10-08"]

    assert main(seed) == 0
    first = capsys.readouterr().out
    assert re.search(r"^demo school 'demo' \(id \d+\): created$", first, re.MULTILINE)
    assert "student 60," in first
    login = re.search(r"^  coordinator +(\S+) +(\S+) ", first, re.MULTILINE)
    assert login is not None, first

    assert main(seed) == 0
    second = capsys.readouterr().out
    assert re.search(
        r"^demo school 'demo' \(id \d+\): already present, nothing changed$", second, re.MULTILINE
    )

    password_hash = asyncio.run(
        scalar(url, select(Account.password_hash).where(Account.web_login == login.group(1)))
    )
    assert password_hash is not None
    assert verify_password(password_hash, login.group(2))  # the printed demo login works


# --- create-admin --------------------------------------------------------------------------------------


async def test_create_admin_makes_a_coordinator_whose_argon2_hash_verifies(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    slug = await add_school(sessionmaker)
    login = f"admin-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("ZHURNAL_DATABASE_URL", database_url)

    code = await asyncio.to_thread(
        main, ["create-admin", "--school", slug, "--login", login, "--password", "Sekret-123"]
    )

    assert code == 0
    assert f"coordinator account {login!r} in school {slug!r} created" in capsys.readouterr().out
    account, roles = await admin_account(sessionmaker, login)
    assert account.password_hash is not None
    assert account.password_hash.startswith("$argon2id$")
    assert verify_password(account.password_hash, "Sekret-123")
    assert not verify_password(account.password_hash, "sekret-123")
    assert account.must_change_password
    assert account.status == AccountStatus.active
    assert roles == [Role.coordinator]


async def test_create_admin_prints_a_generated_password_and_a_second_run_resets_it(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    slug = await add_school(sessionmaker)
    login = f"admin-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("ZHURNAL_DATABASE_URL", database_url)

    assert await asyncio.to_thread(main, ["create-admin", "--school", slug, "--login", login]) == 0
    generated = re.search(r"password \(shown only now\): (\S+)", capsys.readouterr().out)
    assert generated is not None
    first, _ = await admin_account(sessionmaker, login)
    assert first.password_hash is not None
    assert verify_password(first.password_hash, generated.group(1))

    again = ["create-admin", "--school", slug, "--login", login, "--password", "New-pass-456", "--no-change"]
    assert await asyncio.to_thread(main, again) == 0
    assert "already existed: its password was reset" in capsys.readouterr().out
    second, roles = await admin_account(sessionmaker, login)
    assert second.id == first.id
    assert second.password_hash is not None
    assert verify_password(second.password_hash, "New-pass-456")
    assert not verify_password(second.password_hash, generated.group(1))
    assert not second.must_change_password
    assert roles == [Role.coordinator]


async def test_create_admin_refuses_to_guess_between_several_schools(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await add_school(sessionmaker)
    await add_school(sessionmaker)
    monkeypatch.setenv("ZHURNAL_DATABASE_URL", database_url)

    assert (
        await asyncio.to_thread(main, ["create-admin", "--login", "nobody", "--password", "long enough"]) == 2
    )

    err = capsys.readouterr().err
    assert "the database has several schools (" in err
    assert "choose one with --school SLUG" in err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--password", "short"], "the password is too short: use at least 8 characters"),
        (["--school", "no-such-school", "--password", "long enough"], "no school with slug 'no-such-school'"),
    ],
    ids=["short-password", "unknown-school"],
)
def test_create_admin_refuses_bad_input_with_exit_code_2(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    monkeypatch.setenv("ZHURNAL_DATABASE_URL", database_url)

    assert main(["create-admin", "--login", f"new-{uuid.uuid4().hex[:8]}", *arguments]) == 2

    assert message in capsys.readouterr().err


async def test_create_admin_refuses_a_login_that_belongs_to_another_school(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ZHURNAL_DATABASE_URL", database_url)
    first, second = await add_school(sessionmaker), await add_school(sessionmaker)
    login = f"taken-{uuid.uuid4().hex[:8]}"
    create = ["create-admin", "--login", login, "--password", "long enough", "--school"]
    assert await asyncio.to_thread(main, [*create, first]) == 0

    assert await asyncio.to_thread(main, [*create, second]) == 2

    assert f"login {login!r} already belongs to another account" in capsys.readouterr().err
    account, _ = await admin_account(sessionmaker, login)
    async with sessionmaker() as session:
        assert account.school_id == await session.scalar(select(School.id).where(School.slug == first))


# --- run -----------------------------------------------------------------------------------------------


def test_run_serves_the_web_admin_until_sigterm(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    environment = {**os.environ, "ZHURNAL_DATABASE_URL": database_url}
    server = subprocess.Popen(
        [str(ZHURNAL), "run", "--host", "127.0.0.1", "--port", str(port)],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.read() == b"ok"
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
            assert "Обзор" in response.read().decode()
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)

    assert server.returncode == 0, err
    assert f"zhurnal web admin: http://127.0.0.1:{port}/" in out
    assert "Traceback" not in err


def test_run_on_a_port_already_taken_is_one_clear_line(database_url: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = zhurnal(
            "run", "--host", "127.0.0.1", "--port", str(port), database_url=database_url, cwd=tmp_path
        )

    assert result.returncode == 1
    line = assert_one_clear_line(result)
    assert line.startswith(f"zhurnal: cannot listen on 127.0.0.1:{port}: ")
    assert "--port or ZHURNAL_WEB_PORT" in line


async def test_create_admin_reads_the_password_from_standard_input_and_never_prints_it(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    """R102: `--password-stdin` keeps the password out of the process list and the output."""
    slug = await add_school(sessionmaker)
    login = f"admin-{uuid.uuid4().hex[:8]}"
    result = await asyncio.to_thread(
        subprocess.run,
        [str(ZHURNAL), "create-admin", "--school", slug, "--login", login, "--password-stdin"],
        input="Stdin-Sekret-9\n",
        env={**os.environ, "ZHURNAL_DATABASE_URL": database_url},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Stdin-Sekret-9" not in result.stdout + result.stderr
    account, _ = await admin_account(sessionmaker, login)
    assert account.password_hash is not None
    assert verify_password(account.password_hash, "Stdin-Sekret-9")
