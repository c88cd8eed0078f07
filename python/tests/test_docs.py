"""The snippet of docs/python.md runs as written."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "python.md"


def test_the_first_run_snippet_of_docs_python_md_runs():
    text = DOC.read_text()
    section = text[text.index("## A first run") :]
    snippet = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, str(DOC), "exec"), {})
    assert "#" in out.getvalue(), "the snippet prints a level"
