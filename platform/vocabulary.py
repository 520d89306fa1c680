"""The domain's vocabulary, once: each status, kind and outcome with its value, its translated
label and, where the pages colour it, its css class (as NetBox's ``choices.py``).

The values are stored in the database and given by the API: never change one. The labels are
lazy, worded when shown in the reader's language: Vietnamese outside a request, and on the
legal papers and mails, which are rendered in Vietnamese whatever the officer reads
(``in_vietnamese``). A sentence around a label ("trả trực tiếp tại …") belongs to the template
that needs it, not here.
"""

import enum

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class Choice(enum.StrEnum):
    """A StrEnum whose members carry a label, and a css class: ``NAME = "value", _l("Nhãn")``."""

    def __new__(cls, value: str, label, css: str = ""):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.css = css
        return member

    @classmethod
    def label_of(cls, value):
        """The label of a value (a member or its text, as events keep them); a value that is
        not one of ours (an outcome a diagram's form made up, say) is shown as it is."""
        try:
            return cls(getattr(value, "value", value)).label
        except ValueError:
            return value


def in_sentence(label) -> LazyString:
    """A label as a word inside a sentence ("vai trò lãnh đạo"): lower case, still worded when
    shown."""
    return LazyString(lambda: str(label).lower())


def in_vietnamese(label) -> str:
    """A label as Vietnamese text, for what is stored (audit summaries) or printed on legal
    papers whatever the officer's language."""
    with force_locale("vi"):
        return str(label)


# -- dossiers ----------------------------------------------------------------------------------


class DossierStatus(Choice):
    RECEIVED = "received", _l("Mới tiếp nhận")
    PROCESSING = "processing", _l("Đang xử lý")
    WAITING_APPLICANT = "waiting_applicant", _l("Chờ bổ sung")
    RESULT_READY = "result_ready", _l("Có kết quả")
    RETURNED = "returned", _l("Đã trả kết quả")
    REFUSED = "refused", _l("Từ chối")
    WITHDRAWN = "withdrawn", _l("Đã rút")
    PAUSED = "paused", _l("Đang tạm dừng")  # tạm dừng where the law allows it; the clock stops
    STOPPED = "stopped", _l("Dừng giải quyết")  # ended by a leader where the law allows it
    # Submitted online, not yet checked by the receiving desk (portal status 1): no clock, no
    # workflow until the desk accepts it (motcua.services.online_desk).
    SUBMITTED = "submitted", _l("Mới đăng ký trực tuyến")
    # Refused at receipt (an online dossier the desk's check turns down): never received, so
    # never counted as received in the reports.
    NOT_ACCEPTED = "not_accepted", _l("Không được tiếp nhận")


FINAL_STATUSES = frozenset(
    {
        DossierStatus.NOT_ACCEPTED,
        DossierStatus.RETURNED,
        DossierStatus.REFUSED,
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
    }
)
# Online dossiers the desk has not received (yet, or ever): the registers and the reports
# count only what was received (Decree 118/2025/NĐ-CP art. 17: receipt is the desk's check).
NOT_RECEIVED = frozenset({DossierStatus.SUBMITTED, DossierStatus.NOT_ACCEPTED})


class Channel(Choice):
    """How the dossier was submitted: at a desk, by post or online (Decree 118/2025/NĐ-CP)."""

    DIRECT = "direct", _l("Trực tiếp tại Bộ phận một cửa")
    ONLINE = "online", _l("Trực tuyến")
    POSTAL = "postal", _l("Qua dịch vụ bưu chính công ích")


class ReturnMethod(Choice):
    """How the result was handed over."""

    AT_DESK = "at_desk", _l("Trực tiếp tại Bộ phận một cửa")
    POST = "post", _l("Qua dịch vụ bưu chính công ích")
    ONLINE = "online", _l("Trực tuyến (bản điện tử)")


class AttachmentKind(Choice):
    COMPONENT = "component", _l("Thành phần hồ sơ")  # a paper of the dossier
    WORKING = "working", _l("Tệp xử lý")  # an officer's working file
    RESULT = "result", _l("Kết quả")
    SLIP = "slip", _l("Phiếu")
    PAYMENT_RECEIPT = "payment_receipt", _l("Chứng từ nộp phí")  # the applicant's transfer proof


class SignatureVerdict(Choice):
    """What the check of a received PDF's signatures found (motcua.services.signature_check),
    one value per file: the worst of its signatures. Only "valid" is shown as valid (css)."""

    PENDING = "pending", _l("Đang kiểm tra chữ ký"), "muted"
    UNSIGNED = "unsigned", _l("Không có chữ ký số"), "muted"
    VALID = "valid", _l("Chữ ký số hợp lệ"), "ontime"
    INVALID = "invalid", _l("Chữ ký số không hợp lệ: tệp đã bị sửa sau khi ký"), "overdue"
    UNTRUSTED = (
        "untrusted",
        _l("Chữ ký số không được tin cậy: chứng thư số không do tổ chức được công nhận cấp"),
        "overdue",
    )
    EXPIRED = "expired", _l("Chữ ký số không hợp lệ: chứng thư số hết hiệu lực khi ký"), "overdue"
    REVOKED = "revoked", _l("Chữ ký số không hợp lệ: chứng thư số đã bị thu hồi"), "overdue"
    ERROR = "error", _l("Không đọc được tệp PDF để kiểm tra chữ ký"), "due-soon"


class EventKind(Choice):
    """What an event of a dossier's log records (``events.kind``)."""

    RECEIVED = "received", _l("Tiếp nhận hồ sơ")
    CLAIMED = "claimed", _l("Nhận xử lý")
    RELEASED = "released", _l("Trả lại hộp chung")
    REASSIGNED = "reassigned", _l("Giao lại")
    STEP_COMPLETED = "step_completed", _l("Hoàn thành bước")
    SENT_BACK = "sent_back", _l("Trả lại bước trước")
    FINISHED = "finished", _l("Kết thúc hồ sơ")
    ATTACHMENT_ADDED = "attachment_added", _l("Đính kèm tệp")
    SLIP_ISSUED = "slip_issued", _l("Phát phiếu")
    SUPPLEMENT_REQUESTED = "supplement_requested", _l("Yêu cầu bổ sung hồ sơ")
    SUPPLEMENT_RECEIVED = "supplement_received", _l("Nhận hồ sơ bổ sung")
    REFUSED = "refused", _l("Từ chối giải quyết")
    APOLOGY_ISSUED = "apology_issued", _l("Xin lỗi, hẹn lại")
    WITHDRAWN = "withdrawn", _l("Rút hồ sơ")
    PAUSED = "paused", _l("Tạm dừng giải quyết")
    RESUMED = "resumed", _l("Tiếp tục giải quyết")
    STOPPED = "stopped", _l("Dừng giải quyết")
    HANDED_OVER = "handed_over", _l("Chuyển đơn vị có thẩm quyền")
    REHOMED = "rehomed", _l("Chuyển đơn vị kế thừa")
    SUBMITTED = "submitted", _l("Nộp hồ sơ trực tuyến")
    REFUSED_AT_RECEIPT = "refused_at_receipt", _l("Từ chối tiếp nhận hồ sơ")
    # The leader's "ký duyệt" signed the result files (motcua.services.signing).
    RESULT_SIGNED = "result_signed", _l("Ký số kết quả")
    # The applicant online (motcua.services.applicant_papers, results_online): no officer acts.
    SUPPLEMENT_ANSWERED = "supplement_answered", _l("Người nộp bổ sung trực tuyến")
    RESULT_DOWNLOADED = "result_downloaded", _l("Tải tệp kết quả")
    # Fees (motcua.services.fees): each act on a dossier's fees.
    FEES_ASSESSED = "fees_assessed", _l("Xác định phí, lệ phí")
    FEE_PAID_AT_DESK = "fee_paid_at_desk", _l("Thu phí, lệ phí tại quầy")
    FEE_TRANSFER_NOTIFIED = "fee_transfer_notified", _l("Người nộp báo đã chuyển khoản phí")
    FEE_TRANSFER_CONFIRMED = "fee_transfer_confirmed", _l("Xác nhận đã nhận chuyển khoản phí")
    FEE_TRANSFER_REJECTED = "fee_transfer_rejected", _l("Không xác nhận chuyển khoản phí")
    FEE_WAIVED = "fee_waived", _l("Miễn phí, lệ phí")
    FEE_PAID_ONLINE = "fee_paid_online", _l("Nộp phí, lệ phí trực tuyến")


# -- fees and payments -------------------------------------------------------------------------


class FeeKind(Choice):
    """A procedure's fee line is a fee (phí: pays for a service) or a charge (lệ phí: a state
    levy), as the catalogue publishes it (Law on Fees and Charges 97/2015/QH13)."""

    FEE = "fee", _l("Phí")
    CHARGE = "charge", _l("Lệ phí")


class FeeState(Choice):
    """Where a dossier's fee stands (css: its colour). Bank transfer: the applicant notifies,
    the unit confirms (seed 002); at the desk and online the payment confirms it at once."""

    DUE = "due", _l("Chưa nộp"), "overdue"
    NOTIFIED = "notified", _l("Đã báo nộp, chờ xác nhận")
    CONFIRMED = "confirmed", _l("Đã nộp"), "ontime"
    WAIVED = "waived", _l("Được miễn"), "muted"


# A fee that still stands in the way: the dossier waits for it (portal status 6).
UNSETTLED_FEE_STATES = frozenset({FeeState.DUE, FeeState.NOTIFIED})


class PaymentMethod(Choice):
    """How a fee was paid: the ways a unit publishes (seed 002)."""

    AT_DESK = "at_desk", _l("Nộp trực tiếp tại Bộ phận một cửa")
    BANK_TRANSFER = "bank_transfer", _l("Chuyển khoản")
    ONLINE = "online", _l("Thanh toán trực tuyến")


class PaymentStatus(Choice):
    """An online payment's attempt with the provider."""

    PENDING = "pending", _l("Đang thanh toán")
    PAID = "paid", _l("Đã thanh toán"), "ontime"
    FAILED = "failed", _l("Không thành công"), "overdue"


# -- steps -------------------------------------------------------------------------------------


class TaskStatus(Choice):
    OPEN = "open", _l("Chưa nhận")
    CLAIMED = "claimed", _l("Đang xử lý")
    DONE = "done", _l("Đã xong")
    CANCELLED = "cancelled", _l("Đã hủy")


ACTIVE_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.CLAIMED)


class Outcome(Choice):
    """How a step ended (``tasks.outcome``): a decision of its form, or what the platform did.
    A diagram's form may give other decisions; they are kept and shown as they are."""

    DONE = "done", _l("Hoàn thành")
    APPROVE = "approve", _l("Đồng ý")
    SEND_BACK = "send_back", _l("Trả lại")
    REFUSE = "refuse", _l("Từ chối")
    SENT_BACK = "sent_back", _l("Trả lại bước trước")
    SUPPLEMENT = "supplement", _l("Yêu cầu bổ sung")


class Verdict(Choice):
    """How a step stands against its due time (motcua.services.timeline), worded as the control
    slip's column (form 05: trước hạn / đúng hạn / quá hạn); css: the pages' colour."""

    EARLY = "early", _l("Trước hạn"), "ontime"
    ON_TIME = "on_time", _l("Đúng hạn"), "ontime"
    LATE = "late", _l("Quá hạn"), "overdue"
    IN_PROGRESS = "in_progress", _l("Đang giải quyết")
    OVERDUE = "overdue", _l("Đang giải quyết, đã quá hạn"), "overdue"
    CANCELLED = "cancelled", _l("Đã hủy"), "muted"


# -- people and units --------------------------------------------------------------------------


class Role(Choice):
    RECEPTIONIST = "receptionist", _l("Cán bộ một cửa")
    SPECIALIST = "specialist", _l("Chuyên viên")
    LEADER = "leader", _l("Lãnh đạo")
    UNIT_ADMIN = "unit_admin", _l("Quản trị đơn vị")
    ANALYST = "analyst", _l("Phân tích nghiệp vụ")
    SUPERVISOR = "supervisor", _l("Giám sát")
    SYSTEM_ADMIN = "system_admin", _l("Quản trị hệ thống")


class UnitLevel(Choice):
    """The levels of a two-level province (Decree 118/2025/NĐ-CP art. 1.1, as amended by Decree
    309/2026/NĐ-CP): the province, its departments, its public-administration service centre with
    branches and receiving points, and its communes, wards and special zones, each with offices.
    A district is only history: data from before 1 July 2025, kept readable (no new ones)."""

    PROVINCE = "province", _l("Tỉnh, thành phố")
    DEPARTMENT = "department", _l("Sở, ban, ngành")
    CENTRE = "centre", _l("Trung tâm Phục vụ hành chính công tỉnh")
    BRANCH = "branch", _l("Chi nhánh, điểm tiếp nhận")
    COMMUNE = "commune", _l("Xã, phường, đặc khu")
    OFFICE = "office", _l("Phòng chuyên môn")  # of a department or a commune
    DISTRICT = "district", _l("Huyện (trước 01/7/2025)")


# -- the catalogue and the diagrams ------------------------------------------------------------


class ProcedureLevel(Choice):
    """Where a procedure is decided. "Cấp huyện" is only for entries from before 1 July 2025:
    those procedures moved to the province or the commune (Decree 118/2025/NĐ-CP)."""

    PROVINCE = "province", _l("Cấp tỉnh")
    COMMUNE = "commune", _l("Cấp xã")
    DISTRICT = "district", _l("Cấp huyện (trước 01/7/2025)")


# What a catalogue entry may be given from now on (no "cấp huyện" since 1 July 2025).
CURRENT_PROCEDURE_LEVELS = (ProcedureLevel.PROVINCE, ProcedureLevel.COMMUNE)


class OnlineLevel(Choice):
    FULL = "full", _l("Toàn trình")
    PARTIAL = "partial", _l("Một phần")
    NONE = "none", _l("Không")


class ProcessStatus(Choice):
    DRAFT = "draft", _l("Bản nháp")
    PUBLISHED = "published", _l("Đã ban hành")


class StepChangeKind(Choice):
    """How a step differs between two versions of a diagram."""

    ADDED = "added", _l("Bước mới thêm")
    REMOVED = "removed", _l("Bước đã bỏ")
    CHANGED = "changed", _l("Đã sửa")
    UNCHANGED = "unchanged", _l("Giữ nguyên")


# -- the calendar and the mail -----------------------------------------------------------------


class CalendarDayKind(Choice):
    """A province's own day (css: its colour on the calendar page)."""

    # An extra day off the province declares (or a swapped-out weekday).
    DAY_OFF = "day_off", _l("Ngày nghỉ của tỉnh"), "cal-off"
    # A weekend day worked in exchange.
    WORKING_DAY = "working_day", _l("Ngày làm việc bù"), "cal-work"


class MailKind(Choice):
    """What a mail of the outbox is about (``notifications.kind``; its template's name)."""

    RECEIPT = "receipt", _l("Tiếp nhận hồ sơ")
    SUPPLEMENT = "supplement", _l("Yêu cầu bổ sung")
    REFUSAL = "refusal", _l("Từ chối giải quyết")
    DELAY = "delay", _l("Xin lỗi, hẹn lại")
    RESULT = "result", _l("Trả kết quả")
    TASK = "task", _l("Việc mới")
    REASSIGNED = "reassigned", _l("Giao lại việc")
    RETURNED = "returned", _l("Việc được trả lại")
    DUE_SOON = "due_soon", _l("Nhắc hạn bước")
    APPOINTMENT_SOON = "appointment_soon", _l("Sắp đến ngày hẹn")
    ONLINE_CODE = "online_code", _l("Mã xác nhận nộp hồ sơ trực tuyến")
    PAPERS_ANSWERED = "papers_answered", _l("Người nộp đã bổ sung trực tuyến")
    FEE_TRANSFER = "fee_transfer", _l("Người nộp báo đã chuyển khoản phí")
    FEE_REJECTED = "fee_rejected", _l("Chưa nhận được khoản chuyển khoản phí")


class NotificationStatus(Choice):
    PENDING = "pending", _l("Chờ gửi")
    SENT = "sent", _l("Đã gửi")
    FAILED = "failed", _l("Gửi lỗi")  # gave up after the last retry


# -- the audit log -----------------------------------------------------------------------------


class AuditAction(Choice):
    """What an entry of the audit log records (``audit_log.action``, motcua.services.audit)."""

    CALENDAR_ADD = "calendar.add", _l("Thêm ngày của tỉnh")
    CALENDAR_UPDATE = "calendar.update", _l("Sửa ngày của tỉnh")
    CALENDAR_REMOVE = "calendar.remove", _l("Bỏ ngày của tỉnh")
    MAIL_RETRY = "mail.retry", _l("Gửi lại thư")
    PORTAL_RETRY = "portal.retry", _l("Gửi lại thông điệp lên Cổng DVC")
    PORTAL_INBOUND_RETRY = "portal.inbound_retry", _l("Tạo lại hồ sơ nhận từ Cổng DVC")
    PROCEDURE_CREATE = "procedure.create", _l("Thêm thủ tục")
    PROCEDURE_UPDATE = "procedure.update", _l("Sửa thủ tục")
    PROCEDURE_FEES = "procedure.fees", _l("Sửa phí, lệ phí của thủ tục")
    PROCEDURE_IMPORT = "procedure.import", _l("Nhập danh mục thủ tục")
    PROCEDURE_OFFER = "procedure.offer", _l("Nhận giải quyết thủ tục")
    PROCEDURE_WITHDRAW = "procedure.withdraw", _l("Thôi giải quyết thủ tục")
    PROCEDURE_TEMPLATE = "procedure.template", _l("Đính kèm mẫu đơn, tờ khai")
    PROCESS_SAVE_DRAFT = "process.save_draft", _l("Lưu nháp quy trình")
    PROCESS_CONFIGURE = "process.configure", _l("Cấu hình quy trình")
    PROCESS_REBASE = "process.rebase", _l("Cập nhật quy trình theo mẫu mới")
    PROCESS_PUBLISH = "process.publish", _l("Ban hành quy trình")
    PROCESS_DISCARD_DRAFT = "process.discard_draft", _l("Bỏ bản nháp quy trình")
    PROCESS_COPY = "process.copy_from_predecessor", _l("Chép quy trình của đơn vị cũ")
    REPORT_FREEZE = "report.freeze", _l("Chốt số liệu báo cáo")
    UNIT_CREATE = "unit.create", _l("Thêm đơn vị")
    UNIT_UPDATE = "unit.update", _l("Sửa đơn vị")
    UNIT_REORGANISE = "unit.reorganise", _l("Sắp xếp lại đơn vị")
    USER_CREATE = "user.create", _l("Thêm cán bộ")
    USER_UPDATE = "user.update", _l("Sửa thông tin cán bộ")
    USER_IMPORT = "user.import", _l("Nhập danh sách cán bộ")
    USER_ROLE_GRANT = "user.role_grant", _l("Cấp vai trò")
    USER_ROLE_REVOKE = "user.role_revoke", _l("Bỏ vai trò")
    USER_DEACTIVATE = "user.deactivate", _l("Khóa tài khoản")
    USER_REACTIVATE = "user.reactivate", _l("Mở lại tài khoản")
    USER_PASSWORD_RESET = "user.password_reset", _l("Đặt lại mật khẩu")


class AuditTarget(Choice):
    """What an entry of the audit log is about (``audit_log.target_type``)."""

    PROCEDURE = "procedure", _l("Thủ tục")
    CATALOGUE_IMPORT = "catalogue_import", _l("Tệp danh mục")
    UNIT = "unit", _l("Đơn vị")
    USER = "user", _l("Cán bộ")
    USER_IMPORT = "user_import", _l("Tệp cán bộ")
    CALENDAR_DAY = "calendar_day", _l("Ngày")
    NOTIFICATION = "notification", _l("Thư")
    REPORT_SNAPSHOT = "report_snapshot", _l("Báo cáo đã chốt")


class SecurityEventKind(Choice):
    """What an entry of the security log records (``security_events.kind``)."""

    SIGNED_IN = "signed_in", _l("Đăng nhập")
    SIGN_IN_FAILED = "sign_in_failed", _l("Đăng nhập sai")
    LOCKED = "locked", _l("Tài khoản tạm khóa")
    SIGNED_OUT = "signed_out", _l("Đăng xuất")
    PASSWORD_RESET = "password_reset", _l("Mật khẩu được đặt lại")
    PASSWORD_CHANGED = "password_changed", _l("Tự đổi mật khẩu")
    DOSSIER_OPENED = "dossier_opened", _l("Mở hồ sơ")
    TWO_FACTOR_ENABLED = "two_factor_enabled", _l("Xác thực hai lớp được bật")
    TWO_FACTOR_RESET = "two_factor_reset", _l("Đặt lại xác thực hai lớp")


# -- the national portal (motcua.services.portal_codes) ----------------------------------------


class PortalMessageKind(Choice):
    """What a message of the portal outbox tells (``portal_messages.kind``)."""

    DOSSIER = "dossier", _l("Thông tin hồ sơ")  # DongBoHoSoMC
    PROGRESS = "progress", _l("Tiến độ xử lý")  # CapNhatTienDoHoSoMC
    STATUS = "status", _l("Trạng thái hồ sơ")  # DongBoTrangThaiHoSo


class PortalMessageStatus(Choice):
    PENDING = "pending", _l("Chờ gửi")
    SENT = "sent", _l("Đã gửi")
    FAILED = "failed", _l("Gửi lỗi")  # gave up after the last retry


class PortalInboundState(Choice):
    """Where a dossier that came from the portal stands (``portal_inbound.state``)."""

    RECEIVED = "received", _l("Đã nhận, chờ tạo hồ sơ")
    IMPORTED = "imported", _l("Đã tạo hồ sơ"), "ontime"
    FAILED = "failed", _l("Không tạo được hồ sơ"), "overdue"
