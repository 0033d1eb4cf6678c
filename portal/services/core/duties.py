"""Duties (the permission vocabulary), the groups of SPEC §1, menus and org-unit scoping."""

import sqlalchemy as sa
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models import OrgUnit

# Duties (职责): each code names what its holder may do. A group is a set of duties kept as
# data (the admin edits it); routes, buttons, links and workflow steps all ask for duties.
PERMISSIONS = {
    # Reading an area: its menu, lists and records (writing needs a duty of its own).
    "hotline.view": _l("Hotline: read calls, customers and tickets"),
    "stores.view": _l("Stores: read the branch queue and ticket workspace"),
    "warehouse.view": _l("Warehouse: read parts, stock and requisitions"),
    "qa.view": _l("Quality: read inspections and the quality review"),
    "reports.view": _l("Reports"),
    # Hotline (400热线)
    "call.record": _l("Record calls and create tickets"),
    "ticket.handle": _l("Move tickets along: department reply, Z2 steps, close, cancel"),
    "callback.survey": _l("Callbacks: survey calls and engineer feedback requests"),
    "letter.write": _l("Write and print contact letters"),
    "complaint.register": _l("Complaints: register, judge, assign, confirm, close"),
    "complaint.reassign": _l("Complaints: reassign the handler"),
    "complaint.approve": _l("Complaints: approve or send back solutions"),
    "calls.review": _l("Review agents' calls (team lead)"),
    # Branch stores (门店)
    "reception.record": _l("Reception, walk-in customers, survey and inspection"),
    "estimate.edit": _l("Estimates: draft, add lines, revise"),
    "estimate.approve": _l("Estimates: record the customer's approval, orders and invoices"),
    "ticket.approve": _l("Approve or refuse service items, ask HQ for support"),
    "dispatch.assign": _l("Dispatch work to technicians, raise its requisition"),
    "requisition.cancel": _l("Cancel a parts requisition"),
    "appointment.book": _l("Book, move and close appointments"),
    "goods.receive": _l("Take customers' goods in and hand them back"),
    "job.work": _l("Own jobs: start, hours, parts used, finish"),
    "feedback.give": _l("Answer an engineer feedback request"),
    # Warehouse (仓库)
    "stock.receive": _l("Book goods receipts into stock"),
    "stock.transfer": _l("Transfer stock between conditions and warehouses"),
    "requisition.issue": _l("Issue requisitions from stock"),
    "stock.count": _l("Open, count and submit stock counts"),
    "stock.adjust.approve": _l("Approve stock counts and post their differences"),
    "part.edit": _l("Edit the parts catalogue"),
    "return.report": _l("Report returns and damage"),
    "return.approve": _l("Approve or refuse returns and damage reports"),
    "return.receive": _l("Book approved returns in"),
    # Quality (质检)
    "qa.inspect": _l("Check installations: sign off or send back for rework"),
    "qa.handover": _l("Handover and customer acceptance"),
    # Administration
    "admin.manage": _l("Administration: org, users, groups, master data"),
    "audit.view": _l("Audit trail"),
    "scope.all": _l("See records of all org units"),
}

_AGENT = {"hotline.view", "call.record", "ticket.handle", "callback.survey", "letter.write",
          "complaint.register", "scope.all"}
_STORE = {"stores.view", "reception.record", "estimate.edit", "estimate.approve",
          "appointment.book", "goods.receive", "feedback.give", "qa.handover", "letter.write"}

# The ten groups of SPEC §1, created by `seed-demo` and kept as data that admins may extend.
# Their names are data (the company's own Chinese names), not UI strings.
GROUPS = {
    "admin": ("系统管理员", {"admin.manage", "audit.view", "scope.all"}),
    "agent": ("400客服", _AGENT),
    "agent_lead": ("坐席班长", _AGENT | {"calls.review", "complaint.reassign", "reports.view"}),
    "store_rep": ("服务代表", _STORE),
    "store_supervisor": ("责任中心主管", _STORE | {"ticket.approve", "dispatch.assign",
                                             "requisition.cancel", "reports.view"}),
    "technician": ("服务人员 / 安装人员", {"stores.view", "job.work", "feedback.give"}),
    "warehouse_clerk": ("仓管员", {"warehouse.view", "stock.receive", "stock.transfer",
                                 "requisition.issue", "stock.count", "part.edit",
                                 "return.report", "return.receive"}),
    # Managers count and report too; approving what they took part in is refused.
    "warehouse_manager": ("客户服务经理", {"warehouse.view", "stock.receive", "stock.transfer",
                                       "requisition.issue", "stock.count", "part.edit",
                                       "return.report", "return.receive",
                                       "stock.adjust.approve", "return.approve",
                                       "reports.view"}),
    "qa_inspector": ("质检员", {"qa.view", "qa.inspect", "qa.handover"}),
    # Reads everything; writes complaint decisions and only what an admin grants.
    "service_manager": ("服务经理", {"hotline.view", "stores.view", "warehouse.view", "qa.view",
                                  "reports.view", "complaint.approve", "complaint.reassign",
                                  "scope.all"}),
}

# Wave-1 codes → the duties they stood for, for groups an admin created (migration 0008).
LEGACY = {
    "hotline.view": _AGENT - {"scope.all"},
    "hotline.lead": {"calls.review", "complaint.reassign"},
    "stores.view": _STORE,
    "stores.supervise": {"ticket.approve", "dispatch.assign", "requisition.cancel"},
    "warehouse.view": GROUPS["warehouse_clerk"][1],
    "warehouse.approve": {"stock.adjust.approve", "return.approve"},
    "complaints.approve": {"complaint.approve"},
}

# Menu areas (菜单): endpoint of the landing page, label, and the permission that opens it.
AREAS = (
    ("hotline", "hotline.index", _l("Hotline"), "hotline.view"),
    ("stores", "stores.index", _l("Stores"), "stores.view"),
    ("warehouse", "warehouse.index", _l("Warehouse"), "warehouse.view"),
    ("qa", "qa.index", _l("Quality"), "qa.view"),
    ("reports", "reports.index", _l("Reports"), "reports.view"),
    ("admin", "admin.index", _l("Administration"), "admin.manage"),
)


def areas_for(user) -> list[tuple]:
    perms = user.permissions
    return [a for a in AREAS if a[3] in perms]


def visible_org_ids(user) -> set[int] | None:
    """Org units whose records `user` may see: None means all (hotline, HQ, admin).

    Store, warehouse and QA users see their own unit and everything beneath it, so a
    region-level QA inspector sees the region's branches.
    """
    if user.can("scope.all"):
        return None
    # Asked several times per request (list, record, menu): walk the org tree once.
    cache = g.setdefault("visible_org_ids", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = _units_below(user.org_unit_id)
    return cache[user.id]


def _units_below(org_unit_id: int) -> set[int]:
    ids = {org_unit_id}
    frontier = {org_unit_id}
    while frontier:
        children = db.session.scalars(
            sa.select(OrgUnit.id).where(OrgUnit.parent_id.in_(frontier))
        ).all()
        frontier = set(children) - ids
        ids |= frontier
    return ids


def scope_to_org(stmt, org_column, user):
    """Limit a select to the records of the user's org units (no-op for scope.all users)."""
    ids = visible_org_ids(user)
    return stmt if ids is None else stmt.where(org_column.in_(ids))
