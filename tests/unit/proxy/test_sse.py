import re

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.providers.sse import SseDecoder, SseEvent, iter_sse_events


def events(body: bytes) -> list[SseEvent]:
    return list(iter_sse_events(body))


def test_openai_style_stream():
    body = b'data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n'
    assert events(body) == [
        SseEvent(None, '{"a":1}'),
        SseEvent(None, '{"a":2}'),
        SseEvent(None, "[DONE]"),
    ]


def test_event_field():
    body = b'event: message_start\ndata: {"type":"message_start"}\n\nevent: ping\ndata: {}\n\n'
    assert events(body) == [
        SseEvent("message_start", '{"type":"message_start"}'),
        SseEvent("ping", "{}"),
    ]


def test_event_field_does_not_leak_into_next_event():
    assert events(b"event: a\ndata: 1\n\ndata: 2\n\n") == [SseEvent("a", "1"), SseEvent(None, "2")]


def test_crlf_and_cr_line_endings():
    assert events(b"event: x\r\ndata: 1\r\n\r\ndata: 2\r\rdata: 3\n\n") == [
        SseEvent("x", "1"),
        SseEvent(None, "2"),
        SseEvent(None, "3"),
    ]


def test_comments_are_ignored():
    body = b": OPENROUTER PROCESSING\n\n:keep-alive\ndata: x\n: inside\n\n"
    assert events(body) == [SseEvent(None, "x")]


def test_multi_line_data_joined_with_newline():
    assert events(b"data: first\ndata: second\ndata:\n\n") == [SseEvent(None, "first\nsecond\n")]


def test_only_one_leading_space_is_stripped():
    assert events(b"data:no-space\n\ndata:  two\n\n") == [
        SseEvent(None, "no-space"),
        SseEvent(None, " two"),
    ]


def test_value_keeps_later_colons():
    assert events(b'data: {"k": "a:b"}\n\n') == [SseEvent(None, '{"k": "a:b"}')]


def test_field_without_colon():
    # "data" alone is a data field with an empty value; unknown fields are ignored.
    assert events(b"data\n\nid: 7\nretry: 10\nfoo\ndata: x\n\n") == [
        SseEvent(None, ""),
        SseEvent(None, "x"),
    ]


def test_events_without_data_are_not_dispatched():
    assert events(b"event: ping\n\nevent: other\nid: 1\n\n") == []


def test_final_event_without_trailing_blank_line_is_dispatched():
    assert events(b"data: 1\n\nevent: last\ndata: 2") == [
        SseEvent(None, "1"),
        SseEvent("last", "2"),
    ]
    assert events(b"data: 3\n") == [SseEvent(None, "3")]


def test_empty_event_name_counts_as_absent():
    assert events(b"event:\ndata: x\n\n") == [SseEvent(None, "x")]


def test_leading_bom_is_ignored():
    assert events(b"\xef\xbb\xbfdata: x\n\n") == [SseEvent(None, "x")]


def test_invalid_utf8_is_replaced():
    assert events(b"data: caf\xe9\n\n") == [SseEvent(None, "caf\ufffd")]


def test_empty_body():
    assert events(b"") == []
    assert events(b"\n\n\r\n") == []


# --- incremental decoding ------------------------------------------------------------------


def reference_events(body: bytes) -> list[SseEvent]:
    """The whole-body parser this module had before it parsed incrementally."""
    text = body.decode("utf-8", errors="replace").removeprefix("\ufeff")
    out, event, data = [], "", []
    for line in re.split(r"\r\n|\r|\n", text):
        if not line:
            if data:
                out.append(SseEvent(event or None, "\n".join(data)))
            event, data = "", []
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            if field == "event":
                event = value.removeprefix(" ")
            elif field == "data":
                data.append(value.removeprefix(" "))
    if data:
        out.append(SseEvent(event or None, "\n".join(data)))
    return out


def fed(pieces: list[bytes]) -> list[SseEvent]:
    decoder = SseDecoder()
    return [e for piece in pieces for e in decoder.feed(piece)] + decoder.finish()


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(c % (len(body) + 1) for c in cuts), len(body)]
    return [body[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


SAMPLE = (
    '\ufeffevent: start\r\ndata: {"t": "caf\u00e9 \U0001f600"}\r\n\r\n: comment\r'
    "data: a\rdata: b\r\rdata: c\n\nevent: last\ndata: \u20ac"
).encode()


def test_every_split_point_of_a_sample() -> None:
    expected = reference_events(SAMPLE)
    assert len(expected) == 4
    for i in range(len(SAMPLE) + 1):
        for j in range(i, len(SAMPLE) + 1):
            assert fed([SAMPLE[:i], SAMPLE[i:j], SAMPLE[j:]]) == expected


def test_byte_at_a_time() -> None:
    assert fed([bytes([b]) for b in SAMPLE]) == reference_events(SAMPLE)


def test_cr_then_lf_in_next_chunk_is_one_line_break() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"data: 1\r") == []
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"\r") == [SseEvent(None, "1")]
    assert decoder.feed(b"\ndata: 2\r\n\r") == [SseEvent(None, "2")]
    assert decoder.finish() == []


def test_event_is_dispatched_as_soon_as_its_blank_line_arrives() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"event: a\ndata: x") == []
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"\ndata: y\n\ndata: z") == [SseEvent("a", "x"), SseEvent(None, "y")]
    assert decoder.finish() == [SseEvent(None, "z")]


def test_split_multibyte_character_and_truncated_one() -> None:
    decoder = SseDecoder()
    euro = "\u20ac".encode()
    assert decoder.feed(b"data: " + euro[:1]) == []
    assert decoder.feed(euro[1:] + b"\n\ndata: " + euro[:2]) == [SseEvent(None, "\u20ac")]
    assert decoder.finish() == [SseEvent(None, "\ufffd")]


def test_split_bom() -> None:
    assert fed([b"\xef", b"\xbb", b"\xbfdata: x\n\n"]) == [SseEvent(None, "x")]
    assert fed([b"data: \xef\xbb\xbf\n\n"]) == [SseEvent(None, "\ufeff")]


_ATOMS = [b"\r", b"\n", b"\r\n", b":", b" ", b"data", b"event", b"x", b"\xef\xbb\xbf"]
_ATOMS += [b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xe9", b"\xff", b"\xc3"]


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(_ATOMS) | st.binary(max_size=3), max_size=40),
    st.lists(st.integers(min_value=0), max_size=8),
)
def test_any_split_matches_the_whole_body_parser(atoms: list[bytes], cuts: list[int]) -> None:
    body = b"".join(atoms)
    assert fed(split(body, cuts)) == reference_events(body)
    assert events(body) == reference_events(body)
