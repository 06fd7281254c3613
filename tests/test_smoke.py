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


def test_the_nav_lights_the_section_a_page_belongs_to(logged_in):
    import re

    from plexportal.invites.models import Access

    friend = Access.create(plex_user_id=42, username="friend", email="friend@example.com")

    def current(path):
        html = logged_in.get(path).get_data(as_text=True)
        nav = html[html.index('class="navlinks"'):html.index('class="account"')]
        return re.findall(r'aria-current="page">([^<]+)<', nav)

    assert current("/") == ["Dashboard"]
    assert current("/invites/new") == ["Invites"]
    assert current(f"/users/{friend.id}") == ["People"]           # the invites area, under People
    assert current("/people/") == ["People"]
    assert current("/maintenance/") == ["Health"]                 # reached from Media health
    assert current("/monitors/issues") == ["Health"]
    assert current("/media/inbox") == ["Requests"]
    assert current("/audit") == []                                # the account menu's page
