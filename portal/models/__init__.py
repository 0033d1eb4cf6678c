"""All models, imported here so Alembic and the app see one complete metadata."""

from portal.models.audit import AuditEvent, DocumentCounter
from portal.models.customers import (
    Customer,
    CustomerAttribute,
    CustomerKind,
    CustomerPhone,
    Product,
    ProductUse,
)
from portal.models.documents import ContactLetter
from portal.models.hotline import (
    Callback,
    CallbackKind,
    CallbackStatus,
    CallCategory,
    CallRecord,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    Satisfaction,
)
from portal.models.inventory import (
    CountStatus,
    DamageProposal,
    DamageReport,
    DamageStatus,
    MovementKind,
    Part,
    Requisition,
    RequisitionLine,
    RequisitionStatus,
    ReturnReport,
    ReturnStatus,
    StockBalance,
    StockCondition,
    StockCount,
    StockCountLine,
    StockMovement,
    StockReceipt,
    StockReceiptLine,
)
from portal.models.org import BranchArea, Department, OrgKind, OrgUnit
from portal.models.pricing import PriceItem, PriceKind
from portal.models.quality import (
    Acceptance,
    Accessories,
    Checklist,
    ChecklistItem,
    CheckResult,
    CheckVerdict,
    ItemOutcome,
    QualityCheck,
)
from portal.models.stores import (
    PRIORITY_ORDER,
    Appointment,
    AppointmentStatus,
    AssignmentRole,
    Dispatch,
    DispatchAssignment,
    DispatchCategory,
    Estimate,
    EstimateLine,
    EstimateStatus,
    GoodsReceipt,
    Inspection,
    InspectionLine,
    InspectionPosition,
    LineKind,
    PaymentMethod,
    Priority,
    ProblemPoint,
    Reception,
    ServiceOrder,
    StoreTask,
    Warranty,
    WorkLog,
)
from portal.models.tickets import (
    OPEN_STATUSES,
    ServiceClass,
    ServiceItem,
    Ticket,
    TicketEvent,
    TicketItem,
    TicketKind,
    TicketStatus,
    TicketTiming,
)
from portal.models.users import Employee, PermissionGroup, UnknownSignIn, employee_groups

__all__ = [
    "PRIORITY_ORDER", "Appointment", "AppointmentStatus", "AssignmentRole", "Dispatch",
    "DispatchAssignment", "DispatchCategory", "Estimate", "EstimateLine", "EstimateStatus",
    "GoodsReceipt", "Inspection", "InspectionLine", "InspectionPosition", "LineKind",
    "PaymentMethod", "Priority", "ProblemPoint", "Reception", "ServiceOrder", "StoreTask",
    "Warranty", "WorkLog",
    "OPEN_STATUSES", "AuditEvent", "BranchArea", "CallCategory", "CallRecord", "Callback",
    "CallbackKind", "CallbackStatus", "Complaint", "ComplaintCategory", "ComplaintChannel",
    "ComplaintStatus", "ContactLetter", "Customer", "CustomerAttribute", "CustomerKind",
    "CustomerPhone", "Department", "DocumentCounter", "Employee", "OrgKind", "OrgUnit",
    "PermissionGroup", "PriceItem", "PriceKind", "Product", "ProductUse", "Satisfaction",
    "ServiceClass", "ServiceItem", "Ticket", "TicketEvent", "TicketItem", "TicketKind",
    "TicketStatus", "TicketTiming", "UnknownSignIn", "employee_groups",
    # warehouse
    "CountStatus", "DamageProposal", "DamageReport", "DamageStatus", "MovementKind", "Part",
    "Requisition", "RequisitionLine", "RequisitionStatus", "ReturnReport", "ReturnStatus",
    "StockBalance", "StockCondition", "StockCount", "StockCountLine", "StockMovement",
    "StockReceipt", "StockReceiptLine",
    # quality
    "Acceptance", "Accessories", "CheckResult", "CheckVerdict", "Checklist", "ChecklistItem",
    "ItemOutcome", "QualityCheck",
]
