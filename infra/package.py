"""`make package`: a stage's deployable stack, built offline (no AWS access).

    python -m infra.package --stage prod --out dist   # dist/prod/template.json + deployment.zip

Runs `chalice package` (the control plane's functions and REST API, with API Gateway's own
answers merged in from infra/api-gateway-responses.yaml) and completes its template into
the whole stack (infra/stack.py). The zip serves every function, the data plane included.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from chalice.package import YAMLTemplateSerializer

from infra.stack import build

ROOT = Path(__file__).resolve().parents[1]
GATEWAY_RESPONSES_PATH = ROOT / "infra" / "api-gateway-responses.yaml"
TEMPLATE_NAME = "template.json"
PACKAGE_NAME = "deployment.zip"


def package(stage: str, out: Path) -> Path:
    """Write `out/<stage>/template.json` and its `deployment.zip`; return that folder."""
    target = out / stage
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        _chalice_package(stage, Path(scratch))
        written = (Path(scratch) / "sam.yaml").read_text()  # YAML: the merged file is
        chalice_template = YAMLTemplateSerializer().load_template(written)
        shutil.copyfile(Path(scratch) / PACKAGE_NAME, target / PACKAGE_NAME)
    stack = build(chalice_template, stage)
    (target / TEMPLATE_NAME).write_text(json.dumps(stack, indent=2, sort_keys=True) + "\n")
    return target


def _chalice_package(stage: str, scratch: Path) -> None:
    chalice = Path(sys.executable).with_name("chalice")
    env = {**os.environ}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # chalice wants one; nothing is called
    command = [
        str(chalice),
        "package",
        "--stage",
        stage,
        "--merge-template",
        str(GATEWAY_RESPONSES_PATH),
        str(scratch),
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"chalice package failed:\n{done.stdout}{done.stderr}")


def main(argv: list[str] | None = None) -> int:
    """Package a stage (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev", help="Chalice stage (.chalice/config.json)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder")
    args = parser.parse_args(argv)
    print(package(args.stage, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
