"""Examples of README.md that tests run as written."""

from __future__ import annotations

import re

from infra.package import ROOT


def export_query() -> str:
    """The SQL of the DuckDB example of the section "Export"."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("\n## Export\n") :]
    example = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert example is not None
    sql = re.search(r'duckdb\.sql\("""(.*?)"""\)', example[1], re.DOTALL)
    assert sql is not None
    return sql[1]
