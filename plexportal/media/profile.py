"""The media section of a user's page: their requests, what they follow, and titles others asked
for that they can follow (a signed-link POST). Their calendar address is calendar_profile.py's."""
from plexportal.media.models import Follower, MediaRequest
from plexportal.notify import links


def section(user, *, admin: bool) -> dict | None:
    own = list(MediaRequest.select().where(MediaRequest.requested_by == user.id)
               .order_by(MediaRequest.created_at.desc()).limit(50))
    followed = list(MediaRequest.select().join(Follower).where((Follower.user == user.id) & (Follower.role == "follower"))
                    .order_by(MediaRequest.created_at.desc()).limit(50))
    mine = {r.id for r in own} | {r.id for r in followed}
    others = [r for r in MediaRequest.select().where(MediaRequest.status.in_(("pending", "approved", "available")))
              .order_by(MediaRequest.created_at.desc()).limit(60) if r.id not in mine][:30]
    token, can_follow = "", False
    if not admin:
        token = links.request_token()        # the link the person came with; never a new one
        can_follow = bool(token) or links.signed_in_person() is not None
    return {"template": "media/_profile_section.html", "own": own, "followed": followed, "others": others,
            "token": token, "can_follow": can_follow, "admin": admin, "profile_user": user}
