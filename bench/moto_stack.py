"""The stack for an in-process benchmark: moto (inside `mock_aws`), the resources of
infra/template.yaml, and this process's environment and wiring pointed at them."""

from __future__ import annotations

import os

from chalicelib import aws, wiring
from infra.local import OUTPUT_ENV, deploy_stack


def deploy_in_moto(**settings: str) -> dict[str, str]:
    """Deploy the stack into the active moto backend; return its outputs. `settings` are
    extra environment variables (e.g. AIG_LOG_SINK="queue") read by the fresh wiring."""
    os.environ.update(
        AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x"
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    aws.reset()
    outputs = deploy_stack(None)
    os.environ.update({name: outputs[key] for key, name in OUTPUT_ENV.items()})
    os.environ.update(settings)
    wiring.reset()
    return outputs
