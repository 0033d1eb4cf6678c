"""The warehouse tables on the one engine: who may take each step, read from the demo groups
(SPEC §1), so a change to a duty or a group shows here as a changed row."""

import pytest

from portal.services.core.duties import GROUPS, PERMISSIONS
from portal.services.warehouse.workflow import DAMAGE, REQUISITION, RETURN, STOCK_COUNT

CLERKS = {"warehouse_clerk", "warehouse_manager"}
MANAGER = {"warehouse_manager"}
SUPERVISOR = {"store_supervisor"}

EXPECTED = {
    (REQUISITION, "approve"): SUPERVISOR,  # with dispatch (dispatch.assign)
    (REQUISITION, "cancel"): SUPERVISOR,  # not the technician, not the store rep
    (REQUISITION, "issue"): CLERKS,
    (REQUISITION, "wait"): CLERKS,
    (STOCK_COUNT, "count"): CLERKS,
    (STOCK_COUNT, "submit"): CLERKS,
    (STOCK_COUNT, "cancel"): CLERKS,
    (STOCK_COUNT, "approve"): MANAGER,
    (STOCK_COUNT, "recount"): MANAGER,
    (RETURN, "approve"): MANAGER,
    (RETURN, "refuse"): MANAGER,
    (RETURN, "receive"): CLERKS,
    (DAMAGE, "approve"): MANAGER,
    (DAMAGE, "refuse"): MANAGER,
}


def _holders(duties: frozenset) -> set[str]:
    return {code for code, (_, granted) in GROUPS.items() if duties & granted}


@pytest.mark.parametrize("table, action", list(EXPECTED), ids=lambda v: getattr(v, "name", v))
def test_who_takes_each_warehouse_step(table, action):
    rows = [row for row in table.rows if row.action == action]
    assert rows, action
    for row in rows:
        assert row.duties <= set(PERMISSIONS)
        assert _holders(row.duties) == EXPECTED[(table, action)], (table.name, action)
        assert "service_manager" not in _holders(row.duties)  # reads, writes nothing


def test_every_row_is_listed_and_verb_steps_are_not_buttons():
    assert {(t, r.action) for t in (REQUISITION, STOCK_COUNT, RETURN, DAMAGE)
            for r in t.rows} == set(EXPECTED)
    verb_steps = {(t.name, r.action) for t in (REQUISITION, STOCK_COUNT, RETURN, DAMAGE)
                  for r in t.rows if r.by_verb}
    # Each writes records of its own (issue note and ledger, count lines, goods in).
    assert verb_steps == {("requisition", "issue"), ("requisition", "wait"),
                          ("stock_count", "count"), ("stock_count", "submit"),
                          ("return", "receive")}

