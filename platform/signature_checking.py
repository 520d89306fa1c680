"""Checking the signatures of the PDFs received: one call per worker round (motcua.worker
.run_once) and ``motcua signatures check``. Beside the worker, not among the services: it
commits, claim by claim, as the worker does (the check itself: motcua.services.signature_check).
"""

import logging

from sqlalchemy.exc import IntegrityError

from motcua.errors import StorageUnavailable
from motcua.extensions import db
from motcua.services import signature_check

log = logging.getLogger(__name__)


def check_due(config, clock, stop=None, dossier_id=None, limit=200) -> int:
    """Check the signatures of the PDFs without a verdict (motcua.services.signature_check),
    up to ``limit`` a call (a long backlog takes several rounds; the mail waits no longer),
    ``dossier_id``: one dossier's only; return how many were checked. A claim is committed
    before the check, which runs with no transaction open (it may ask OCSP/CRL servers), and
    each verdict after it; a worker killed meanwhile leaves the file to the next after its
    lease. The storage failing stops the call: its files wait for the next."""
    try:
        settings = signature_check.Settings.from_config(config)
    except (OSError, ValueError) as exc:  # the mail must not wait for a setting to be fixed
        log.error("signatures not checked: MOTCUA_SIGNATURE_* settings: %s", exc)
        return 0
    done = 0
    while done < limit and not (stop and stop.is_set()):
        try:
            batch = signature_check.claim(clock(), settings.lease, dossier_id)
            db.session.commit()
        except IntegrityError:  # another worker claimed the same file first
            db.session.rollback()
            continue
        if not batch:
            break
        for claimed in batch:
            try:
                checked = signature_check.check_stored(config["STORAGE_DIR"], claimed, settings)
            except StorageUnavailable:  # logged by storage; the claims pass, files wait
                return done
            signature_check.record(claimed, checked, clock())
            db.session.commit()
            done += 1
    if done:
        log.info("signatures: %d file(s) checked", done)
    return done
