"""Dashboard (cards contributed by each area's dashboard.py) and the audit log."""
from flask import Blueprint

from plexportal import areas, web
from plexportal.admin.models import AuditEntry
from plexportal.settings import checks as service_checks
from plexportal.settings import service as settings
from plexportal.settings.models import ServiceCheck

bp = Blueprint("admin", __name__)
PAGE_SIZE = 50


def _connections() -> list[dict]:
    """Every configured service with its last Test-connection result (None: not tested yet)."""
    results = {c.service: c for c in ServiceCheck.select()}
    return [{"service": group, "check": results.get(group)} for group in service_checks.configured_groups(settings.get)]


@bp.get("/")
def dashboard():
    cards = []
    for area in areas.all_areas():
        card = area.dashboard() if area.dashboard else None
        if card:
            cards.append(card)
    recent = list(AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(5))
    return web.render_page("admin/dashboard.html", cards=cards, connections=_connections(), recent=recent)


@bp.get("/audit")
def audit_log():
    page = web.int_arg("page", 1, minimum=1, maximum=web.INT_MAX // PAGE_SIZE)
    query = AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    total = query.count()
    entries = list(query.paginate(page, PAGE_SIZE))
    return web.render_page("admin/audit.html", "admin/_audit_rows.html", entries=entries, page=page,
                           has_more=page * PAGE_SIZE < total, total=total)
