"""The national portal's outbox (table portal_messages): what the portal must know of a dossier,
written in the transaction of the act, delivered later by the worker
(motcua.portal_delivery). QĐ 31/2021/QĐ-TTg art. 30.3 [S]: a provincial system syncs
its dossiers and their progress; the 766 index scores only what the portal received.

The hook: every act on a dossier records its event through ``workflow.record``, which calls
``on_event`` — one place, so no act can change a dossier without the portal hearing of it,
and a new act is covered by recording its event as it must anyway. (A reorganisation adds its
"rehomed" events in bulk, and calls ``on_event`` itself once per dossier whose steps moved.)
From the event:

- the dossier's first message is always the push of the whole dossier (DongBoHoSoMC; an update
  when the portal is configured after its receipt);
- a step completed or sent back: its progress (CapNhatTienDoHoSoMC);
- papers requested or received, an apology's new date, a hand-over, a pause or its end, a new
  competent unit, an act on its fees (DanhSachLePhi; status 6 while one is unsettled): the
  dossier pushed again (its new appointment, DanhSachHoSoBoSung with
  NgayHenTraMoi);
- after any of these, the status (DongBoTrangThaiHoSo) when its code (motcua.services
  .portal_codes) differs from the last message's: 2 → 4 → … → 9 → 10, each once; on 9 and 10
  the whole dossier first, with its result papers and their links (DanhSachGiayToKetQua).

Each message's ``seq`` is the dossier's next number; the dossier is locked by the act
(workflow.lock_dossier), so two acts never take the same one (the unique key would refuse it).
With no portal configured nothing is queued, and no query is made.
"""

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from motcua.errors import Conflict, Invalid, NotFound
from motcua.extensions import db
from motcua.models import Dossier, PortalMessage, SupplementRequest, Task, User, utcnow
from motcua.services import audit, org, outbox
from motcua.services import portal_codes as codes
from motcua.services import portal_wire as wire
from motcua.vocabulary import (
    AuditAction,
    EventKind,
    Outcome,
    PortalMessageKind,
    PortalMessageStatus,
    in_vietnamese,
)

PROGRESS_EVENTS = frozenset({EventKind.STEP_COMPLETED, EventKind.SENT_BACK})
UPDATE_EVENTS = frozenset(
    {
        EventKind.SUPPLEMENT_REQUESTED,
        EventKind.SUPPLEMENT_RECEIVED,
        EventKind.APOLOGY_ISSUED,
        EventKind.HANDED_OVER,
        EventKind.PAUSED,
        EventKind.RESUMED,
        EventKind.REHOMED,
        # Fees (motcua.services.fees): the dossier's DanhSachLePhi, and its code 6 or back to 4.
        EventKind.FEES_ASSESSED,
        EventKind.FEE_PAID_AT_DESK,
        EventKind.FEE_TRANSFER_NOTIFIED,
        EventKind.FEE_TRANSFER_CONFIRMED,
        EventKind.FEE_TRANSFER_REJECTED,
        EventKind.FEE_WAIVED,
        EventKind.FEE_PAID_ONLINE,
    }
)
STATUS_EVENTS = frozenset(
    {
        EventKind.SUBMITTED,
        EventKind.REFUSED_AT_RECEIPT,
        EventKind.RECEIVED,
        EventKind.FINISHED,
        EventKind.REFUSED,
        EventKind.WITHDRAWN,
        EventKind.STOPPED,
    }
)
SYNCED_EVENTS = PROGRESS_EVENTS | UPDATE_EVENTS | STATUS_EVENTS
# The statuses reached with a result: processing finished (9), result returned (10).
RESULT_CODES = frozenset({codes.FINISHED, codes.RETURNED})


def on_event(dossier: Dossier, event) -> None:
    """Queue what the portal must hear of ``event`` (see the module); nothing without a portal."""
    if event.kind not in SYNCED_EVENTS or not wire.configured(current_app.config):
        return
    if event.kind == EventKind.SUPPLEMENT_REQUESTED and (event.data or {}).get("at_receipt"):
        _take_back_undelivered(dossier)
    last = _last(dossier)
    if last is None and _waiting_at_receipt(dossier):
        return
    seq = last.seq if last else 0
    code = codes.dossier_status_code(dossier)
    at = event.at or utcnow()
    queued = []
    if last is None or event.kind in UPDATE_EVENTS:
        seq += 1
        queued.append(_dossier_message(dossier, seq, updating=last is not None))
    if last is None and code not in (codes.SUBMITTED_ONLINE, codes.ACCEPTED, codes.NOT_ACCEPTED):
        # The portal hears of the acceptance before what followed it in the same act.
        seq += 1
        record = wire.status_record(dossier, seq, at) | {"TrangThaiHoSo": codes.ACCEPTED}
        queued.append(_message(dossier, seq, PortalMessageKind.STATUS, record, updating=True))
        queued[-1].status_code = codes.ACCEPTED
        last = queued[-1]
    if event.kind in PROGRESS_EVENTS:
        seq += 1
        task = db.session.get(Task, event.task_id) if event.task_id else None
        actor = db.session.get(User, event.actor_id) if event.actor_id else None
        record = wire.progress_record(dossier, seq, task, actor, at, _progress_text(event, task))
        queued.append(_message(dossier, seq, PortalMessageKind.PROGRESS, record, updating=True))
    changed = last is None or code != last.status_code
    if changed and last is not None and code in RESULT_CODES and event.kind not in UPDATE_EVENTS:
        # The result papers (DanhSachGiayToKetQua, their links) and the end of processing
        # travel with the whole dossier, before the status that says so.
        seq += 1
        queued.append(_dossier_message(dossier, seq, updating=True))
    if changed:
        seq += 1
        record = wire.status_record(dossier, seq, at)
        queued.append(_message(dossier, seq, PortalMessageKind.STATUS, record, updating=True))
    db.session.add_all(queued)


def resync(dossier: Dossier, now: datetime | None = None) -> list[PortalMessage]:
    """Queue the dossier's current state again (the whole dossier, then its status), as new
    messages after those it has. Raises Invalid when no portal is configured."""
    require_configured()
    last = _last(dossier)
    seq = last.seq if last else 0
    now = now or utcnow()
    messages = [
        _dossier_message(dossier, seq + 1, updating=last is not None),
        _message(
            dossier,
            seq + 2,
            PortalMessageKind.STATUS,
            wire.status_record(dossier, seq + 2, now),
            updating=True,
        ),
    ]
    db.session.add_all(messages)
    return messages


def resync_dossier(code: str) -> list[PortalMessage]:
    """``resync`` of the dossier with this code (or provisional code), locked. Raises NotFound."""
    require_configured()
    dossier = _locked(
        select(Dossier.id).where((Dossier.code == code) | (Dossier.provisional_code == code))
    )
    if dossier is None:
        raise NotFound(_l("Không có hồ sơ này."), code="dossier_not_found")
    return resync(dossier)


def resync_period(start: datetime, end: datetime) -> int:
    """``resync`` of every dossier received in [start, end), one by one; how many."""
    require_configured()
    ids = db.session.scalars(
        select(Dossier.id)
        .where(Dossier.received_at >= start, Dossier.received_at < end)
        .order_by(Dossier.id)
    ).all()
    for dossier_id in ids:
        resync(_locked(select(Dossier.id).where(Dossier.id == dossier_id)))
    return len(ids)


def _locked(ids) -> Dossier | None:
    # The dossier's row lock, as an act takes it (motcua.services.workflow.lock_dossier): no
    # act of it queues a message with the same number meanwhile.
    return db.session.scalar(
        select(Dossier)
        .options(joinedload(Dossier.unit), joinedload(Dossier.procedure))
        .where(Dossier.id == ids.scalar_subquery())
        .with_for_update(of=Dossier)
    )


def require_configured() -> None:
    if not wire.configured(current_app.config):
        raise Invalid(
            _l("Chưa cấu hình kết nối Cổng Dịch vụ công quốc gia (MOTCUA_PORTAL_URL)."),
            code="portal_not_configured",
        )


def _take_back_undelivered(dossier: Dossier) -> None:
    """A dossier found incomplete at receipt is not received in law until its papers come
    (form 02 instead of a receipt; Decree 118/2025/NĐ-CP art. 17.2.a and 17.3 as amended by
    Decree 309/2026/NĐ-CP, [V]): what was queued for it and never tried is taken back; it
    reaches the portal once received complete, under the code it has then."""
    db.session.execute(
        delete(PortalMessage)
        .where(
            PortalMessage.dossier_id == dossier.id,
            PortalMessage.status == PortalMessageStatus.PENDING,
            PortalMessage.attempts == 0,
        )
        .execution_options(synchronize_session="fetch")
    )


def _waiting_at_receipt(dossier: Dossier) -> bool:
    return (
        db.session.scalar(
            select(SupplementRequest.id)
            .where(
                SupplementRequest.dossier_id == dossier.id,
                SupplementRequest.at_receipt.is_(True),
                SupplementRequest.received_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def _last(dossier: Dossier) -> PortalMessage | None:
    return db.session.scalar(
        select(PortalMessage)
        .where(PortalMessage.dossier_id == dossier.id)
        .order_by(PortalMessage.seq.desc())
        .limit(1)
    )


def _dossier_message(dossier: Dossier, seq: int, updating: bool) -> PortalMessage:
    supplements = db.session.scalars(
        select(SupplementRequest)
        .where(SupplementRequest.dossier_id == dossier.id)
        .order_by(SupplementRequest.requested_at, SupplementRequest.id)
    ).all()
    record = wire.dossier_record(dossier, seq, supplements)
    # A dossier that came from the portal is the portal's own record: ours is an update of it.
    updating = updating or dossier.portal_code is not None
    return _message(dossier, seq, PortalMessageKind.DOSSIER, record, updating=updating)


_SERVICES = {
    PortalMessageKind.DOSSIER: codes.PUSH_DOSSIER,
    PortalMessageKind.PROGRESS: codes.PROGRESS,
    PortalMessageKind.STATUS: codes.STATUS,
}


def _message(dossier, seq, kind, record, updating) -> PortalMessage:
    return PortalMessage(
        dossier_id=dossier.id,
        seq=seq,
        kind=kind,
        service=_SERVICES[kind],
        unit_code=wire.unit_code(dossier.unit),
        is_updating=updating,
        body=record,
        status_code=codes.dossier_status_code(dossier),
        status=PortalMessageStatus.PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
    )


def _progress_text(event, task) -> str | None:
    """What was done, in Vietnamese whatever the officer's language (the portal shows it)."""
    step = task.step_name if task else event.from_step
    if event.kind == EventKind.SENT_BACK:
        what = in_vietnamese(EventKind.SENT_BACK.label)
    else:
        outcome = (event.data or {}).get("outcome")
        what = in_vietnamese(Outcome.label_of(outcome)) if outcome else None
    parts = [p for p in (step, what, event.note) if p]
    return " — ".join(str(p) for p in parts) or None


# -- the admin's page --------------------------------------------------------------------------


def problems(actor: User, limit: int = 100) -> outbox.Problems:
    """The newest ``limit`` failed messages and pending ones with an error, for the system
    administrator (Forbidden for anyone else), with how many there are of each."""
    return outbox.undelivered(actor, PortalMessage, PortalMessageStatus, limit)


def retry(actor: User, message_id: int, now: datetime | None = None) -> PortalMessage:
    """Give a failed or failing message to the worker again, with all its attempts, at the next
    round (the same body: the portal tells it by its key if it had it). Records "portal.retry".
    Raises Forbidden unless a system admin, NotFound, Conflict for a message already sent."""
    org.require_system_admin(actor)
    now = now or utcnow()
    message = db.session.get(PortalMessage, message_id, with_for_update=True)
    if message is None:
        raise NotFound(_l("Không có thông điệp này."), code="portal_message_not_found")
    if message.status == PortalMessageStatus.SENT:
        raise Conflict(_l("Thông điệp này đã được gửi."), code="portal_message_already_sent")
    before = {"status": message.status.value, "attempts": message.attempts}
    before["error"] = message.last_error
    message.status = PortalMessageStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    audit.record(
        actor,
        AuditAction.PORTAL_RETRY,
        "portal_message",
        str(message.id),
        f"Gửi lại thông điệp #{message.id} ({message.service}) của hồ sơ {message.key}",
        data=before,
    )
    return message
