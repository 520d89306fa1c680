"""The menu, in one place and in its order: each entry's page, label and the roles that see it.

The menu only hides what an officer may not open; every page still checks the roles itself.
Nothing adds to it at import time: a new page gets its entry here.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from motcua.models import User
from motcua.vocabulary import Role


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: str
    roles: frozenset[Role] | None = None  # None: every officer

    def shown_to(self, held: set[Role]) -> bool:
        return self.roles is None or bool(held & self.roles)


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


REPORTS = _roles(Role.SUPERVISOR, Role.LEADER, Role.SYSTEM_ADMIN)
PEOPLE_ADMINS = _roles(Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)

MENU = (
    Entry("web.inbox", _l("Hồ sơ cần xử lý")),
    Entry("web.desk_receive", _l("Tiếp nhận hồ sơ"), _roles(Role.RECEPTIONIST)),
    Entry("web.desk_results", _l("Trả kết quả"), _roles(Role.RECEPTIONIST)),
    Entry("web.reports", _l("Báo cáo thống kê"), REPORTS),
    Entry("web.report_snapshots", _l("Báo cáo đã chốt"), REPORTS),
    Entry(
        "web.registers",
        _l("Sổ theo dõi hồ sơ"),
        _roles(Role.RECEPTIONIST, Role.LEADER, Role.SUPERVISOR, Role.SYSTEM_ADMIN),
    ),
    Entry("web.watch", _l("Theo dõi quá hạn"), REPORTS),
    Entry(
        "admin.calendar",
        _l("Lịch làm việc"),
        _roles(Role.SYSTEM_ADMIN, Role.UNIT_ADMIN, Role.SUPERVISOR),
    ),
    Entry(
        "admin.catalogue",
        _l("Danh mục thủ tục"),
        _roles(Role.SYSTEM_ADMIN, Role.ANALYST, Role.UNIT_ADMIN),
    ),
    Entry("admin.mails", _l("Thư gửi lỗi"), _roles(Role.SYSTEM_ADMIN)),
    Entry("admin.modeler_index", _l("Soạn quy trình"), _roles(Role.ANALYST, Role.SYSTEM_ADMIN)),
    Entry("admin.units", _l("Đơn vị"), PEOPLE_ADMINS),
    Entry("admin.users", _l("Cán bộ"), PEOPLE_ADMINS),
    Entry("admin.procedures", _l("Quy trình nội bộ"), _roles(Role.UNIT_ADMIN, Role.SYSTEM_ADMIN)),
    Entry(
        "admin.audit_log",
        _l("Nhật ký thay đổi"),
        _roles(Role.UNIT_ADMIN, Role.SYSTEM_ADMIN, Role.ANALYST),
    ),
)
HOME = MENU[0].endpoint  # every officer's first page


def entries_for(user: User | None) -> list[Entry]:
    """The entries the officer sees, in the menu's order (none for a visitor)."""
    if user is None:
        return []
    held = {r.role for r in user.roles}
    return [entry for entry in MENU if entry.shown_to(held)]
