"""GET /api/v1/notifications: the outbox, filtered and paged (never a channel URL or a body)."""
from __future__ import annotations

from plexportal.api import envelope
from plexportal.api.envelope import BOOL, INT, MAYBE_INT, MAYBE_TEXT, TEXT, TIME, enum, obj
from plexportal.api.views import _api, api_bp
from plexportal.lib import fmt
from plexportal.notify import mailserver, outbox
from plexportal.notify.models import STATUSES

NOTIFICATION = obj("One message in the outbox",
                   id=INT, kind={"type": "string", "description": "Message kind, such as media.ready"},
                   audience=enum(("user", "admin")), status=enum(STATUSES),
                   channel={"type": "string", "description": "email or apprise"},
                   destination={"type": "string", "description": "An address, or a destination's name (never its URL)"},
                   user_id=MAYBE_INT, subject=TEXT, group_key=MAYBE_TEXT,
                   items={"type": "integer", "description": "How many titles a batched message holds"},
                   attempts=INT, last_error=TEXT, flagged=TEXT,
                   may_have_been_delivered={**TIME, "description": "Set when a send broke off midway (UTC)"},
                   send_after=TIME, sent_at=TIME, created_at=TIME)
MAIL_SERVER = obj("Whether the mail server answers; sending pauses while it does not",
                  reachable=BOOL, down_since=TIME, error=TEXT, next_probe_at=TIME)


@api_bp.get("/notifications")
@_api
@envelope.listing("The outbox: every message, newest first", item=NOTIFICATION,
                  filters=[envelope.Choice("status", STATUSES, "Only messages in this state"),
                           envelope.Integer("user", "Only messages to this person (their id)"),
                           envelope.Text("kind", "Only this message kind, such as media.ready"),
                           envelope.Flag("flagged", "Only messages flagged for a look")],
                  description="`total` is counted at most 10,000 past the page asked for; when more match, "
                              "`total_capped` is true and `total` is a lower bound (`next` still leads on).",
                  extra={"mail_server": MAIL_SERVER,
                         "total_capped": {**BOOL, "description": "True when more messages match than were counted: "
                                                                 "`total` is then a lower bound"}})
def notifications(args):
    f = outbox.Filters(status=args["status"], user=args["user"], kind=args["kind"], flagged=args["flagged"])
    q = outbox.query(f)
    down = mailserver.status()
    mail_server = {"reachable": down is None, "down_since": fmt.isotime(down["down_since"]) if down else None,
                   "error": down["error"] if down else "",
                   "next_probe_at": fmt.isotime(down["next_probe_at"]) if down else None}
    # Counted no further than COUNT_CAP past this page: an exact total of a big outbox is a walk
    # through a million index entries on every call. Past the cap, `total` is a lower bound.
    reach = args.offset + args.limit + outbox.COUNT_CAP
    total = q.order_by().limit(reach + 1).count()
    return (min(total, reach), [outbox.as_dict(n) for n in q.limit(args.limit).offset(args.offset)],
            {"mail_server": mail_server, "total_capped": total > reach})
