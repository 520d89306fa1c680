"""The menu, in one place and in its order: its groups, each entry's page, label and the roles
that see it.

The menu only hides what an officer may not open; every page still checks the roles itself.
Nothing adds to it at import time: a new page gets its entry here. An entry whose page is not
part of the app (yet) is left out of the menu rather than breaking every page (``available``).
"""

from dataclasses import dataclass

from flask import current_app
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


@dataclass(frozen=True)
class Group:
    key: str  # a stable name for the page's markup and the tests
    label: str
    entries: tuple[Entry, ...]


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


REPORTS = _roles(Role.SUPERVISOR, Role.LEADER, Role.SYSTEM_ADMIN)
PEOPLE_ADMINS = _roles(Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)
INBOX = "web.inbox"

GROUPS = (
    Group(
        "work",
        _l("Xử lý hồ sơ"),
        (
            Entry(INBOX, _l("Hồ sơ cần xử lý")),
            # The officers' search over every dossier they may see: shown once the page exists.
            Entry("web.dossier_search", _l("Tìm hồ sơ")),
        ),
    ),
    Group(
        "desk",
        _l("Một cửa"),
        (
            Entry("web.desk_receive", _l("Tiếp nhận hồ sơ"), _roles(Role.RECEPTIONIST)),
            Entry("web.desk_online", _l("Hồ sơ trực tuyến"), _roles(Role.RECEPTIONIST)),
            Entry("web.desk_results", _l("Trả kết quả"), _roles(Role.RECEPTIONIST)),
            Entry(
                "web.registers",
                _l("Sổ theo dõi hồ sơ"),
                _roles(Role.RECEPTIONIST, Role.LEADER, Role.SUPERVISOR, Role.SYSTEM_ADMIN),
            ),
        ),
    ),
    Group(
        "reports",
        _l("Theo dõi, báo cáo"),
        (
            Entry("web.watch", _l("Theo dõi quá hạn"), REPORTS),
            Entry("web.reports", _l("Báo cáo thống kê"), REPORTS),
            Entry("web.report_snapshots", _l("Báo cáo đã chốt"), REPORTS),
        ),
    ),
    Group(
        "admin",
        _l("Quản trị"),
        (
            Entry("admin.units", _l("Đơn vị"), PEOPLE_ADMINS),
            Entry("admin.users", _l("Cán bộ"), PEOPLE_ADMINS),
            Entry(
                "admin.procedures",
                _l("Quy trình nội bộ"),
                _roles(Role.UNIT_ADMIN, Role.SYSTEM_ADMIN),
            ),
            Entry(
                "admin.modeler_index", _l("Soạn quy trình"), _roles(Role.ANALYST, Role.SYSTEM_ADMIN)
            ),
            Entry(
                "admin.catalogue",
                _l("Danh mục thủ tục"),
                _roles(Role.SYSTEM_ADMIN, Role.ANALYST, Role.UNIT_ADMIN),
            ),
            Entry(
                "admin.calendar",
                _l("Lịch làm việc"),
                _roles(Role.SYSTEM_ADMIN, Role.UNIT_ADMIN, Role.SUPERVISOR),
            ),
            Entry(
                "admin.signing_certificates",
                _l("Chứng thư số"),
                _roles(Role.UNIT_ADMIN, Role.SYSTEM_ADMIN),
            ),
            Entry("admin.mails", _l("Thư gửi lỗi"), _roles(Role.SYSTEM_ADMIN)),
            Entry("admin.portal_messages", _l("Đồng bộ Cổng DVC lỗi"), _roles(Role.SYSTEM_ADMIN)),
            Entry(
                "admin.audit_log",
                _l("Nhật ký thay đổi"),
                _roles(Role.UNIT_ADMIN, Role.SYSTEM_ADMIN, Role.ANALYST),
            ),
            Entry("admin.security_log", _l("Nhật ký an toàn"), _roles(Role.SYSTEM_ADMIN)),
        ),
    ),
)
MENU = tuple(entry for group in GROUPS for entry in group.entries)


def available(endpoint: str) -> bool:
    """Whether the app has this page (an entry may be written before its page is merged)."""
    return endpoint in current_app.view_functions


def groups_for(user: User | None) -> list[tuple[Group, list[Entry]]]:
    """The groups the officer sees, each with its entries shown to them, in the menu's order
    (a group with none is left out; nothing for a visitor)."""
    if user is None:
        return []
    held = {r.role for r in user.roles}
    shown = []
    for group in GROUPS:
        entries = [e for e in group.entries if e.shown_to(held) and available(e.endpoint)]
        if entries:
            shown.append((group, entries))
    return shown


def entries_for(user: User | None) -> list[Entry]:
    """The entries the officer sees, in the menu's order (none for a visitor)."""
    return [entry for _, entries in groups_for(user) for entry in entries]
