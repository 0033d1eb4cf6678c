"""Org structure (组织结构): HQ → region → branch store / office; warehouses belong to a region."""

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Audited, Deactivatable, Timestamps, enum_column


class OrgKind(enum.Enum):
    HQ = "hq"
    REGION = "region"
    BRANCH = "branch"
    WAREHOUSE = "warehouse"

    @property
    def label(self) -> str:
        return str(ORG_KIND_LABELS[self])


ORG_KIND_LABELS = {
    OrgKind.HQ: _l("HQ"),
    OrgKind.REGION: _l("Region"),
    OrgKind.BRANCH: _l("Branch store"),
    OrgKind.WAREHOUSE: _l("Warehouse"),
}


class OrgUnit(Audited, Deactivatable, Timestamps, db.Model):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    work_center: Mapped[str | None] = mapped_column(sa.String(20))  # SAP 工作中心, e.g. S4002
    address: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(40))

    parent: Mapped["OrgUnit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["OrgUnit"]] = relationship(back_populates="parent")

    def __str__(self) -> str:
        return self.name


class Department(Audited, Deactivatable, Timestamps, db.Model):
    """部门: a function inside an org unit (客服部, 安装部, 仓储部 …)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)

    org_unit: Mapped[OrgUnit] = relationship()

    def __str__(self) -> str:
        return self.name


class BranchArea(Audited, Deactivatable, Timestamps, db.Model):
    """Which branch store serves an address (region → branch mapping, admin-maintained).

    The most specific match wins: province + city + district, then province + city, then
    province alone.
    """

    __tablename__ = "branch_areas"
    __table_args__ = (sa.UniqueConstraint("province", "city", "district",
                                          name="uq_branch_areas_place"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(sa.String(30))
    city: Mapped[str] = mapped_column(sa.String(30), default="")
    district: Mapped[str] = mapped_column(sa.String(30), default="")
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))

    branch: Mapped[OrgUnit] = relationship()

    def __str__(self) -> str:
        return "".join((self.province, self.city, self.district))
