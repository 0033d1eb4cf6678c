"""`flask seed-demo`: realistic demo data, and a second run adds nothing."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Customer, Employee, OrgKind, OrgUnit, PermissionGroup, Product
from portal.services.core.duties import GROUPS


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_is_idempotent_and_complete(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--customers", "40"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        counts = {m: _count(m) for m in (Customer, Product, Employee, OrgUnit, PermissionGroup)}
        assert counts[Customer] == 40 and counts[Product] >= 40
        assert {g.code for g in db.session.scalars(sa.select(PermissionGroup))} == set(GROUPS)
        kinds = [u.kind for u in db.session.scalars(sa.select(OrgUnit))]
        assert kinds.count(OrgKind.REGION) == 2 and kinds.count(OrgKind.BRANCH) == 3
        assert kinds.count(OrgKind.WAREHOUSE) == 2
        covered = set().union(*(e.group_codes for e in db.session.scalars(sa.select(Employee))))
        assert covered == set(GROUPS)  # a demo user for every group
        assert all(not e.must_change_password for e in db.session.scalars(sa.select(Employee)))
    second = runner.invoke(args=["seed-demo", "--customers", "40"])
    assert second.exit_code == 0
    assert "customers: +0" in second.output
    with app.app_context():
        assert {m: _count(m) for m in counts} == counts


def test_every_demo_account_signs_in(app, auth, client):
    for no in ("10001", "20001", "20002", "30001", "30002", "30003", "31001", "40001", "40002",
               "50001", "60001"):
        response = auth.login(no)
        assert response.status_code == 302 and response.location == "/", no
        landing = client.get("/", follow_redirects=True)
        assert landing.status_code == 200, no
        auth.logout()
