"""Maintenance windows: announced to every user, shown as a banner, and while one is active the
monitors and the notification sender pause (messages wait; none are lost)."""
