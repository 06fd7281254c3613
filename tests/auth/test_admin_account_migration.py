"""Migration 0191 on a database made at the migration before it: an admin with a password, an
authenticator app and a passkey keeps all three, and signs in with the password and a code after."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from plexportal import create_app, processes
from plexportal.lib import clock
from tests import conftest
from tests.conftest import PASSWORD, Browserless, make_config

MIGRATION = "0191_auth_admin_accounts_apart_from_people"
T0 = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)


@pytest.fixture
def empty_app(tmp_path):
    """An app on an empty database (nothing migrated yet)."""
    from plexportal.db import db

    cfg = make_config(tmp_path)
    name = f"{conftest.PG_SESSION_DB}_up"
    if conftest.BACKEND == "postgres":
        conftest._postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        cfg.database_url = conftest.PG_URL.rsplit("/", 1)[0] + "/" + name
    app = create_app(cfg)
    processes.start(app)
    app.test_client_class = conftest.FreshContextClient
    yield app
    if not db.is_closed():
        db.close()
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()
    if conftest.BACKEND == "postgres":
        conftest._postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    clock.reset()


def test_an_admins_password_totp_and_passkey_survive_the_move(empty_app):
    from plexportal.auth import totp
    from plexportal.auth.models import AdminAccount, Passkey, TotpFactor, User
    from plexportal.cli import migration_runner
    from plexportal.db import db, db_session
    from plexportal.security import hash_password

    clock.freeze(T0)
    with empty_app.app_context(), db_session():
        runner = migration_runner()
        names = [m.name for m in runner.status()]
        before = names[names.index(MIGRATION) - 1]
        runner.up(target=before)                                     # the previous head
        p, user = db.param, db.quote[0] + "user" + db.quote[1]
        stored = hash_password(PASSWORD)
        db.execute_sql(f"INSERT INTO {user} (username, email, display_name, role, password_hash, session_version, "
                       f"is_active, created_at) VALUES ('admin', 'admin@example.com', '', 'admin', {p}, 1, {p}, {p})",
                       (stored, True, T0.replace(tzinfo=None)))
        db.execute_sql(f"INSERT INTO {user} (username, display_name, role, session_version, is_active, created_at) "
                       f"VALUES ('friend', '', 'user', 1, {p}, {p})", (True, T0.replace(tzinfo=None)))
        admin_id = db.execute_sql(f"SELECT id FROM {user} WHERE username = 'admin'").fetchone()[0]
        secret = pyotp.random_base32()
        TotpFactor.create(user=admin_id, secret=totp._box().encrypt(secret), confirmed_at=T0)
        Passkey.create(user=admin_id, credential_id="cred-1", public_key="pk", user_handle="handle", name="Laptop")

        assert MIGRATION in runner.up()

        account = AdminAccount.get(AdminAccount.user == admin_id)
        assert account.password_hash == stored                       # moved as it was, not re-hashed
        assert AdminAccount.select().count() == 1                    # the person without a password has none
        assert "password_hash" not in [c.name for c in db.get_columns("user")]
        assert TotpFactor.get(TotpFactor.user == admin_id).confirmed_at == T0
        assert Passkey.get(Passkey.user == admin_id).name == "Laptop"
        assert User.get_by_id(admin_id).has_password

    web = Browserless(empty_app.test_client())
    r = web.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == "/auth/second-factor"
    clock.advance(timedelta(seconds=30))
    web.get("/auth/second-factor")
    r = web.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).at(clock.now())})
    assert r.status_code == 303 and r.headers["Location"] == "/"
    assert web.get("/").status_code == 200
    wrong = Browserless(empty_app.test_client())
    assert wrong.post("/auth/login", data={"username": "admin", "password": PASSWORD + "x"}).status_code != 303
