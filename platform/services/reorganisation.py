"""Reorganising units (sáp nhập, chia tách, giải thể) as one previewed, audited act.

The 2025 reform (Decree 118/2025/NĐ-CP; LAW.md "Two-level local government") retired every
district and merged communes; seed 003 tells the same of 2023: usernames kept, old dossiers
finishing on what they started with. So a reorganisation here retires units, never deletes or
renumbers anything:

- each retired unit (a source, and each of its offices) names the unit that carries on its work
  (``Unit.successor``): a merge's successor, a split's first successor, or for an office the
  successor's office of the same suffix unless mapped otherwise;
- its officers move there with their usernames and roles;
- what it decided the successor decides: the offer moves where the successor can run the
  procedure (its own variant, or the template resolving there); otherwise the old variant is
  copied as the successor's draft, flagged for its admin to configure;
- its open dossiers keep their unit and process version; their open steps move to the
  successor (an event says so), and later steps find it through the successor link;
- reports roll a retired unit up into its successor (``org.subtree_ids``) while the retired
  unit's own history stays readable.

``plan`` computes what ``apply`` would do, for the preview; ``apply`` plans again and does it.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    FINAL_STATUSES,
    Dossier,
    Event,
    Offer,
    Procedure,
    Task,
    Unit,
    User,
    UserRole,
    utcnow,
)
from motcua.services import audit, diagrams, offers, org, portal_outbox, processes, workflow
from motcua.vocabulary import EventKind, UnitLevel


@dataclass
class Move:
    """A retired unit and the unit that carries on its work."""

    unit: Unit
    target: Unit
    officers: list[User] = field(default_factory=list)
    open_dossiers: int = 0
    open_tasks: int = 0


@dataclass
class OfferFate:
    procedure: Procedure
    source: Unit
    target: Unit
    outcome: str  # "kept" (target already decides it), "moved", "draft", "configure"


@dataclass
class Plan:
    sources: list[Unit]
    successors: list[Unit]
    moves: list[Move]
    offers: list[OfferFate]
    problems: list[str]

    @property
    def kind(self) -> str:
        if len(self.sources) > 1:
            return "merge"
        return "split" if len(self.successors) > 1 else "retire"

    @property
    def officers(self) -> int:
        return sum(len(m.officers) for m in self.moves)

    def summary(self) -> str:
        names = ", ".join(u.code for u in self.sources)
        to = ", ".join(u.code for u in self.successors)
        return (
            f"Sắp xếp đơn vị ({self.kind}): {names} → {to}; {self.officers} cán bộ, "
            f"{sum(m.open_dossiers for m in self.moves)} hồ sơ đang giải quyết."
        )


OUTCOME_LABELS = {
    "kept": _l("Đơn vị kế thừa đã giải quyết"),
    "moved": _l("Chuyển sang đơn vị kế thừa"),
    "draft": _l("Chép quy trình riêng thành bản nháp, chờ quản trị cấu hình"),
    "configure": _l("Quản trị đơn vị kế thừa cần cấu hình"),
}


def plan(
    actor: User,
    source_codes: list[str],
    successor_codes: list[str],
    office_map: dict[str, str] | None = None,
    officer_map: dict[str, str] | None = None,
) -> Plan:
    """What the reorganisation would do. ``office_map``: an office's code → the code of the
    unit that takes its work (default: the successor's office of the same suffix);
    ``officer_map`` (a split): a username → the successor unit's code (default: the first).
    Raises Forbidden (system admins only), NotFound, or Invalid for a reorganisation that
    cannot be (nothing to retire, a retired successor, a unit both retired and successor …)."""
    org.require_system_admin(actor)
    office_map, officer_map = office_map or {}, officer_map or {}
    sources = _units(source_codes, "source")
    successors = _units(successor_codes, "successor")
    _refuse_impossible(sources, successors)
    main = successors[0]
    retiring = [u for u in sources if u.id != main.id]
    problems: list[str] = []
    moves: list[Move] = []
    for source in retiring:
        moves.append(Move(source, main))
        for office in _offices(source):
            target = _office_target(office, main, office_map)
            if target is None:
                problems.append(
                    str(
                        _l(
                            "Chưa chọn đơn vị nhận công việc của %(office)s (%(code)s): tạo "
                            "phòng tương ứng ở %(successor)s hoặc chọn đơn vị khác.",
                            office=office.name,
                            code=office.code,
                            successor=main.name,
                        )
                    )
                )
                continue
            moves.append(Move(office, target))
    by_id = {m.unit.id: m for m in moves}
    _count_work(by_id)
    successor_codes_ok = {u.code: u for u in successors}
    for user in db.session.scalars(
        select(User).where(User.unit_id.in_(sorted(by_id))).order_by(User.username)
    ):
        move = by_id[user.unit_id]
        wanted = officer_map.get(user.username)
        if wanted and move.unit in sources and wanted in successor_codes_ok:
            move = _split_move(moves, move, successor_codes_ok[wanted])
        move.officers.append(user)
    fates = _offer_fates(moves)
    return Plan(sources, successors, moves, fates, problems)


def apply(
    actor: User,
    source_codes: list[str],
    successor_codes: list[str],
    office_map: dict[str, str] | None = None,
    officer_map: dict[str, str] | None = None,
) -> Plan:
    """Do what ``plan`` says, in the action's unit of work. Raises as ``plan`` does, and Invalid
    (reorganisation_incomplete) while the plan still has problems."""
    found = plan(actor, source_codes, successor_codes, office_map, officer_map)
    if found.problems:
        raise Invalid(
            _l("Phương án sắp xếp chưa đầy đủ."),
            code="reorganisation_incomplete",
            details={"problems": found.problems},
        )
    now = utcnow()
    retired: dict[int, Unit] = {}  # a split's unit: its first successor
    for move in found.moves:
        retired.setdefault(move.unit.id, move.target)
    for move in found.moves:
        move.unit.retired_at = now
        move.unit.successor = retired.get(move.unit.id, move.target)
        for user in move.officers:
            _move_officer(user, move)
    _move_roles(retired)
    processes.forget_checks()  # the copied drafts are checked with the officers moved
    for fate in found.offers:
        _settle_offer(fate, actor)
    _rehome_tasks(retired, now)
    db.session.flush()
    audit.record(
        actor,
        "unit.reorganise",
        "unit",
        found.successors[0].code,
        found.summary(),
        unit=found.successors[0],
        data={
            "sources": [u.code for u in found.sources],
            "successors": [u.code for u in found.successors],
            "moves": {m.unit.code: m.target.code for m in found.moves},
            "officers": {u.username: m.target.code for m in found.moves for u in m.officers},
            "offers": [[f.procedure.code, f.source.code, f.outcome] for f in found.offers],
        },
    )
    return found


def _units(codes: list[str], field_name: str) -> list[Unit]:
    codes = [c.strip() for c in codes if c and c.strip()]
    if not codes:
        raise Invalid(
            _l("Chọn ít nhất một đơn vị."),
            code="invalid_reorganisation",
            details={field_name: _l("Chọn ít nhất một đơn vị.")},
        )
    units = []
    for code in dict.fromkeys(codes):
        units.append(org.unit_by_code(code))
    return units


def _refuse_impossible(sources: list[Unit], successors: list[Unit]) -> None:
    def refuse(message):
        raise Invalid(message, code="invalid_reorganisation")

    if len(sources) > 1 and len(successors) > 1:
        refuse(_l("Một lần sắp xếp hoặc sáp nhập nhiều đơn vị vào một, hoặc chia một đơn vị."))
    for unit in sources + successors:
        if unit.retired:
            refuse(_l("%(unit)s đã giải thể.", unit=unit.name))
        if unit.level == UnitLevel.PROVINCE:
            refuse(_l("Không sắp xếp được cấp tỉnh."))
    source_ids = {u.id for u in sources}
    if len(successors) > 1 and source_ids & {u.id for u in successors}:
        refuse(_l("Đơn vị bị chia tách không thể là đơn vị kế thừa."))
    if source_ids <= {successors[0].id}:
        refuse(_l("Không có đơn vị nào giải thể: đơn vị kế thừa là chính đơn vị đó."))
    for successor in successors:
        if successor.level == UnitLevel.DISTRICT:
            refuse(_l("Không còn cấp huyện: chọn đơn vị kế thừa khác."))
        for source in sources:
            if source.id == successor.id:
                continue
            if source.level != successor.level and source.level != UnitLevel.DISTRICT:
                refuse(
                    _l(
                        "%(source)s và %(successor)s khác cấp: chỉ sắp xếp các đơn vị cùng cấp.",
                        source=source.name,
                        successor=successor.name,
                    )
                )
            if successor.id in org.subtree_ids({source.id}):
                refuse(
                    _l(
                        "%(successor)s trực thuộc %(source)s, không kế thừa được.",
                        successor=successor.name,
                        source=source.name,
                    )
                )


def _offices(unit: Unit) -> list[Unit]:
    """Every active unit below ``unit``, depth first."""
    found = []
    for child in sorted(unit.children, key=lambda u: u.code):
        if not child.retired:
            found.append(child)
            found += _offices(child)
    return found


def _office_target(office: Unit, successor: Unit, office_map: dict[str, str]) -> Unit | None:
    wanted = office_map.get(office.code)
    if wanted:
        target = org.unit_by_code(wanted)
        return None if target.retired else target
    suffix = office.code.rsplit(".", 1)[-1]
    return db.session.scalar(
        select(Unit).where(Unit.code == f"{successor.code}.{suffix}", Unit.retired_at.is_(None))
    )


def _split_move(moves: list[Move], move: Move, target: Unit) -> Move:
    """A split: the officers going to another successor than the first get their own move."""
    if target.id == move.target.id:
        return move
    for other in moves:
        if other.unit is move.unit and other.target is target:
            return other
    other = Move(move.unit, target)
    moves.append(other)
    return other


def _count_work(by_id: dict[int, Move]) -> None:
    if not by_id:
        return
    ids = sorted(by_id)
    for unit_id, count in db.session.execute(
        select(Dossier.unit_id, func.count())
        .where(Dossier.unit_id.in_(ids), Dossier.status.not_in(FINAL_STATUSES))
        .group_by(Dossier.unit_id)
    ):
        by_id[unit_id].open_dossiers = count
    for unit_id, count in db.session.execute(
        select(Task.unit_id, func.count())
        .where(Task.unit_id.in_(ids), Task.status.in_(ACTIVE_TASK_STATUSES))
        .group_by(Task.unit_id)
    ):
        by_id[unit_id].open_tasks = count


def _offer_fates(moves: list[Move]) -> list[OfferFate]:
    firsts = {}
    for move in moves:
        firsts.setdefault(move.unit.id, move)
    fates = []
    rows = db.session.scalars(
        select(Offer).where(Offer.unit_id.in_(sorted(firsts))).order_by(Offer.id)
    )
    for held in rows:
        target = firsts[held.unit_id].target
        procedure = held.procedure
        if offers.offers(target, procedure):
            outcome = "kept"
        elif offers.decides_at(target) == procedure.level and not offers.runnable_problems(
            procedure, target
        ):
            outcome = "moved"
        elif processes.newest_version(procedure, held.unit) is not None:
            outcome = "draft"
        else:
            outcome = "configure"
        fates.append(OfferFate(procedure, held.unit, target, outcome))
    return fates


def _move_officer(user: User, move: Move) -> None:
    user.unit_id = move.target.id
    user.unit = move.target
    for role in list(user.roles):
        if role.unit_id == move.unit.id:
            _regrant(user, role, move.target)


def _regrant(user: User, role: UserRole, target: Unit) -> None:
    if any(r.unit_id == target.id and r.role == role.role for r in user.roles if r is not role):
        user.roles.remove(role)
    else:
        role.unit_id = target.id
        role.unit = target


def _move_roles(retired: dict[int, Unit]) -> None:
    """Roles held in a retired unit by officers of other units (a leader overseeing it, say)."""
    for role in db.session.scalars(select(UserRole).where(UserRole.unit_id.in_(sorted(retired)))):
        _regrant(role.user, role, retired[role.unit_id])


def _settle_offer(fate: OfferFate, actor: User) -> None:
    if fate.outcome == "moved":
        offers.ensure(fate.target, fate.procedure, actor)
    elif fate.outcome == "draft" and diagrams.draft_of(fate.procedure, fate.target) is None:
        old = processes.newest_version(fate.procedure, fate.source)
        diagrams.save_draft(
            fate.procedure,
            fate.target,
            old.bpmn_xml,
            actor,
            template_version=old.template_version,
            action="process.copy_from_predecessor",
            summary=f"Chép quy trình của {fate.source.code} làm bản nháp cho {fate.target.code}",
        )


def _rehome_tasks(retired: dict[int, Unit], now) -> None:
    """The open steps of retired units go to their successors; each dossier's log says so."""
    tasks = list(
        db.session.scalars(
            select(Task)
            .where(Task.unit_id.in_(sorted(retired)), Task.status.in_(ACTIVE_TASK_STATUSES))
            .order_by(Task.dossier_id, Task.id)
        )
    )
    first: dict[int, Event] = {}  # each dossier's first rehomed event
    for task in tasks:
        old = task.unit
        target = retired[task.unit_id]
        task.unit_id, task.unit = target.id, target
        event = Event(
            dossier_id=task.dossier_id,
            kind=EventKind.REHOMED,
            at=now,
            task_id=task.id,
            from_step=task.step_name,
            note=None,
            data={"from": old.code, "to": target.code},
        )
        db.session.add(event)
        first.setdefault(task.dossier_id, event)
    # The portal hears once per dossier that its steps moved; each locked, in id order.
    for dossier_id, event in first.items():
        portal_outbox.on_event(workflow.lock_dossier(dossier_id), event)
