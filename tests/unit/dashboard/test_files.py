"""chalicelib/dashboard/files.py: only allow-listed files, with their types, the security
headers and ETags; the modules use no innerHTML and list the API's filter keys."""

from __future__ import annotations

import re

import pytest

from chalicelib.dashboard import ENTRY, FILES, STATIC_DIR, entry_redirect, static_file
from chalicelib.dashboard.files import CONTENT_SECURITY_POLICY
from chalicelib.errors import NotFound
from chalicelib.logstore.filters import KEYS


def test_the_allow_list_is_exactly_the_static_folder() -> None:
    assert sorted(FILES) == sorted(path.name for path in STATIC_DIR.iterdir())


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        (ENTRY, "text/html; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
        ("uPlot.LICENSE.txt", "text/plain; charset=utf-8"),
    ],
)
def test_files_have_their_content_type_and_security_headers(name: str, content_type: str) -> None:
    answer = static_file(name)
    assert answer.status == 200
    assert answer.body == (STATIC_DIR / name).read_text()
    assert answer.headers["Content-Type"] == content_type
    assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-cache"


def test_the_policy_allows_no_inline_script_or_other_origin() -> None:
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    "name",
    [
        "",
        "..",
        "../app.py",
        "..%2Fapp.py",
        "files.py",
        "__init__.py",
        "INDEX.HTML",
        "app.js/",
        " app.js",
    ],
)
def test_any_other_name_is_not_found(name: str) -> None:
    with pytest.raises(NotFound):
        static_file(name)


def test_a_matching_etag_is_a_304_and_another_is_the_file() -> None:
    etag = static_file("app.js").headers["ETag"]
    assert static_file("app.js", etag).status == 304
    assert static_file("app.js", f'W/{etag}, "other"').status == 304
    assert static_file("app.js", '"other"').status == 200
    assert static_file("style.css").headers["ETag"] != etag


def test_the_entry_redirect_is_relative() -> None:
    answer = entry_redirect()
    assert answer.status == 302
    assert answer.headers["Location"] == "dashboard/index.html"


def test_the_page_loads_scripts_and_styles_from_files_only() -> None:
    page = (STATIC_DIR / ENTRY).read_text()
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []  # no inline script
    assert "<style" not in page and " style=" not in page
    assert set(re.findall(r'(?:src|href)="([^"#]+)"', page)) <= set(FILES)


def test_modules_never_write_html() -> None:
    """API data reaches the page as text nodes only (dom.js); no module writes markup."""
    for name in FILES:
        if name.endswith(".js") and not name.startswith("uPlot"):
            source = (STATIC_DIR / name).read_text()
            assert not re.search(
                r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", source
            ), name


def test_every_module_imported_is_served() -> None:
    for name in FILES:
        if name.endswith(".js"):
            for imported in re.findall(r'from "\./([^"]+)"', (STATIC_DIR / name).read_text()):
                assert imported in FILES, (name, imported)


def test_the_filter_builder_knows_every_filter_key_of_the_api() -> None:
    source = (STATIC_DIR / "log_filters.js").read_text()
    block = source.split("export const KEYS = {", 1)[1].split("};", 1)[0]
    keys = dict(re.findall(r'"?([\w.]+)"?: "(\w+)"', block))
    assert keys == KEYS
