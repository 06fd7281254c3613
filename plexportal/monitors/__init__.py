"""Media health: the monitors' schedule, records and pages (the monitors themselves live in
plexportal/media/monitors/), the upcoming calendar with its iCal feed, and the weekly summary."""
