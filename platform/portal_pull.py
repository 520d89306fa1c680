"""Pulling the dossiers submitted at the national portal (MOTCUA_PORTAL_INBOUND=pull): one call
per worker round (motcua.worker.run_once). Beside the worker, not among the services: it
commits, as motcua.portal_delivery does — the records kept as they came first, then each made
into a dossier (motcua.services.portal_inbound)."""

import logging

from motcua.errors import MotcuaError
from motcua.extensions import db
from motcua.services import portal_inbound
from motcua.services import portal_wire as wire
from motcua.vocabulary import PortalInboundState

log = logging.getLogger(__name__)


def pull_due(config) -> int:
    """Ask the portal for new dossiers, keep and import them; how many were new. Nothing unless
    PORTAL_INBOUND is "pull" and a portal is configured. A portal that cannot be reached or
    answers an error is logged; the next round asks again."""
    settings = wire.Settings.from_config(config)
    if portal_inbound.mechanism(config) != portal_inbound.PULL or not settings.configured:
        return 0
    # Read, then the transaction ended before the call (on SQLite an open one holds back
    # every request).
    province = portal_inbound.province_code()
    db.session.rollback()
    try:
        records = wire.Client(settings).fetch(province, config["PORTAL_INBOUND_SERVICE"])
    except wire.PortalError as exc:
        log.warning("portal: new dossiers not pulled: %s", exc)
        return 0
    kept = []
    for record in records:
        try:
            kept += portal_inbound.store("", [record])
            db.session.commit()
        except MotcuaError as exc:  # a record without its code must not hold back the others
            db.session.rollback()
            log.error("portal: a pulled record was not kept (%s): %r", exc, record)
    new = [row.id for row in kept if row.state == PortalInboundState.RECEIVED]
    for inbound_id in new:
        portal_inbound.import_each([inbound_id])
        db.session.commit()
    if new:
        log.info("portal: %d new dossier(s) pulled", len(new))
    return len(new)
