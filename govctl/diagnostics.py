"""Diagnostics: the one way every user-caused error leaves govctl.

A run collects many of them instead of stopping at the first, so each carries
its own source range and renders itself with the offending line and a caret.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Pos:
    """A position: 1-based line and column (in characters), 0-based byte offset."""

    line: int
    column: int
    byte: int


@dataclass(frozen=True, slots=True)
class Range:
    filename: str
    start: Pos
    end: Pos

    def __str__(self) -> str:
        return f"{self.filename}:{self.start.line}:{self.start.column}"

    def to_json(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "start": {"line": self.start.line, "column": self.start.column,
                      "byte": self.start.byte},
            "end": {"line": self.end.line, "column": self.end.column, "byte": self.end.byte},
        }


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    summary: str
    detail: str = ""
    range: Range | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"severity": str(self.severity), "summary": self.summary,
                                  "detail": self.detail}
        if self.range is not None:
            out["range"] = self.range.to_json()
            snippet = SOURCES.line(self.range.filename, self.range.start.line)
            if snippet is not None:
                out["snippet"] = {"context": None, "code": snippet,
                                  "start_line": self.range.start.line}
        return out

    def render(self) -> str:
        """Terraform-like plain text: summary, location, source line, caret."""
        head = f"{self.severity.capitalize()}: {self.summary}"
        lines = [head]
        if self.range is not None:
            r = self.range
            lines.append(f"  on {r.filename} line {r.start.line}, column {r.start.column}:")
            src = SOURCES.line(r.filename, r.start.line)
            if src is not None:
                prefix = f"{r.start.line:>4} | "
                lines.append(prefix + src)
                width = 1
                if r.end.line == r.start.line and r.end.column > r.start.column:
                    width = r.end.column - r.start.column
                lines.append(" " * (len(prefix) + r.start.column - 1) + "^" * width)
        if self.detail:
            lines.append("")
            lines.extend("  " + d for d in self.detail.splitlines())
        return "\n".join(lines)


def error(summary: str, detail: str = "", rng: Range | None = None) -> Diagnostic:
    return Diagnostic(Severity.ERROR, summary, detail, rng)


def warning(summary: str, detail: str = "", rng: Range | None = None) -> Diagnostic:
    return Diagnostic(Severity.WARNING, summary, detail, rng)


@dataclass
class Diagnostics:
    """An ordered collection; `has_errors` decides exit codes."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diag: Diagnostic) -> None:
        self.items.append(diag)

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        self.items.extend(diags)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


class DiagnosticError(Exception):
    """Raised where carrying on makes no sense; holds every diagnostic found so far."""

    def __init__(self, diags: Iterable[Diagnostic]):
        self.diagnostics = list(diags)
        super().__init__("; ".join(d.summary for d in self.diagnostics))


class _SourceCache:
    """Source text by filename, so any diagnostic can show its line later."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._lines: dict[str, list[str]] = {}

    def register(self, filename: str, text: str) -> None:
        self._texts[filename] = text
        self._lines.pop(filename, None)

    def line(self, filename: str, line: int) -> str | None:
        if filename not in self._texts:
            return None
        lines = self._lines.get(filename)
        if lines is None:
            lines = self._texts[filename].splitlines()
            self._lines[filename] = lines
        if 1 <= line <= len(lines):
            return lines[line - 1]
        return None


SOURCES = _SourceCache()
