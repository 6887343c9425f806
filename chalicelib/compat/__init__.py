"""The unified API: OpenAI-format requests translated to each provider's native API and back.

Pure translation over dicts and bytes (no HTTP, no AWS): `translate_chat_request` and
`translate_embeddings_request` return a `Translation` naming the upstream path, query, body
and headers, whose `translate_response` turns the provider's complete answer into OpenAI's
(`translate_stream` does so as a streamed answer arrives).
Invalid requests raise `CompatError` (a 400 for the client, from chalicelib.errors).
Imports chalicelib.providers, chalicelib.validation and chalicelib.errors only; never the
proxy, the HTTP layer or the log store.
"""

from chalicelib.compat.embeddings import EmbeddingsTranslation, translate_embeddings_request
from chalicelib.compat.error_bodies import error_body, provider_error_body
from chalicelib.compat.translation import ChatTranslation, Translation, translate_chat_request
from chalicelib.errors import CompatError

__all__ = [
    "ChatTranslation",
    "CompatError",
    "EmbeddingsTranslation",
    "Translation",
    "error_body",
    "provider_error_body",
    "translate_chat_request",
    "translate_embeddings_request",
]
