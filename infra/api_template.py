"""The REST API of `chalice package`'s template, built offline, with
infra/api-gateway-responses.yaml merged in the way `chalice package --merge-template` merges.

    python -m infra.api_template > api.json   # what `make lint` hands to cfn-lint

Chalice's own pieces build it (its CloudFormation swagger of app.py, its template merger and
YAML loader); the function is reduced to what the API refers to (`APIHandler`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from chalice.app import Chalice
from chalice.deploy.swagger import CFNSwaggerGenerator
from chalice.package import TemplateDeepMerger, YAMLTemplateSerializer

GATEWAY_RESPONSES_PATH = Path(__file__).resolve().with_name("api-gateway-responses.yaml")


def gateway_responses() -> dict[str, Any]:
    """infra/api-gateway-responses.yaml, loaded as `chalice package` loads it."""
    return YAMLTemplateSerializer().load_template(
        GATEWAY_RESPONSES_PATH.read_text(), str(GATEWAY_RESPONSES_PATH)
    )


def chalice_api_template(app: Chalice, stage: str = "api") -> dict[str, Any]:
    """The `RestAPI` and `APIHandler` resources as `chalice package` writes them."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "RestAPI": {
                "Type": "AWS::Serverless::Api",
                "Properties": {
                    "EndpointConfiguration": "EDGE",
                    "StageName": stage,
                    "DefinitionBody": CFNSwaggerGenerator().generate_swagger(app),
                },
            },
            "APIHandler": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Runtime": "python3.11",
                    "Handler": "app.app",
                    "CodeUri": "./deployment.zip",
                },
            },
        },
    }


def merged_template(app: Chalice) -> dict[str, Any]:
    """`chalice_api_template` with the gateway responses merged in."""
    return TemplateDeepMerger().merge(gateway_responses(), chalice_api_template(app))


def main() -> int:
    """Print the merged template (JSON) of app.py."""
    from app import app

    json.dump(merged_template(app), sys.stdout, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
