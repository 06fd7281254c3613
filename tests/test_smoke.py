def test_it_sends_a_newcomer_to_the_setup_wizard(client):
    r = client.get("/")
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/settings/setup")
    page = client.get("/settings/setup")
    assert page.status_code == 200
    assert "Create admin" in page.get_data(as_text=True)


def test_it_signs_in_and_shows_the_dashboard(logged_in):
    r = logged_in.get("/")
    assert r.status_code == 200
    assert "Dashboard" in r.get_data(as_text=True)
