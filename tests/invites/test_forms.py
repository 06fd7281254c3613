"""Reading the invite and preset forms: limits at their edges, what is cut rather than refused,
and an expiry that already passed being kept when the admin did not touch it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from plexportal.invites import forms
from plexportal.lib import clock


@pytest.mark.parametrize("days,ok", [("1", True), ("3650", True), ("0", False), ("3651", False), (" 30 ", True),
                                     ("1e3", False), ("", True)])
def test_access_days_are_a_whole_number_from_one_to_ten_years(db, days, ok):
    values, errors = forms.invite(MultiDict({"access_days": days}))
    assert ("access_days" not in errors) is ok
    if ok and days.strip():
        assert values["access_days"] == int(days)


def test_long_text_is_cut_not_refused(db):
    values, errors = forms.invite(MultiDict({"label": "L" * 500, "note": "N" * 5000, "filter_ratings": "R" * 300,
                                             "filter_labels": " kids "}))
    assert errors == {}
    assert (len(values["label"]), len(values["note"]), len(values["filter_ratings"])) == (120, 2000, 200)
    assert values["filter_labels"] == "kids"


def test_checkboxes_read_the_ways_browsers_send_them(db):
    values, _ = forms.invite(MultiDict({"allow_sync": "on", "allow_channels": "1", "allow_camera_upload": "no",
                                        "requires_approval": "true", "kind": "home"}))
    assert (values["allow_sync"], values["allow_channels"], values["allow_camera_upload"]) == (True, True, False)
    assert values["requires_approval"] is True and values["home"] is True


def test_enabled_is_only_read_when_the_form_shows_the_switch(db):
    assert forms.invite(MultiDict({}))[0]["enabled"] is True                 # a new invite is on
    assert forms.invite(MultiDict({"enabled_present": "1"}))[0]["enabled"] is False


def test_libraries_that_are_not_ids_are_refused(db):
    _, errors = forms.invite(MultiDict([("libraries", "1001"), ("libraries", "movies")]))
    assert errors["libraries"] == "Pick libraries from the list."
    values, errors = forms.invite(MultiDict([("libraries", "1002"), ("libraries", "1001"), ("libraries", "1002")]))
    assert values["libraries"] == [1001, 1002] and "libraries" not in errors


def test_an_untouched_expiry_is_kept_even_once_it_has_passed(db):
    past = clock.now() - timedelta(days=2)
    shown = forms.expiry_text(past)
    values, errors = forms.invite(MultiDict({"expires": shown, "expires_was": shown}))
    assert "expires" not in errors and "expires_at" not in values           # left as it is
    values, errors = forms.invite(MultiDict({"expires": shown, "expires_was": ""}))
    assert errors["expires"] == "That moment has already passed."


def test_a_preset_id_that_is_not_a_number_is_no_preset(db):
    assert forms.invite(MultiDict({"preset": "abc"}))[0]["preset"] is None
    assert forms.invite(MultiDict({"preset": "99999"}))[0]["preset"] is None


def test_a_custom_code_with_forbidden_letters_is_explained(db):
    _, errors = forms.invite(MultiDict({"code": "UNLUCKY-CODE-1"}))
    assert errors["code"] == "Use letters and digits only (no I, L, O or U)."
