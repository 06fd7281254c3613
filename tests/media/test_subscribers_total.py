"""Every webhook subscriber and parser is total: real payloads mutated by hypothesis (fields removed,
replaced by values of other types, nested oddly) never produce a traceback. A body of an unexpected
shape is one log line naming the event and the field."""
import copy
import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plexportal.health import subscribers  # noqa: F401 - registers the subscribers
from plexportal.media import events, parsing

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "media"
PAYLOADS = {p.stem: json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))}
SOURCE = {name: name.split("_", 1)[0] for name in PAYLOADS}

odd = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70), st.floats(allow_nan=True),
                st.text(max_size=20), st.lists(st.integers(), max_size=3),
                st.dictionaries(st.text(max_size=5), st.integers(), max_size=3), st.just([{"id": [1]}]),
                st.just({"id": {"nested": True}}), st.just("9" * 40))


def paths(value, prefix=()):
    """Every (path) to a value inside a JSON document."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, prefix + (i,))


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(PAYLOADS)))
    body = copy.deepcopy(PAYLOADS[name])
    for _ in range(draw(st.integers(1, 4))):
        all_paths = [p for p in paths(body) if p]
        if not all_paths:
            break
        path = draw(st.sampled_from(all_paths))
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            parent.pop(path[-1], None)                 # a field missing
        else:
            parent[path[-1]] = copy.deepcopy(draw(odd))   # a field of another type (never a shared object)
    return name, body


def test_the_monitors_subscribe_to_what_the_arrs_and_seerr_send():
    for source, event_type in (("sonarr", "Grab"), ("sonarr", "Download"), ("sonarr", "ManualInteractionRequired"),
                               ("radarr", "Grab"), ("radarr", "Download"), ("seerr", "MEDIA_AVAILABLE")):
        assert events.subscribers(source, event_type), (source, event_type)


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_every_real_payload_goes_through_every_subscriber_cleanly(db, name, caplog):
    caplog.set_level(logging.INFO)
    body = PAYLOADS[name]
    parsed = parsing.parse(SOURCE[name], json.dumps(body))
    event = SimpleNamespace(id=1, source=SOURCE[name], body=json.dumps(body))
    assert events.publish(event, parsed) == 0
    assert "Traceback" not in caplog.text and "skipped it" not in caplog.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=mutated())
def test_mutated_payloads_never_reach_a_traceback(db, case, caplog):
    name, body = case
    source = SOURCE[name]
    raw = json.dumps(body)
    try:
        parsed = parsing.parse(source, raw)
    except parsing.ParseError:
        return                                        # refused with a reason: recorded as invalid
    caplog.clear()
    event = SimpleNamespace(id=7, source=source, body=raw)
    assert events.publish(event, parsed) == 0, caplog.text   # no subscriber raised anything but a shape error
    assert "Traceback" not in caplog.text
    for record in caplog.records:
        if "skipped it" in record.getMessage():
            assert record.exc_info is None and "field" in record.getMessage()
            assert "event 7" in record.getMessage()


def test_a_wrong_shape_is_one_line_naming_the_event_and_the_field(db, caplog):
    body = copy.deepcopy(PAYLOADS["radarr_v5_grab"])
    body["movie"] = ["not", "an", "object"]
    parsed = parsing.parse("radarr", json.dumps(body))
    event = SimpleNamespace(id=42, source="radarr", body=json.dumps(body))
    assert events.publish(event, parsed) == 0
    [line] = [r for r in caplog.records if "skipped it" in r.getMessage()]
    assert "event 42 (radarr Grab)" in line.getMessage() and "movie: expected an object, got list" in line.getMessage()
    assert line.exc_info is None
