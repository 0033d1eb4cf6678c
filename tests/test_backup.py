"""`flask backup` / `flask restore`: a round trip brings back exactly what was saved."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Ticket
from tests import factories


def _row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def _revision() -> str:
    return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))


def test_backup_then_restore_brings_the_data_back_and_the_portal_works(app, client, auth,
                                                                       tmp_path):
    cli = app.test_cli_runner()
    with app.app_context():
        number = factories.ticket(short_text="橱柜门铰链松动").number
        saved = _row_counts()
        revision = _revision()
        db.session.remove()
    path = tmp_path / "portal.backup"
    made = cli.invoke(args=["backup", str(path)])
    assert made.exit_code == 0 and "备份已写入" in made.output and path.stat().st_size > 0
    assert cli.invoke(args=["backup", str(path)]).exit_code == 2  # never overwrites unasked

    with app.app_context():  # a bad day: a ticket changed, another customer's data gone
        db.session.execute(sa.update(Ticket).values(short_text="被误改"))
        factories.customer()
        db.session.commit()
        db.session.remove()
    refused = cli.invoke(args=["restore", str(path)])
    assert refused.exit_code == 2 and "--yes" in refused.output
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a backup")
    assert cli.invoke(args=["restore", str(not_a_backup), "--yes"]).exit_code == 1

    restored = cli.invoke(args=["restore", str(path), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "恢复" in restored.output
    with app.app_context():
        assert _row_counts() == saved
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert ticket.short_text == "橱柜门铰链松动"
        assert _revision() == revision  # the schema as migrated, so upgrades go on working
        db.session.remove()
    auth.login("20001")  # the portal reads and writes on the restored database
    page = client.get(f"/hotline/tickets/{number}")
    assert page.status_code == 200 and "橱柜门铰链松动" in page.get_data(as_text=True)
