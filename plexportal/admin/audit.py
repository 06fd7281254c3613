"""The audit trail: one call from any area's service."""
from __future__ import annotations

from plexportal.admin.models import AuditEntry


def record(action: str, message: str, actor=None) -> None:
    if actor is None:
        try:
            from flask import has_request_context
            from flask_login import current_user

            if has_request_context() and current_user.is_authenticated:
                actor = current_user
        except Exception:  # noqa: BLE001 - auditing never breaks the action
            actor = None
    AuditEntry.create(action=action, message=message[:2000], actor=actor.id if actor else None,
                      actor_label=getattr(actor, "username", None) or "system")


def recent(actor, action: str, limit: int = 10) -> list[AuditEntry]:
    """The latest entries of one kind made by one user (newest first)."""
    return list(AuditEntry.select().where((AuditEntry.actor == actor.id) & (AuditEntry.action == action))
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
