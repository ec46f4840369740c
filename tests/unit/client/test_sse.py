"""Server-Sent Events read as the WHATWG spec says: the CLI's progress comes from them."""

from __future__ import annotations

from client.sse import ServerSentEvent, parse_events


def test_events_carry_their_id_name_and_data() -> None:
    state = '{"status": "running", "stage": "generate_code"}'
    lines = [
        ": keep-alive",
        "",
        "id: 1700000000000-0",
        "event: state",
        f"data: {state}",
        "",
        "id: 1700000000001-0",
        "event: end",
        "data: {}",
        "",
    ]
    assert list(parse_events(lines)) == [
        ServerSentEvent("1700000000000-0", "state", state),
        ServerSentEvent("1700000000001-0", "end", "{}"),
    ]


def test_data_lines_join_and_unnamed_events_are_messages() -> None:
    lines = ["data:first", "data: second", "", "event: ignored-without-data", ""]
    assert list(parse_events(lines)) == [ServerSentEvent(None, "message", "first\nsecond")]


def test_the_id_carries_over_and_a_cut_off_event_is_dropped() -> None:
    lines = ["id: 7", "data: a", "", "data: b", "", "id: 8", "event: state", "data: c"]
    events = list(parse_events(lines))
    assert [(e.id, e.data) for e in events] == [("7", "a"), ("7", "b")]


def test_a_colon_in_the_value_is_kept() -> None:
    events = list(parse_events(['data: {"at": "2026-01-01T00:00:00Z"}', ""]))
    assert events[0].data == '{"at": "2026-01-01T00:00:00Z"}'
