"""The domain model: plain SQLAlchemy mappings, one module per aggregate."""

from motcua.models.attachment import Attachment, AttachmentKind
from motcua.models.audit import AuditEntry
from motcua.models.base import Base, utcnow
from motcua.models.calendar_day import CalendarDay, CalendarDayKind
from motcua.models.dossier import (
    FINAL_STATUSES,
    Channel,
    Dossier,
    DossierCounter,
    DossierStatus,
)
from motcua.models.event import Event
from motcua.models.exceptions import Apology, SupplementRequest
from motcua.models.notification import Notification, NotificationStatus
from motcua.models.procedure import (
    OnlineLevel,
    Procedure,
    ProcedureLevel,
    ProcessDraft,
    ProcessStatus,
    ProcessVersion,
)
from motcua.models.report_snapshot import ReportSnapshot
from motcua.models.task import ACTIVE_TASK_STATUSES, Task, TaskCandidate, TaskStatus
from motcua.models.unit import Unit, UnitLevel
from motcua.models.user import Role, User, UserRole

__all__ = [
    "ACTIVE_TASK_STATUSES",
    "Apology",
    "FINAL_STATUSES",
    "Attachment",
    "AttachmentKind",
    "AuditEntry",
    "Base",
    "CalendarDay",
    "CalendarDayKind",
    "Channel",
    "Dossier",
    "DossierCounter",
    "DossierStatus",
    "Event",
    "Notification",
    "NotificationStatus",
    "OnlineLevel",
    "Procedure",
    "ProcedureLevel",
    "ProcessDraft",
    "ProcessStatus",
    "ProcessVersion",
    "ReportSnapshot",
    "Role",
    "SupplementRequest",
    "Task",
    "TaskCandidate",
    "TaskStatus",
    "Unit",
    "UnitLevel",
    "User",
    "UserRole",
    "utcnow",
]
