"""What the media area plugs in: webhooks, the request pages and the upcoming calendar, the
"ready to watch" message (its kind and its availability gate), the Seerr sync and calendar tasks,
API routes, the dashboard card, metrics and the user page's sections."""
from plexportal.areas import Area, MessageKind
from plexportal.media import (
    api,
    availability,
    calendar_profile,
    calendar_views,
    dashboard,
    metrics,
    models,
    pages,
    profile,
    setting_defs,
    tasks,
    webhooks,
)

AREA = Area(
    "media",
    blueprints=[webhooks.bp, pages.bp, calendar_views.bp],
    routes=[api],
    models=[models],
    tasks=[tasks],
    settings=setting_defs.DEFS,
    dashboard=dashboard.card,
    metrics=metrics.collect,
    profile_sections=[profile.section, calendar_profile.section],
    message_kinds=[MessageKind("media.ready", "A title you asked for is ready to watch", first=True)],
    gates={"media.ready": availability.gate},
    on_save=setting_defs.ON_SAVE,
)
