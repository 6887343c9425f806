from chalicelib.proxy.sse import SseEvent, iter_sse_events


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
