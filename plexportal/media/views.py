from plexportal.media import pages, webhooks

BLUEPRINTS = [webhooks.bp, pages.bp]
