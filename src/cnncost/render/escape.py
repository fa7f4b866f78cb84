"""Escaping text from spec files for Markdown output (names, titles, sources)."""

from __future__ import annotations

import re

from ..errors import printable

_TAG_START = re.compile(r"<(?=[A-Za-z!/?])")  # where HTML tags and comments begin ("<0.5MB" stays)


def md_cell(text: str) -> str:
    """A Markdown table cell or line that cannot break the table or forge HTML/marker lines:
    pipes, a ``<`` that opens an HTML tag or comment, and line breaks escaped; control
    characters shown as escapes.

    >>> md_cell("a|b<!-- cnncost: x -->\\nc")
    'a\\\\|b&lt;!-- cnncost: x --> c'
    """
    text = _TAG_START.sub("&lt;", text.replace("|", "\\|"))
    return printable(" ".join(text.splitlines()))
