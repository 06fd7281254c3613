"""What the media area plugs in: webhooks, the request pages and the upcoming calendar, the
"ready to watch" message (its kind and its availability gate), the Seerr sync and calendar tasks,
API routes, the dashboard card, metrics and the user page's sections."""
from flask_babel import lazy_gettext as _l

from plexportal.areas import Area, MessageKind, Subscriber
from plexportal.media import (
    api,
    availability,
    calendar_profile,
    calendar_views,
    dashboard,
    decision_views,
    decisions,
    lifecycle,
    metrics,
    models,
    pages,
    profile,
    setting_defs,
    tasks,
    webhooks,
)
from plexportal.notify import render

AREA = Area(
    "media",
    blueprints=[webhooks.bp, pages.bp, calendar_views.bp, decision_views.bp],
    routes=[api],
    models=[models],
    tasks=[tasks],
    settings=setting_defs.DEFS,
    dashboard=dashboard.card,
    metrics=metrics.collect,
    profile_sections=[profile.section, calendar_profile.section],
    message_kinds=[MessageKind("media.ready", _l("A title you asked for is ready to watch"), first=True)]
    + [MessageKind(kind, label, default) for kind, (label, default) in lifecycle.CHOICES.items()],
    renderers=dict.fromkeys(lifecycle.CHOICES, render.render_update),
    gates={"media.ready": availability.gate},
    # A request's steps told to the requester; a pending request to the admins, with its links.
    subscribers=[Subscriber("seerr", event_type, lifecycle.on_request_step) for event_type in lifecycle.STEPS]
    + [Subscriber("seerr", "MEDIA_PENDING", decisions.on_pending)],
    on_save=setting_defs.ON_SAVE,
)
