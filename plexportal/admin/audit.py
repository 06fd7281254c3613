"""The audit trail: one call from any area's service."""
from __future__ import annotations

import logging

from plexportal.admin.models import AuditEntry
from plexportal.extensions import client_address

log = logging.getLogger(__name__)


def record(action: str, message: str, actor=None) -> None:
    """One entry: who, from which address, and whether through the local-network bypass."""
    ip, bypass = "", False
    try:
        from flask import g, has_request_context
        from flask_login import current_user

        if has_request_context():

            ip = client_address()[:64]
            if actor is None and current_user.is_authenticated:
                actor = current_user
            bypass = bool(getattr(g, "bypass", False))
    except Exception as err:  # noqa: BLE001 - auditing never breaks the action
        log.debug("audit entry without request details: %s", err)
    label = getattr(actor, "username", None) or "system"
    AuditEntry.create(action=action, message=message[:2000], actor=actor.id if actor else None,
                      actor_label=label, ip=ip, via_bypass=bypass)


def recent(actor, action: str, limit: int = 10) -> list[AuditEntry]:
    """The latest entries of one kind made by one user (newest first)."""
    return list(AuditEntry.select().where((AuditEntry.actor == actor.id) & (AuditEntry.action == action))
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
