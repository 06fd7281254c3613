"""Media health: the monitors (one module each in monitors/), their schedule and runs (service.py,
the area's public module), the action ledger and records (models.py), the webhook subscribers
that wake them (subscribers.py), their pages, the weekly summary, and maintenance windows that
pause them and the outbox (maintenance.py)."""
