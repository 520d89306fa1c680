"""The domain model: plain SQLAlchemy mappings, one module per aggregate.

The statuses and kinds the columns hold live in motcua.vocabulary; they are named here too, so
that ``from motcua.models import DossierStatus`` keeps working.
"""

from motcua.models.attachment import Attachment
from motcua.models.audit import AuditEntry
from motcua.models.base import Base, replaying, utcnow
from motcua.models.calendar_day import CalendarDay
from motcua.models.dossier import Dossier, DossierCounter
from motcua.models.event import Event
from motcua.models.fee import DossierFee, FeeLine, Payment
from motcua.models.notification import Notification
from motcua.models.paper_template import PaperTemplate
from motcua.models.paper_trail import Apology, SupplementRequest
from motcua.models.portal_inbound import PortalInbound
from motcua.models.portal_message import PortalMessage
from motcua.models.procedure import Offer, Procedure, ProcessDraft, ProcessVersion
from motcua.models.report_snapshot import ReportSnapshot
from motcua.models.security import LookupFailure, SecurityEvent
from motcua.models.signature_verdict import AttachmentSignature
from motcua.models.task import Task, TaskCandidate
from motcua.models.unit import Unit
from motcua.models.user import User, UserRole
from motcua.vocabulary import (
    ACTIVE_TASK_STATUSES,
    FINAL_STATUSES,
    AttachmentKind,
    CalendarDayKind,
    Channel,
    DossierStatus,
    NotificationStatus,
    OnlineLevel,
    ProcedureLevel,
    ProcessStatus,
    Role,
    TaskStatus,
    UnitLevel,
)

__all__ = [
    "ACTIVE_TASK_STATUSES",
    "Apology",
    "FINAL_STATUSES",
    "Attachment",
    "AttachmentSignature",
    "AttachmentKind",
    "AuditEntry",
    "Base",
    "CalendarDay",
    "CalendarDayKind",
    "Channel",
    "Dossier",
    "DossierFee",
    "DossierCounter",
    "DossierStatus",
    "Event",
    "FeeLine",
    "Notification",
    "NotificationStatus",
    "Offer",
    "PaperTemplate",
    "Payment",
    "PortalInbound",
    "PortalMessage",
    "OnlineLevel",
    "Procedure",
    "ProcedureLevel",
    "ProcessDraft",
    "ProcessStatus",
    "ProcessVersion",
    "ReportSnapshot",
    "LookupFailure",
    "SecurityEvent",
    "Role",
    "SupplementRequest",
    "Task",
    "TaskCandidate",
    "TaskStatus",
    "Unit",
    "UnitLevel",
    "User",
    "UserRole",
    "replaying",
    "utcnow",
]
