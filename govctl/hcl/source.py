"""Source files and lazy ranges.

tree-sitter reports 0-based byte offsets; people want 1-based character
columns. Converting every node eagerly is measurable on large configurations,
so nodes keep byte offsets and convert only when a diagnostic needs a range.
"""

from __future__ import annotations

import bisect

from govctl.diagnostics import SOURCES, Pos, Range


class SourceFile:
    """`prefix` bytes of wrapper (added to parse a lone expression or template)
    are hidden from positions and snippets."""

    __slots__ = ("_line_starts", "_shown", "data", "filename", "prefix", "text")

    def __init__(self, filename: str, data: bytes, prefix: int = 0):
        self.filename = filename
        self.data = data
        self.prefix = prefix
        self._shown = data[prefix:] if prefix else data
        self.text = self._shown.decode("utf-8", errors="replace")
        self._line_starts: list[int] | None = None
        SOURCES.register(filename, self.text)

    def __reduce__(self) -> tuple[object, ...]:
        """Send only the bytes to another process; text and line starts are derived."""
        return (SourceFile, (self.filename, self.data, self.prefix))

    def _starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self._shown.find
            i = find(b"\n")
            while i != -1:
                starts.append(i + 1)
                i = find(b"\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def pos(self, byte: int) -> Pos:
        byte = min(max(byte - self.prefix, 0), len(self._shown))
        starts = self._starts()
        line = bisect.bisect_right(starts, byte) - 1
        col = len(self._shown[starts[line]:byte].decode("utf-8", errors="replace")) + 1
        return Pos(line + 1, col, byte)

    def range(self, start: int, end: int) -> Range:
        return Range(self.filename, self.pos(start), self.pos(end))

    def slice(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8", errors="replace")
