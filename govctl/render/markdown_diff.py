"""Terraform-style plan lines turned into text GitHub can show safely: a
```diff block whose first column is the marker GitHub colours (`+` green,
`-` red, `!` orange), and filters that keep user-controlled values (addresses,
policy messages) from breaking out of a fence, a code span or an HTML tag."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

# CSI sequences (colours, cursor moves) and the two-character escapes
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# a plan line's marker, moved to the first column where diff markers live
_MARK = re.compile(r"^(\s*)(-/\+|\+/-|<=|[-+~])(?= |$)")
_TICKS = re.compile(r"`+")


def plain(text: str) -> str:
    """Without ANSI escapes or control characters: a value holding them must not
    colour or garble the comment (and GitHub shows them as junk)."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def diff_lines(lines: Iterable[str]) -> list[str]:
    """Plan lines (`  + a = 1`, `  ~ a = 1 -> 2`, `-/+ resource ...`) as diff lines.

    The marker moves to column 0 and its place is kept as spaces, so that the
    indentation still shows nesting. `~` becomes `!` (GitHub's "changed"); a
    policy statement changed in place (`~ statement OLD` then `-> NEW`) becomes
    a `-` and a `+` line, so each statement reads as removed and added; `-/+`
    stays as it is (a replacement is first a destroy: red); `<=` (a read) and
    lines without a marker are context (a leading space)."""
    src = [plain(t) for t in lines]
    out: list[str] = []
    i = 0
    while i < len(src):
        text = src[i]
        m = _MARK.match(text)
        nxt = src[i + 1] if i + 1 < len(src) else ""
        if m and m.group(2) == "~" and text[m.end():].startswith(" statement ") and \
                nxt.lstrip().startswith("-> "):
            pad = m.group(1)
            out.append("-" + pad + text[m.end():])
            out.append("+" + pad + " statement " + nxt.lstrip()[3:])
            i += 2
            continue
        if m is None or m.group(2) == "<=":
            out.append(" " + text)
        elif m.group(2) in ("-/+", "+/-"):
            out.append(text[len(m.group(1)):])
        else:
            marker = "!" if m.group(2) == "~" else m.group(2)
            out.append(marker + m.group(1) + text[m.end():])
        i += 1
    return out


def fence_for(text: str, char: str = "`") -> str:
    """A fence longer than any run of backticks in the text (at least three)."""
    longest = max((len(t) for t in _TICKS.findall(text)), default=0)
    return char * max(3, longest + 1)


def diff_block(text: str) -> str:
    """Text as a ```diff fenced block that nothing inside can close early."""
    fence = fence_for(text)
    return f"{fence}diff\n{text}\n{fence}"


def code(value: object) -> str:
    """Inline code for one line of text, with a fence longer than any backtick
    run inside (so an address holding backticks cannot end the span)."""
    s = plain(str(value)).replace("\n", " ")
    longest = max((len(t) for t in _TICKS.findall(s)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{ticks}{pad}{s}{pad}{ticks}"


def html_text(value: object) -> str:
    """Escaped for HTML (`<`, `>`, `&`, quotes), on one line: for values placed
    inside `<summary>` or other tags, where Markdown escaping does not apply."""
    return html.escape(plain(str(value)).replace("\n", " "), quote=True)


def text(value: object) -> str:
    """A free-form value (a policy message, an override reason) in running
    Markdown: one line, HTML escaped, Markdown's emphasis and link characters
    neutralised, so a message cannot inject markup, mentions or links."""
    s = html.escape(plain(str(value)).replace("\n", " "), quote=False)
    s = re.sub(r"([\\`*_\[\]|#~])", r"\\\1", s)
    return s.replace("@", "@\u200b")
