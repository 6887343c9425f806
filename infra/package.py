"""`make package`: a stage's deployable stack, built offline (no AWS access).

    python -m infra.package --stage prod --out dist   # dist/prod/template.json + deployment.zip

It also writes the web dashboard's static files to `dist/<stage>/dashboard/`, to serve next
to the API (from the API's origin: the page's policy lets it call only its own origin) when
the gateway's own `/dashboard` route is not wanted.

Runs `chalice package` (the control plane's functions and REST API, with API Gateway's own
answers merged in from infra/api-gateway-responses.yaml) and completes its template into
the whole stack (infra/stack.py). The zip serves every function, the data plane included.
Its modules are compiled into it (`__pycache__`, hash-checked off): Lambda's code folder
is read-only, so without them every cold start compiles every module it imports again
(about a second for the price table alone).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from chalice.package import YAMLTemplateSerializer

from chalicelib.dashboard import FILES, STATIC_DIR
from infra.stack import build

ROOT = Path(__file__).resolve().parents[1]
GATEWAY_RESPONSES_PATH = ROOT / "infra" / "api-gateway-responses.yaml"
TEMPLATE_NAME = "template.json"
PACKAGE_NAME = "deployment.zip"
DASHBOARD_DIR = "dashboard"
LAMBDA_PYTHON = (3, 11)
"""The runtime of the functions (python3.11): the bytecode must be of the same version."""


def package(stage: str, out: Path) -> Path:
    """Write `out/<stage>/template.json` and its `deployment.zip`; return that folder."""
    target = out / stage
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        _chalice_package(stage, Path(scratch))
        written = (Path(scratch) / "sam.yaml").read_text()  # YAML: the merged file is
        chalice_template = YAMLTemplateSerializer().load_template(written)
        _with_bytecode(Path(scratch) / PACKAGE_NAME, target / PACKAGE_NAME)
    stack = build(chalice_template, stage)
    (target / TEMPLATE_NAME).write_text(json.dumps(stack, indent=2, sort_keys=True) + "\n")
    _dashboard(target / DASHBOARD_DIR)
    return target


def _dashboard(folder: Path) -> None:
    """The dashboard's static files, exactly those the gateway serves (and nothing else)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for name in FILES:
        shutil.copyfile(STATIC_DIR / name, folder / name)


def _with_bytecode(source: Path, target: Path) -> None:
    """Copy the zip `source` to `target` with every module compiled in (when this is the
    functions' Python version; else as it is, saying so)."""
    if sys.version_info[:2] != LAMBDA_PYTHON:
        print(f"note: not Python {LAMBDA_PYTHON}: the package holds no bytecode", file=sys.stderr)
        shutil.copyfile(source, target)
        return
    with tempfile.TemporaryDirectory() as unpacked:
        with zipfile.ZipFile(source) as original:
            infos = original.infolist()
            original.extractall(unpacked)
        compileall.compile_dir(
            unpacked,
            quiet=2,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        modes = {info.filename: info.external_attr for info in infos}
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as packed:
            for path in sorted(Path(unpacked).rglob("*")):
                if path.is_dir():
                    continue
                name = path.relative_to(unpacked).as_posix()
                info = zipfile.ZipInfo(name)  # fixed timestamp: the same code, the same zip
                info.external_attr = modes.get(name, 0o644 << 16)
                info.compress_type = zipfile.ZIP_DEFLATED
                packed.writestr(info, path.read_bytes())


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
