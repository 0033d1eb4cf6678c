"""duties instead of areas: each group's permission codes become the duties they stood for

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Frozen copies (a migration must not change when the application's tables do).
_AGENT = {"hotline.view", "call.record", "ticket.handle", "callback.survey", "letter.write",
          "complaint.register"}
_STORE = {"stores.view", "reception.record", "estimate.edit", "estimate.approve",
          "appointment.book", "goods.receive", "feedback.give", "qa.handover", "letter.write"}
_CLERK = {"warehouse.view", "stock.receive", "stock.transfer", "requisition.issue",
          "stock.count", "part.edit", "return.report", "return.receive"}
LEGACY = {
    "hotline.view": _AGENT,
    "hotline.lead": {"calls.review", "complaint.reassign"},
    "stores.view": _STORE,
    "stores.supervise": {"ticket.approve", "dispatch.assign", "requisition.cancel"},
    "warehouse.view": _CLERK,
    "warehouse.approve": {"stock.adjust.approve", "return.approve"},
    "complaints.approve": {"complaint.approve"},
}
# The demo groups get exactly their SPEC §1 duties; other groups keep what they could do.
GROUPS = {
    "technician": {"stores.view", "job.work", "feedback.give"},
    "service_manager": {"hotline.view", "stores.view", "warehouse.view", "qa.view",
                        "reports.view", "complaint.approve", "complaint.reassign", "scope.all"},
}
REVERSE = {
    "call.record": "hotline.view", "calls.review": "hotline.lead",
    "reception.record": "stores.view", "job.work": "stores.view",
    "dispatch.assign": "stores.supervise", "stock.count": "warehouse.view",
    "stock.adjust.approve": "warehouse.approve", "complaint.approve": "complaints.approve",
}

groups = sa.table("permission_groups", sa.column("id", sa.Integer),
                  sa.column("code", sa.String), sa.column("permissions_text", sa.Text))


def _rewrite(convert):
    conn = op.get_bind()
    for gid, code, text in conn.execute(sa.select(groups.c.id, groups.c.code,
                                                  groups.c.permissions_text)).all():
        codes = {c for c in (text or "").split(",") if c}
        new = convert(code, codes)
        conn.execute(groups.update().where(groups.c.id == gid)
                     .values(permissions_text=",".join(sorted(new))))


def upgrade():
    def convert(code, codes):
        if code in GROUPS:
            return GROUPS[code]
        out = set()
        for c in codes:
            out |= LEGACY.get(c, {c})
        return out
    _rewrite(convert)


def downgrade():
    def convert(code, codes):
        out = {c for c in codes if "." in c and c.split(".")[0] in
               ("hotline", "stores", "warehouse", "qa", "reports", "admin", "audit", "scope")}
        return out | {REVERSE[c] for c in codes if c in REVERSE}
    _rewrite(convert)
