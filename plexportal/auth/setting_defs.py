"""Sign-in settings: the second-factor rule, Sign in with Plex, single sign-on (OpenID Connect)
and the trusted proxy header."""
from plexportal.settings.registry import SettingDef as S

SECURITY = "Security"
SSO = "Single sign-on"

PRIVATE_NETWORKS = "127.0.0.0/8, ::1/128, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7"


def _header_name(text: str) -> str | None:
    if not all(c.isalnum() or c == "-" for c in text):
        return "Use a header name such as Remote-User (letters, digits and dashes)."
    if text.lower() in ("host", "cookie", "authorization", "x-forwarded-for", "x-forwarded-proto",
                        "x-forwarded-host", "content-type", "content-length"):
        return "That header carries something else; use the one your proxy sets, e.g. Remote-User."
    return None


def _claim_name(text: str) -> str | None:
    if any(c.isspace() for c in text):
        return "A claim name has no spaces, e.g. groups."
    return None


DEFS = [
    S("REQUIRE_SECOND_FACTOR", "Require a second factor or single sign-on for admins", SECURITY, kind="bool",
      default="false",
      help="A password (or Sign in with Plex) alone is then not enough: admins also give an authenticator "
           "code or a passkey, or sign in with a passkey or single sign-on. An admin without a second factor "
           "sets one up at the next sign-in; sessions opened with a password alone end."),
    S("PLEX_SIGNIN", "Sign in with Plex", SECURITY, kind="bool", default="true",
      help="Shows “Sign in with Plex” on the sign-in page (needs the Plex token): for the server's owner, "
           "the Plex accounts made admin, and the people the server is shared with (they land on their own page)."),
    S("TRUSTED_HEADER", "Trusted sign-in header", SECURITY,
      help="Optional, for an authenticating proxy (Authelia, Authentik outpost…): the header carrying the "
           "signed-in user name, e.g. Remote-User. Believed only with PLEXPORTAL_TRUSTED_PROXIES set and from "
           "the proxy addresses below. Empty: off.", validate=_header_name),
    S("TRUSTED_HEADER_PROXIES", "Trusted header accepted from", SECURITY, kind="cidrs", default=PRIVATE_NETWORKS,
      help="The addresses of the proxy that sets the header (CIDR list). A request arriving from anywhere "
           "else is never signed in by the header."),

    S("OIDC_PROVIDER_NAME", "Provider name", SSO, default="",
      help="Shown on the sign-in button: “Sign in with Authentik”."),
    S("OIDC_ISSUER", "Issuer URL", SSO, kind="url",
      help="The provider's issuer, e.g. https://auth.example.com/application/o/plexportal/ (Authentik). "
           "Test connection shows the redirect URI to register there."),
    S("OIDC_CLIENT_ID", "Client ID", SSO),
    S("OIDC_CLIENT_SECRET", "Client secret", SSO, kind="secret", bound_to=("OIDC_ISSUER",)),
    S("OIDC_SCOPES", "Scopes", SSO, default="openid email profile",
      help="Add groups when the admin group below comes from a groups claim (Authelia, Authentik).",
      validate=lambda t: None if "openid" in t.split() else "The scopes must include openid."),
    S("OIDC_ADMIN_CLAIM", "Admin claim", SSO, default="groups", validate=_claim_name,
      help="The ID-token claim that lists the user's groups or roles."),
    S("OIDC_ADMIN_VALUE", "Admin group", SSO,
      help="Members of this group (a value of the claim above) sign in as admin; a new admin account is made "
           "for them the first time. Empty: only accounts already linked to an admin may sign in."),
    S("OIDC_LINK_BY_EMAIL", "Link to an admin with the same verified email", SSO, kind="bool", default="false",
      help="The first single sign-on of an account whose email the provider has verified joins the admin "
           "with that email. Off: an admin links their account from their account page."),
]
