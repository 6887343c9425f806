"""Stored provider keys (Cloudflare's BYOK `provider_configs`): envelope encryption (a data
key per secret, wrapped by a pluggable key wrapper: AWS KMS deployed, a local key file under
`make run`), the keys' store in the control table and the checks of a new key. Secrets are
never returned, logged or put in an error. Imports chalicelib.accounts, chalicelib.dynamo
and chalicelib.errors."""

from chalicelib.provider_keys.envelope import Sealed, open_sealed, seal
from chalicelib.provider_keys.fields import NewKey, parse_new_key, preview
from chalicelib.provider_keys.file_wrapper import FileKeyWrapper, create_key_file
from chalicelib.provider_keys.kms_wrapper import KmsKeyWrapper
from chalicelib.provider_keys.store import MAX_KEYS_PER_GATEWAY, ProviderKeyStore, StoredKey
from chalicelib.provider_keys.wrapper import Context, DataKey, KeyUnavailable, KeyWrapper

__all__ = [
    "MAX_KEYS_PER_GATEWAY",
    "Context",
    "DataKey",
    "FileKeyWrapper",
    "KeyUnavailable",
    "KeyWrapper",
    "KmsKeyWrapper",
    "NewKey",
    "ProviderKeyStore",
    "Sealed",
    "StoredKey",
    "create_key_file",
    "open_sealed",
    "parse_new_key",
    "preview",
    "seal",
]
