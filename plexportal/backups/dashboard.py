"""The dashboard card: state, last run, next expected run."""
from plexportal.backups import monitor


def card() -> dict:
    st = monitor.compute(read_cron=True)
    return {"template": "backups/_card.html", "backup": st}
