"""All models, imported here so Alembic and the app see one complete metadata."""

from portal.models.audit import AuditEvent, DocumentCounter
from portal.models.customers import Customer, CustomerAttribute, CustomerKind, Product, ProductUse
from portal.models.org import Department, OrgKind, OrgUnit
from portal.models.pricing import PriceItem, PriceKind
from portal.models.users import Employee, PermissionGroup, employee_groups

__all__ = [
    "AuditEvent", "Customer", "CustomerAttribute", "CustomerKind", "Department",
    "DocumentCounter", "Employee", "OrgKind", "OrgUnit", "PermissionGroup", "PriceItem",
    "PriceKind", "Product", "ProductUse", "employee_groups",
]
