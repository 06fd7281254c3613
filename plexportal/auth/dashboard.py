"""A dashboard card only when something about sign-in protection needs the admin's attention."""
from plexportal.auth import throttle


def card() -> dict | None:
    problem = throttle.unshared_store_problem()
    if not problem:
        return None
    return {"template": "auth/_limits_card.html", "problem": problem}
