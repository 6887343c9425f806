"""Fake OpenAI / Anthropic / Gemini upstream speaking the real wire formats (JSON and SSE).

Run it with ``python -m tests.fakes.upstream --port 0``; it prints one line
``FAKE_UPSTREAM_LISTENING http://HOST:PORT`` and serves until SIGINT/SIGTERM.
Routes are matched on the end of the path, so any prefix (``/openai/v1``, ``/groq/openai/v1``,
``/anthropic``, ``/google``) works. Replies are deterministic: ``"echo: " + last user text``.

Tool calls, in each wire format (JSON and SSE): when a request declares tools and its last turn
is not a tool result, the model calls one tool (the one ``tool_choice`` / ``toolConfig`` names,
else the first; none when they say "none") with arguments built from its parameter schema
(see ``tool_arguments``): OpenAI ``tool_calls`` + ``finish_reason: "tool_calls"``, Anthropic a
``tool_use`` block + ``stop_reason: "tool_use"``, Gemini a ``functionCall`` part. When the last
turn carries tool results (OpenAI ``role: "tool"`` messages, Anthropic ``tool_result`` blocks,
Gemini ``functionResponse`` parts), the reply is ``"echo: " + the result text``.
Gemini ``:batchEmbedContents`` / ``:embedContent`` answer with ``embedding_vector`` values.

Control headers: ``x-fake-status`` (error status, provider-shaped body), ``x-fake-delay-ms``,
``x-fake-no-usage: 1`` and ``x-fake-raw`` (text/plain body, status 200 or ``x-fake-status``).
``x-fake-fail-times: N`` fails the first N requests that carry the same ``x-fake-key`` with
``x-fake-fail-status`` (default 500) and answers the later ones normally (retry tests).

Streaming controls (SSE answers only; without them an event stream is sent whole, with a
Content-Length, as before). Any of them sends the stream chunked (no Content-Length), one
event per HTTP chunk, each written as soon as it is due:

- ``x-fake-chunked: 1``: just that.
- ``x-fake-pace-ms: N``: N ms between consecutive events (none before the first).
- ``x-fake-gate: NAME`` (with ``x-fake-gate-after: K``, default 1): after K events the
  stream waits until the test opens gate NAME with ``POST /_fake/gates/NAME``
  (``FakeUpstreamProcess.release``). A gate may be opened before the stream reaches it.
  ``GET /_fake/gates/NAME`` tells where the stream is (``FakeUpstreamProcess.gate``):
  ``waiting`` (paused at the gate now), ``released``, ``sent`` (events written) and
  ``outcome`` (``completed``, ``client_gone`` when the reader went away, ``timed_out``
  when the gate stayed shut for ``x-fake-gate-timeout-ms``, default 60000: the stream
  is then broken off without its last chunk).
- ``x-fake-stream-bytes: N`` (chat completions with ``stream: true``): a stream of exactly
  N bytes (or the shortest possible one, when N is smaller) of valid
  ``chat.completion.chunk`` events, generated as they are sent (never held whole): the
  role chunk, content chunks of up to ``STREAM_PIECE`` bytes (each one word, one token),
  the finish chunk, the usage chunk when asked for, then ``[DONE]``.

Layout: ``wire`` (the fake model and what every wire format shares), ``openai``,
``anthropic``, ``google`` (one module per wire format), ``dispatch`` (routes and the forced
replies), ``control`` (journal, failure counters, gates, stream pacing), ``server`` (the HTTP
server and ``main``), ``process`` (``FakeUpstreamProcess``).
"""

from tests.fakes.upstream.dispatch import respond
from tests.fakes.upstream.openai import STREAM_PIECE
from tests.fakes.upstream.process import FakeUpstreamProcess
from tests.fakes.upstream.wire import (
    ARGUMENT_FRAGMENT,
    count_tokens,
    embedding_vector,
    prompt_text,
    speech_bytes,
    split_words,
    tool_arguments,
    transcription_text,
)

__all__ = [
    "ARGUMENT_FRAGMENT",
    "STREAM_PIECE",
    "FakeUpstreamProcess",
    "count_tokens",
    "embedding_vector",
    "prompt_text",
    "respond",
    "speech_bytes",
    "split_words",
    "tool_arguments",
    "transcription_text",
]
