"""What our words are in the national portal's: the one place that maps them (../shared/PORTAL.md).

TrangThaiHoSo, the dossier status codes 1–10 that the public code of provincial systems agrees
on [S]. Our statuses map to them thus:

- received (at the desk, complete) → 2 "Được tiếp nhận"; processing → 4; waiting_applicant → 5;
  result_ready → 9 "Đã xử lý xong"; returned → 10; refused → 3 "Không được tiếp nhận"
  (a refusal by the desk or by the competent unit: the portal has no other code for the latter);
  withdrawn → 7; stopped → 8.
- paused → 4 "Đang xử lý". The portal has no code for a lawful pause (tạm dừng): the dossier is
  still being dealt with and will resume, so it is not 8 (processing stopped for good, which
  the 766 index counts as ended) nor 5 (which says papers are asked of the applicant). The pause
  itself reaches the portal as a dossier update with its reason as the progress text.
- submitted (online, not yet checked by the desk) → 1 "Mới đăng ký"; not_accepted (the desk's
  check refused it) → 3.
- 6 "Yêu cầu thực hiện nghĩa vụ tài chính" is no status of ours but a dossier's fee state: a
  received dossier at work (received or processing) with a fee unsettled (due, notified and not
  confirmed, or its amount not entered: motcua.services.fees) is at 6, and back at 4 once its
  fees are paid or waived (``dossier_status_code``). A dossier waiting for papers stays at 5,
  and one whose result is ready at 9, whatever it still owes: those say more.
"""

from motcua.vocabulary import Channel, DossierStatus, FeeKind, PaymentMethod

SUBMITTED_ONLINE = 1
ACCEPTED = 2
NOT_ACCEPTED = 3
PROCESSING = 4
PAPERS_REQUESTED = 5
FEES_DUE = 6  # a fee unsettled: see the module
WITHDRAWN = 7
STOPPED = 8
FINISHED = 9
RETURNED = 10

STATUS_CODE: dict[DossierStatus, int] = {
    DossierStatus.RECEIVED: ACCEPTED,
    DossierStatus.PROCESSING: PROCESSING,
    DossierStatus.WAITING_APPLICANT: PAPERS_REQUESTED,
    DossierStatus.RESULT_READY: FINISHED,
    DossierStatus.RETURNED: RETURNED,
    DossierStatus.REFUSED: NOT_ACCEPTED,
    DossierStatus.WITHDRAWN: WITHDRAWN,
    DossierStatus.STOPPED: STOPPED,
    DossierStatus.PAUSED: PROCESSING,  # see the module
    DossierStatus.SUBMITTED: SUBMITTED_ONLINE,
    DossierStatus.NOT_ACCEPTED: NOT_ACCEPTED,
}

# HinhThuc, how the dossier was submitted: the sources do not show the portal's numbers [U];
# these follow the order of Decree 118/2025/NĐ-CP art. 9 (direct, postal, online).
CHANNEL_CODE: dict[Channel, int] = {
    Channel.DIRECT: 0,
    Channel.POSTAL: 1,
    Channel.ONLINE: 2,
}

# The services of the integration endpoint.
PUSH_DOSSIER = "DongBoHoSoMC"
PROGRESS = "CapNhatTienDoHoSoMC"
STATUS = "DongBoTrangThaiHoSo"

# The portal's dates: yyyyMMddHHmmss in Asia/Ho_Chi_Minh (UTC+7, no daylight saving).
DATE_FORMAT = "%Y%m%d%H%M%S"


# The statuses at which an unsettled fee makes the dossier's code 6.
FEES_DUE_STATUSES = frozenset({DossierStatus.RECEIVED, DossierStatus.PROCESSING})

# DanhSachLePhi: how a fee is collected (HinhThucThu) and what it is (LoaiPhiLePhi). The sources
# do not show the portal's numbers [U]: these follow the order the seed (002) and the Law on Fees
# and Charges give them (at the desk, bank transfer, online; a fee, a charge); 0 = not paid yet.
FEE_METHOD_CODE: dict[PaymentMethod | None, int] = {
    None: 0,
    PaymentMethod.AT_DESK: 1,
    PaymentMethod.BANK_TRANSFER: 2,
    PaymentMethod.ONLINE: 3,
}
FEE_KIND_CODE: dict[FeeKind, int] = {FeeKind.FEE: 1, FeeKind.CHARGE: 2}


def status_code(status: DossierStatus, fees_unsettled: bool = False) -> int:
    status = DossierStatus(status)
    if fees_unsettled and status in FEES_DUE_STATUSES:
        return FEES_DUE
    return STATUS_CODE[status]


def dossier_status_code(dossier) -> int:
    """The dossier's code now, its fees' state read (one query, only while it is at work)."""
    if DossierStatus(dossier.status) not in FEES_DUE_STATUSES:
        return status_code(dossier.status)
    # Imported here: fees records through workflow, which imports the outbox and this module.
    from motcua.services import fees

    return status_code(dossier.status, fees.unsettled(dossier))
