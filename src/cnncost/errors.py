"""The one error type for user mistakes, with an optional source location and layer path."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A place in a spec file: 1-based line and column."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file


class CnnCostError(Exception):
    """A user error: bad spec, bad option, unknown model. Printed as one line, exit code 2."""

    def __init__(self, message: str, loc: Loc | None = None, layer: str | None = None):
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.layer = layer

    def with_context(self, loc: Loc | None = None, layer: str | None = None) -> CnnCostError:
        """Fill in location and layer where they are still unknown."""
        if self.loc is None and loc is not None:
            self.loc = loc
        if self.layer is None and layer:
            self.layer = layer
        return self

    def __str__(self) -> str:
        text = self.message
        if self.loc is not None:
            text = f"{self.loc}: {text}"
        if self.layer:
            text = f"{text} (in layer {self.layer})"
        return text


def printable(text: str) -> str:
    """``text`` with control and format characters (NUL, ESC, newlines, bidi marks) escaped, so
    names and paths from files cannot drive the terminal or forge output lines."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else
                   (f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}") for c in text)


def control_chars(text: str) -> bool:
    """Whether ``text`` holds a control or format character (refused in names)."""
    if text.isprintable():  # none of Cc, Cf, Zl, Zp is printable: the common case, in C
        return False
    return any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in text)


def suggest(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """Return ' (did you mean X?)' for the closest choice, or ''."""
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
