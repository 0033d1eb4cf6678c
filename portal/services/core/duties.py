"""Permission vocabulary, the groups of SPEC §1, the route guard and org-unit scoping."""

import sqlalchemy as sa
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models import OrgUnit

PERMISSIONS = {
    "hotline.view": _l("Hotline: calls and tickets"),
    "hotline.lead": _l("Hotline: team lead review and reassign"),
    "stores.view": _l("Stores: queue and reception"),
    "stores.supervise": _l("Stores: approvals and dispatch"),
    "warehouse.view": _l("Warehouse: receipts, issues and counts"),
    "warehouse.approve": _l("Warehouse: approve adjustments, returns, damage"),
    "qa.view": _l("QA: inspections and acceptance"),
    "qa.inspect": _l("QA: check installations, sign off or send back for rework"),
    # Handover with the customer (交工验收) is done by the branch or by the inspector on site.
    "qa.handover": _l("QA: handover and customer acceptance"),
    "complaints.approve": _l("Complaints: approve solutions"),
    "reports.view": _l("Reports"),
    "admin.manage": _l("Administration: org, users, master data"),
    "audit.view": _l("Audit trail"),
    "scope.all": _l("See records of all org units"),
}

# The ten groups of SPEC §1, created by `seed-demo` and kept as data that admins may extend.
# Their names are data (the company's own Chinese names), not UI strings.
GROUPS = {
    "admin": ("系统管理员", {"admin.manage", "audit.view", "scope.all"}),
    "agent": ("400客服", {"hotline.view", "scope.all"}),
    "agent_lead": ("坐席班长", {"hotline.view", "hotline.lead", "reports.view", "scope.all"}),
    "store_rep": ("服务代表", {"stores.view", "qa.handover"}),
    "store_supervisor": ("责任中心主管", {"stores.view", "stores.supervise", "reports.view",
                                     "qa.handover"}),
    "technician": ("服务人员 / 安装人员", {"stores.view"}),
    "warehouse_clerk": ("仓管员", {"warehouse.view"}),
    "warehouse_manager": ("客户服务经理", {"warehouse.view", "warehouse.approve", "reports.view"}),
    "qa_inspector": ("质检员", {"qa.view", "qa.inspect", "qa.handover"}),
    "service_manager": ("服务经理", {"hotline.view", "stores.view", "warehouse.view", "qa.view",
                                  "reports.view", "complaints.approve", "scope.all"}),
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
