"""The global invite code's limit is per address and code, not one bucket for everyone."""


def _at(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_one_address_guessing_the_global_code_does_not_lock_out_everyone(web, set_settings, plex, admin):
    set_settings(INVITE_CODE="HARBOUR-2026")
    web.get("/join")
    # Seven addresses, five wrong codes each: more than the old single bucket (30) held.
    for n in range(7):
        for _ in range(5):
            r = web.post("/join", data={"code": "guess", "identifier": "mallory@example.com"}, **_at(f"203.0.113.{n}"))
            assert r.status_code == 422
    ok = web.post("/join", data={"code": "harbour-2026", "identifier": "friend@example.com"}, **_at("198.51.100.7"))
    assert ok.status_code == 303
