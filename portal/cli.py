"""Flask commands: `flask --app portal seed-demo`, `backup PATH`, `restore PATH`.

Exit codes: 0 done, 1 failed (the database or a tool), 2 refused (nothing was changed:
the file exists, the database holds data, the backup is missing) or a usage error.
"""

import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError

from portal.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--customers", default=200, show_default=True, help="How many demo customers.")
    def seed_demo(customers: int) -> None:
        """Fill the database with demo data (idempotent: a second run adds nothing)."""
        from portal.demo import seed_all
        from portal.services.core.uow import transaction

        with transaction():  # all of the demo or none of it
            counts = seed_all(customers=customers)
        for name, n in counts.items():
            click.echo(f"{name}: +{n}")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Overwrite PATH if it exists.")
    def backup_command(path: Path, yes: bool) -> None:
        """Write the whole database to PATH (pg_dump custom format, or a SQLite file)."""
        from portal import backup

        if path.exists() and not yes:
            _fail(_("%(path)s already exists. Add --yes to overwrite it.", path=path), 2)
        _or_fail(lambda: backup.backup(db.engine, path))
        click.echo(_("Backup written to %(path)s (%(size)s kB).", path=path,
                     size=format_number(round(path.stat().st_size / 1024))))

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Replace the data the database holds now.")
    def restore_command(path: Path, yes: bool) -> None:
        """Replace the whole database with the backup at PATH. Stop the portal first."""
        from portal import backup

        table = _or_fail(lambda: backup.first_table_with_rows(db.engine))
        if table and not yes:
            _fail(_("The database is not empty (table %(table)s holds data). Restoring "
                    "replaces all of it: add --yes to go ahead.", table=table), 2)
        revision = _or_fail(lambda: backup.restore(db.engine, path))
        click.echo(_("Database restored from %(path)s (schema revision %(revision)s).",
                     path=path, revision=revision))
        head = _schema_head()
        if revision != head:
            click.echo(_("The code expects schema revision %(head)s: run `flask db upgrade`.",
                         head=head))


def _or_fail(action):
    from portal.backup import BackupError

    try:
        return action()
    except BackupError as exc:
        _fail(exc.message, exc.exit_code)
    except OperationalError as exc:
        _fail(_("The database cannot be reached: %(error)s", error=exc.orig), 1)


def _fail(message: str, exit_code: int) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(exit_code)


def _schema_head() -> str:
    from alembic.script import ScriptDirectory

    migrate = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(migrate.migrate.get_config()).get_current_head()
