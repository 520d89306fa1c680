"""Importing the procedure catalogue from the national database's exports (CSV or Excel).

`parse_import` (motcua.services.catalogue_import_plan) reads a file and decides, row by row, what
importing it would do (a dry run that changes nothing); `apply_import` reads it again and applies
exactly the accepted rows in one transaction, with one audit entry. Between the two the file
waits in the content-addressed storage (`stage_import`, `load_staged`): it is never trusted to
come back from the browser. Reading the file: motcua.services.catalogue_file.
"""

import io

from flask import current_app
from flask_babel import lazy_gettext as _l

from motcua.errors import Conflict, Invalid
from motcua.extensions import db
from motcua.models import Procedure, User
from motcua.services import audit, fee_lines, storage
from motcua.services.catalogue import FIELDS, flush_change, require_editor
from motcua.services.catalogue_file import MAX_BYTES
from motcua.services.catalogue_import_plan import CREATE, SKIP, UPDATE, ImportPlan, parse_import


def apply_import(
    actor: User, file_bytes: bytes, filename: str, *, expected: str | None = None
) -> ImportPlan:
    """Read the file again and apply its accepted rows in one transaction with one audit entry
    (counts, the codes added, each updated code's changes, the rows skipped).

    `expected` is the preview's fingerprint: if the catalogue changed since, nothing is applied
    and Conflict is raised. Raises Forbidden, Invalid as `parse_import`, Conflict.
    """
    require_editor(actor)
    plan = parse_import(file_bytes, filename)
    if expected is not None and plan.fingerprint != expected:
        raise Conflict(
            _l(
                "Danh mục đã thay đổi từ lúc kiểm tra tệp; hãy xem lại kết quả kiểm tra mới "
                "rồi xác nhận lại."
            ),
            code="import_changed",
        )
    if not plan.accepted:
        return plan
    for row in plan.accepted:
        if row.action == CREATE:
            procedure = Procedure(**{name: row.values[name] for name in FIELDS})
            db.session.add(procedure)
            if row.values.get("fee_lines"):
                fee_lines.set_lines(procedure, row.values["fee_lines"], old=[])
        else:
            for name in row.changes:
                if name == "fee_lines":
                    fee_lines.set_lines(row.procedure, row.values["fee_lines"])
                else:
                    setattr(row.procedure, name, row.values[name])
    counts = plan.counts
    audit.record(
        actor,
        "procedure.import",
        "catalogue_import",
        plan.sha256,
        f"Nhập danh mục từ tệp {filename}: {counts[CREATE]} thêm mới, {counts[UPDATE]} cập nhật, "
        f"{counts[SKIP]} bỏ qua",
        data={
            "file": filename,
            "sha256": plan.sha256,
            "counts": counts,
            "created": [r.code for r in plan.rows if r.action == CREATE],
            "updated": {r.code: r.changes for r in plan.rows if r.action == UPDATE},
            "skipped": [[r.row, r.code, "; ".join(r.reasons)] for r in plan.rows if r.reasons],
        },
    )
    flush_change()
    plan.applied = True
    return plan


def stage_import(file_bytes: bytes) -> str:
    """Keep the uploaded file until it is confirmed; returns its storage key."""
    _sha, _size, key = storage.store(current_app.config["STORAGE_DIR"], io.BytesIO(file_bytes))
    return key


def load_staged(key: str) -> bytes:
    """The staged file's bytes; Invalid if it is gone."""
    try:
        with storage.open_file(current_app.config["STORAGE_DIR"], key) as stream:
            return stream.read(MAX_BYTES + 1)
    except (FileNotFoundError, OSError) as exc:
        raise Invalid(
            _l("Không còn tệp đã kiểm tra; hãy tải tệp lên lại."), code="import_file_gone"
        ) from exc
