"""The whole database to one file and back: `flask backup PATH`, `flask restore PATH`.

PostgreSQL: pg_dump's custom format, restored by pg_restore in one transaction (a failed
restore leaves the database as it was). SQLite: the online backup API, which copies a
consistent snapshot while the portal keeps working. The file is written under a temporary
name and renamed at the end, so a failed backup never leaves a truncated file behind.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    """A message for the operator and the command's exit code."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.message, self.exit_code = message, exit_code


def backup(engine: sa.Engine, path: Path) -> None:
    if not path.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist.", folder=path.parent), 2)
    partial = path.with_name(path.name + ".part")
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_backup(engine, partial)
        else:
            dbname, env = _libpq(engine)
            _run("pg_dump", ["--format=custom", f"--file={partial}", dbname], env)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def restore(engine: sa.Engine, path: Path) -> str:
    """Replace the database with the backup; returns the backup's schema revision."""
    if not path.is_file():
        raise BackupError(_("There is no backup file %(path)s.", path=path), 2)
    engine.dispose()  # nothing of ours holds a lock or a stale connection meanwhile
    if engine.dialect.name == "sqlite":
        _sqlite_restore(engine, path)
    else:
        not_ours = _("%(path)s is not a PostgreSQL backup of the portal.", path=path)
        listing = _run("pg_restore", ["--list", str(path)], failure=not_ours)
        if " TABLE DATA public alembic_version " not in listing:
            raise BackupError(not_ours)
        dbname, env = _libpq(engine)
        _run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction",
                            "--exit-on-error", dbname, str(path)], env)
    engine.dispose()
    with engine.connect() as connection:
        return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))


def first_table_with_rows(engine: sa.Engine) -> str | None:
    """A table that holds data, or None: restoring over it would throw that data away."""
    with engine.connect() as connection:
        for name in sorted(sa.inspect(connection).get_table_names()):
            query = sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1)
            if name != "alembic_version" and connection.scalar(query) is not None:
                return name
    return None


def _sqlite_backup(engine: sa.Engine, target_path: Path) -> None:
    source = engine.raw_connection()
    target = sqlite3.connect(target_path)
    try:
        source.driver_connection.backup(target)
    finally:
        target.close()
        source.close()


def _sqlite_restore(engine: sa.Engine, path: Path) -> None:
    with path.open("rb") as file:
        is_sqlite = file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    not_ours = _("%(path)s is not a SQLite backup of the portal.", path=path)
    if not is_sqlite:
        raise BackupError(not_ours)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = engine.raw_connection()
    try:
        try:
            source.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            raise BackupError(not_ours) from None
        source.backup(target.driver_connection)  # page by page, under the target's write lock
    finally:
        target.close()
        source.close()


def _libpq(engine: sa.Engine) -> tuple[str, dict]:
    """`--dbname=URI` for the tools, the password in their environment (not in `ps`)."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return f"--dbname={uri}", env


def _run(tool: str, args: list[str], env: dict | None = None, failure: str | None = None) -> str:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(_("%(tool)s was not found: install the PostgreSQL client tools "
                            "(Debian package postgresql-client).", tool=tool))
    done = subprocess.run([program, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or [""]
        raise BackupError(failure or _("%(tool)s failed: %(detail)s", tool=tool,
                                       detail=detail[0]))
    return done.stdout
