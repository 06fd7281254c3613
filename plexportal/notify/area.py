"""What the notify area plugs in: the outbox pages (views.py; a person's own page in
views_user.py), the sender's task, how "ready" messages are rendered, Apprise delivery, the
List-Unsubscribe headers, its settings, commands, API routes, dashboard card and metrics."""
from plexportal.areas import Area
from plexportal.notify import (
    api,
    cli,
    dashboard,
    headers,
    metrics,
    models,
    push,
    render,
    setting_defs,
    tasks,
    transport,
    views,
    views_push,
    views_user,
)

AREA = Area(
    "notify",
    blueprints=[views.bp],
    routes=[views_user, views_push, api],
    profile_sections=[views_push.section],
    models=[models],
    tasks=[tasks],
    settings=setting_defs.DEFS,
    cli=cli.commands,
    dashboard=dashboard.card,
    metrics=metrics.collect,
    renderers={"media.ready": render.render_media_ready, "notify.test": render.render_said,
               "notify.new_link": render.render_said},
    transports={"apprise": transport.deliver_apprise, "push": push.deliver_push},
    headers=[headers.list_unsubscribe],
)
