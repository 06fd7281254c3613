"""Models and migrations agree: after `db upgrade`, nothing in the models is missing from the schema."""
from playhouse.schema_diff import diff_models

from plexportal.db import all_models, db


def test_it_has_migrations_for_every_model(app):
    with db.connection_context():
        diff = diff_models(db.obj, all_models())
    assert not diff, f"models and migrations disagree; run `flask --app wsgi db new NAME`:\n{diff}"


def test_it_reports_every_migration_applied(app):

    result = app.test_cli_runner().invoke(args=["db", "status"])
    assert result.exit_code == 0, result.output
    assert "0001_foundation" in result.output and "PENDING" not in result.output
