from plexportal.media import calendar_views, decision_views, pages, webhooks

BLUEPRINTS = [webhooks.bp, pages.bp, calendar_views.bp, decision_views.bp]
