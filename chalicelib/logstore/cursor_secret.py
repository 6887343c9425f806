"""The deployment's cursor secret when AIG_CURSOR_SECRET does not set one: the Secrets
Manager secret the deploy made (`managed_secret`), or, without one (`make run`), random,
made once per deployment and kept in its control table (`deployment_secret`), so that
every process of the deployment signs and checks cursors alike and no two deployments
share it."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, SupportsBytes, cast

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_secretsmanager import SecretsManagerClient

SECRET_KEY = {"pk": "DEPLOYMENT#cursor-secret", "sk": "#SECRET"}
"""Where the secret lives in the control table (no account, token or rollup key looks
like it: account ids cannot hold `#`)."""

SECRET_BYTES = 32


def deployment_secret(table: Table) -> bytes:
    """Return the secret of the deployment whose control table is `table`, creating it
    on first use; concurrent first uses agree on one (a conditional put, then a read)."""
    stored = _read(table)
    if stored is not None:
        return stored
    candidate = secrets.token_bytes(SECRET_BYTES)
    try:
        table.put_item(
            Item={**SECRET_KEY, "secret": candidate},  # bytes: a B attribute
            ConditionExpression="attribute_not_exists(pk)",
        )
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        stored = _read(table)  # another process made it first
        if stored is None:
            raise RuntimeError("the cursor secret vanished from the control table") from None
        return stored
    return candidate


def managed_secret(secretsmanager: SecretsManagerClient, arn: str) -> bytes:
    """The value of the Secrets Manager secret `arn` (a string secret), as bytes."""
    value = secretsmanager.get_secret_value(SecretId=arn).get("SecretString")
    if not value:
        raise RuntimeError(f"secret {arn} holds no string")
    return value.encode()


def _read(table: Table) -> bytes | None:
    item = table.get_item(Key=SECRET_KEY, ConsistentRead=True).get("Item")
    if not item:
        return None
    return bytes(cast(SupportsBytes, item["secret"]))  # boto3 reads a B attribute as Binary
