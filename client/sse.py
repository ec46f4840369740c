"""Server-Sent Events as the WHATWG spec reads them, from a stream's text lines: a blank
line ends an event, `:` lines are comments (keep-alives), `data:` lines join with a
newline, and an event with no data is not dispatched. By hand: it is 40 lines, and the
CLI needs nothing else from an SSE library."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerSentEvent:
    id: str | None  # the last `id:` seen so far in the stream (what Last-Event-ID resumes)
    event: str  # "message" when the server names none
    data: str


def parse_events(lines: Iterable[str]) -> Iterator[ServerSentEvent]:
    """The events in `lines` (each without its line ending, as httpx's iter_lines gives
    them). An event cut off by the stream's end is dropped, as the spec says."""
    last_id: str | None = None
    event = ""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield ServerSentEvent(id=last_id, event=event or "message", data="\n".join(data))
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id" and "\0" not in value:
            last_id = value
        # "retry" and unknown fields: ignored (the CLI reconnects on its own schedule).
