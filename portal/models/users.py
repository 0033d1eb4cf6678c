"""Employees (员工) who sign in, and permission groups (权限组) that grant what they may do."""

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Audited, Deactivatable, Timestamps
from portal.models.org import Department, OrgUnit

employee_groups = sa.Table(
    "employee_groups",
    db.metadata,
    sa.Column("employee_id", sa.ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("group_id", sa.ForeignKey("permission_groups.id"), primary_key=True),
)


class PermissionGroup(Audited, Deactivatable, Timestamps, db.Model):
    __tablename__ = "permission_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str | None] = mapped_column(sa.String(300))
    # Comma-separated permission codes from services.permissions.PERMISSIONS: a small,
    # fixed vocabulary read once per request, so a join table would only add queries.
    permissions_text: Mapped[str] = mapped_column(sa.Text, default="")

    @property
    def permissions(self) -> set[str]:
        return {p for p in (self.permissions_text or "").split(",") if p}

    @permissions.setter
    def permissions(self, codes) -> None:
        self.permissions_text = ",".join(sorted(set(codes)))

    def __str__(self) -> str:
        return self.name


class Employee(UserMixin, Audited, Deactivatable, Timestamps, db.Model):
    """员工: signs in with 工号 (employee_no) and belongs to one org unit and ≥1 groups."""

    __tablename__ = "employees"
    __audit_exclude__ = ("failed_logins", "locked_until", "last_login_at", "locale",
                         "session_epoch")
    __audit_redact__ = ("password_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_no: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    email: Mapped[str | None] = mapped_column(sa.String(120))
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    skills: Mapped[str | None] = mapped_column(sa.String(300))  # comma-separated (技能)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    must_change_password: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    # Every signed session carries the epoch it began in; raising it ends them all on the
    # server (sign-out, password change, deactivation, an admin's reset).
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    org_unit: Mapped[OrgUnit] = relationship()
    department: Mapped[Department | None] = relationship()
    # Loaded when asked for: an employee shown by name on a ticket or call needs no groups;
    # the signed-in one comes with them from web/signed_in.py.
    groups: Mapped[list[PermissionGroup]] = relationship(
        secondary=employee_groups, order_by=PermissionGroup.id
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated employee cannot sign in
        return self.active

    @property
    def permissions(self) -> set[str]:
        perms: set[str] = set()
        for group in self.groups:
            if group.active:
                perms |= group.permissions
        return perms

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def group_names(self) -> str:
        return "、".join(g.name for g in self.groups if g.active)

    @property
    def group_codes(self) -> set[str]:
        return {g.code for g in self.groups if g.active}

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"


class UnknownSignIn(db.Model):
    """Failed sign-ins with a number that names no employee: counted and locked like an
    employee's (services/core/lockout.py), so a lock does not tell which numbers exist."""

    __tablename__ = "unknown_sign_ins"

    employee_no: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Rows untouched for a day are purged (lockout.reserve), so typed numbers do not pile up.
    updated_at: Mapped[datetime] = mapped_column(index=True)
