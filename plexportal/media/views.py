from plexportal.media import calendar_views, pages, webhooks

BLUEPRINTS = [webhooks.bp, pages.bp, calendar_views.bp]
