"""Customers (客户档案) and their products / equipment (设备 / 产品)."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Audited, Deactivatable, Timestamps, enum_column, search_string


class CustomerKind(enum.Enum):
    PERSON = "person"
    COMPANY = "company"

    @property
    def label(self) -> str:
        return str({CustomerKind.PERSON: _l("Person"), CustomerKind.COMPANY: _l("Company")}[self])


class CustomerAttribute(enum.Enum):
    """客户属性: what entitles the customer to service."""

    IN_WARRANTY = "in_warranty"
    ANNUAL_CONTRACT = "annual_contract"
    PER_VISIT_CONTRACT = "per_visit_contract"
    LETTER_SERVICE = "letter_service"

    @property
    def label(self) -> str:
        return str(CUSTOMER_ATTRIBUTE_LABELS[self])


CUSTOMER_ATTRIBUTE_LABELS = {
    CustomerAttribute.IN_WARRANTY: _l("In warranty"),
    CustomerAttribute.ANNUAL_CONTRACT: _l("Annual contract"),
    CustomerAttribute.PER_VISIT_CONTRACT: _l("Per-visit contract"),
    CustomerAttribute.LETTER_SERVICE: _l("Contact-letter service"),
}


class ProductUse(enum.Enum):
    PUBLIC = "public"
    PRIVATE = "private"

    @property
    def label(self) -> str:
        labels = {ProductUse.PUBLIC: _l("Public use"), ProductUse.PRIVATE: _l("Private use")}
        return str(labels[self])


class Customer(Audited, Deactivatable, Timestamps, db.Model):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(search_string(20), unique=True)  # 客户编号
    kind: Mapped[CustomerKind] = mapped_column(enum_column(CustomerKind))
    name: Mapped[str] = mapped_column(search_string(100), index=True)  # 客户姓名 / 单位名称
    contact_person: Mapped[str | None] = mapped_column(sa.String(50))
    phone_mobile: Mapped[str | None] = mapped_column(sa.String(30), index=True)
    phone_home: Mapped[str | None] = mapped_column(sa.String(30), index=True)
    phone_office: Mapped[str | None] = mapped_column(sa.String(30), index=True)
    province: Mapped[str | None] = mapped_column(sa.String(30))
    city: Mapped[str | None] = mapped_column(sa.String(30))
    district: Mapped[str | None] = mapped_column(sa.String(30))
    street: Mapped[str | None] = mapped_column(sa.String(200))
    postal_code: Mapped[str | None] = mapped_column(sa.String(10))
    email: Mapped[str | None] = mapped_column(sa.String(120))
    attribute: Mapped[CustomerAttribute] = mapped_column(
        enum_column(CustomerAttribute), default=CustomerAttribute.IN_WARRANTY
    )
    vip: Mapped[bool] = mapped_column(default=False)
    birthday: Mapped[date | None]
    # 功能位置: where the service happens when it is not the customer's own address.
    service_province: Mapped[str | None] = mapped_column(sa.String(30))
    service_city: Mapped[str | None] = mapped_column(sa.String(30))
    service_district: Mapped[str | None] = mapped_column(sa.String(30))
    service_street: Mapped[str | None] = mapped_column(sa.String(200))
    remarks: Mapped[str | None] = mapped_column(sa.Text)
    last_service_at: Mapped[datetime | None]

    products: Mapped[list["Product"]] = relationship(
        back_populates="customer", order_by="Product.id"
    )
    phone_index: Mapped[list["CustomerPhone"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def address(self) -> str:
        return "".join(p for p in (self.province, self.city, self.district, self.street) if p)

    @property
    def service_address(self) -> str:
        parts = (self.service_province, self.service_city, self.service_district,
                 self.service_street)
        return "".join(p for p in parts if p)

    @property
    def phones(self) -> list[str]:
        return [p for p in (self.phone_mobile, self.phone_home, self.phone_office) if p]

    def __str__(self) -> str:
        return self.name


class CustomerPhone(db.Model):
    """Search index of a customer's phones (来电弹屏): digits only, and reversed for suffixes.

    Kept in step with the customer's phone fields by services.customers on every flush; a
    B-tree range on `digits` finds a number by its start, on `reversed_digits` by its end.
    """

    __tablename__ = "customer_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(sa.String(1))  # M / H / O
    digits: Mapped[str] = mapped_column(search_string(30), index=True)
    reversed_digits: Mapped[str] = mapped_column(search_string(30), index=True)


class Product(Audited, Deactivatable, Timestamps, db.Model):
    """A customer's product or equipment, identified by its serial number (序列号)."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(search_string(40), unique=True)
    barcode: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    category: Mapped[str] = mapped_column(sa.String(40))  # 产品大类
    subcategory: Mapped[str | None] = mapped_column(sa.String(40))  # 产品小类
    manufacturer: Mapped[str | None] = mapped_column(sa.String(100))
    brand: Mapped[str | None] = mapped_column(sa.String(50))
    model: Mapped[str | None] = mapped_column(sa.String(50))
    spec: Mapped[str | None] = mapped_column(sa.String(100))
    colour: Mapped[str | None] = mapped_column(sa.String(40))
    purchase_date: Mapped[date | None]
    use: Mapped[ProductUse | None] = mapped_column(enum_column(ProductUse))
    warranty_end: Mapped[date | None] = mapped_column(index=True)  # contract-expiry scan
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    po_number: Mapped[str | None] = mapped_column(sa.String(40))

    customer: Mapped[Customer | None] = relationship(back_populates="products")

    def in_warranty(self, on: date) -> bool:
        return self.warranty_end is not None and on <= self.warranty_end

    def __str__(self) -> str:
        return " ".join(p for p in (self.serial, self.model) if p)
