from tests.invites.conftest import fake_plextv, fake_pms, plex  # noqa: F401 - shared fakes
