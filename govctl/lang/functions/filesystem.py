"""Filesystem functions: path manipulation, reading files, globbing, templates.

Relative paths resolve against the module directory (ctx.base_dir). Reading
is confined to the configuration directory (ctx.root_dir): a path that
resolves outside it, through ".." or a symbolic link, is refused before
anything about it (even whether it exists) is looked at, unless the run
allows it with ctx.allow_outside_root. Configurations come from other
people; `file("/home/me/.aws/credentials")` should not quietly work.

Path text is handled with Go's rules (filepath.Clean, Dir, Base) because
Terraform's results differ from Python's os.path in corner cases.
"""

from __future__ import annotations

import base64
import os
import posixpath
import re
import stat
from collections.abc import Callable

from govctl.lang import values as V
from govctl.lang.functions.base import CallContext, FunctionError, Param, function
from govctl.lang.functions.encoding import arg_error, call_error, go_quote, redact
from govctl.lang.types import BOOL, DYNAMIC, STRING, MapType, ObjectType, SetType, Type
from govctl.lang.values import SENSITIVE, Value

# --- Go path semantics ------------------------------------------------------


def go_clean(path: str) -> str:
    """filepath.Clean: like normpath, but "//a" is "/a" as on every POSIX path in Go."""
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def go_dir(path: str) -> str:
    return go_clean(path[: path.rfind("/") + 1])


def go_base(path: str) -> str:
    if not path:
        return "."
    path = path.rstrip("/")
    return path[path.rfind("/") + 1:] if path else "/"


def _home() -> str:
    return os.environ.get("HOME") or os.path.expanduser("~")


def expand_home(path: str) -> str:
    """go-homedir's Expand: only a leading "~" or "~/" is expanded."""
    if not path.startswith("~"):
        return path
    if len(path) > 1 and path[1] not in "/\\":
        raise ValueError("cannot expand user-specific home dir")
    return go_clean(_home() + "/" + path[1:])


def _shown(path: str, marks: frozenset[str]) -> str:
    """A path for an unquoted position in a message (Go's own OS errors)."""
    return "(sensitive value)" if SENSITIVE in marks else path


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


class _Paths:
    """Resolves argument paths for one call and enforces the root confinement."""

    def __init__(self, ctx: CallContext):
        self.ctx = ctx
        self.base = os.path.abspath(ctx.base_dir)
        self.root = os.path.realpath(ctx.root_dir)

    def full(self, given: str, expand: bool = True) -> str:
        """The cleaned absolute path, symbolic links not yet followed."""
        try:
            expanded = expand_home(given) if expand else given
        except ValueError as exc:
            raise call_error(f"failed to expand ~: {exc}") from None
        return go_clean(expanded if os.path.isabs(expanded) else
                        os.path.join(self.base, expanded))

    def confine(self, path: str, shown: str, param: str, index: int) -> str:
        """The real path of `path`, or an error if it leaves the configuration."""
        real = os.path.realpath(path)
        if not self.ctx.allow_outside_root and not _is_within(real, self.root):
            raise arg_error(param, index, f"{shown} is outside the configuration directory; "
                            "only files within it can be used")
        return real


def _read_file(ctx: CallContext, given: str, marks: frozenset[str]) -> bytes:
    paths = _Paths(ctx)
    real = paths.confine(paths.full(given), redact(given, marks), "path", 0)
    try:
        with open(real, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise arg_error("path", 0, f"no file exists at {redact(given, marks)}; this function "
                        "works only with files that are distributed as part of the "
                        "configuration source code, so if this file will be created by a "
                        "resource in this configuration you must instead obtain this result "
                        "from an attribute of that resource") from None
    except IsADirectoryError:
        raise arg_error("path", 0, f"failed to read file: read {_shown(go_clean(given), marks)}: "
                        "is a directory") from None
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise arg_error("path", 0, f"open {_shown(go_clean(given), marks)}: {reason}") from None


def _read_text(ctx: CallContext, given: str, marks: frozenset[str]) -> str:
    try:
        return _read_file(ctx, given, marks).decode("utf-8")
    except UnicodeDecodeError:
        raise call_error(f"contents of {redact(given, marks)} are not valid UTF-8; use the "
                         "filebase64 function to obtain the Base64 encoded contents or the other "
                         "file functions (e.g. filemd5, filesha256) to obtain file hashing "
                         "results instead") from None


# Path arguments keep their marks and unknowns so that errors can redact a
# sensitive path and an unknown one still carries its sensitivity.
_PATH = Param("path", STRING, allow_marked=True, allow_unknown=True)


def _file_function(name: str, returns: Type, read: Callable[[CallContext, str,
                                                                frozenset[str]], Value]) -> None:
    def impl(args: list[Value], ctx: CallContext) -> Value:
        path, marks = args[0].unmark_deep()
        if path.unknown:
            return V.unknown(returns).mark(marks)
        return read(ctx, path.v, marks).mark(marks)

    function(name, params=[_PATH], returns=returns)(impl)


_file_function("file", STRING, lambda ctx, p, m: V.string(_read_text(ctx, p, m)))
_file_function("filebase64", STRING,
               lambda ctx, p, m: V.string(base64.b64encode(_read_file(ctx, p, m)).decode()))


def _file_exists(ctx: CallContext, given: str, marks: frozenset[str]) -> Value:
    paths = _Paths(ctx)
    try:
        q = redact(go_clean(expand_home(given)), marks)  # Terraform names the cleaned path
    except ValueError:
        q = redact(given, marks)
    real = paths.confine(paths.full(given), q, "path", 0)
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return V.FALSE
    except OSError:
        raise call_error(f"failed to stat {q}") from None
    if stat.S_ISREG(mode):
        return V.TRUE
    if stat.S_ISDIR(mode):
        raise call_error(f"{q} is a directory, not a file")
    kinds = ((stat.S_ISCHR, "a device node"), (stat.S_ISBLK, "a device node"),
             (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a unix domain socket"))
    kind = next((k for test, k in kinds if test(mode)), None)
    raise call_error(f"{q} is {kind}, not a regular file" if kind else
                     f"{q} is not a regular file")


_file_function("fileexists", BOOL, _file_exists)


@function("abspath", params=[Param("path", STRING)], returns=STRING)
def _abspath(args: list[Value], ctx: CallContext) -> Value:
    """Relative to the module directory, like every other path here; links are not followed."""
    path = args[0].v
    return V.string(go_clean(path if os.path.isabs(path) else
                             os.path.join(os.path.abspath(ctx.base_dir), path)))


@function("dirname", params=[Param("path", STRING)], returns=STRING)
def _dirname(args: list[Value], ctx: CallContext) -> Value:
    return V.string(go_dir(args[0].v))


@function("basename", params=[Param("path", STRING)], returns=STRING)
def _basename(args: list[Value], ctx: CallContext) -> Value:
    return V.string(go_base(args[0].v))


@function("pathexpand", params=[Param("path", STRING)], returns=STRING)
def _pathexpand(args: list[Value], ctx: CallContext) -> Value:
    try:
        return V.string(expand_home(args[0].v))
    except ValueError as exc:
        raise call_error(str(exc)) from None


# --- fileset ----------------------------------------------------------------

class _BadPattern(Exception):
    pass


_META = re.compile(r"[*?\[{\\]")


def _translate(component: str) -> re.Pattern[str]:
    """One path component of a doublestar (v1) pattern as a regular expression.

    `*` and `?` stay within a component, `[...]` negates only with `^`,
    `{a,b}` alternates, and a backslash escapes; `**` inside a longer
    component is just `*`.
    """
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(component):
        c = component[i]
        if c == "\\":
            if i + 1 >= len(component):
                raise _BadPattern
            out.append(re.escape(component[i + 1]))
            i += 2
            continue
        if c == "[":
            cls, i = _translate_class(component, i + 1)
            out.append(cls)
            continue
        if c == "*":
            out.append("[^/]*")
            while component[i + 1:i + 2] == "*":
                i += 1
        elif c == "?":
            out.append("[^/]")
        elif c == "{":
            depth += 1
            out.append("(?:")
        elif c == "," and depth:
            out.append("|")
        elif c == "}" and depth:
            depth -= 1
            out.append(")")
        else:
            out.append(re.escape(c))
        i += 1
    if depth:
        raise _BadPattern
    return re.compile("".join(out), re.DOTALL)


def _translate_class(component: str, i: int) -> tuple[str, int]:
    negate = component[i:i + 1] == "^"
    i += negate
    items: list[str] = []

    def char() -> str:
        nonlocal i
        if i >= len(component):
            raise _BadPattern
        if component[i] == "\\":
            i += 1
            if i >= len(component):
                raise _BadPattern
        i += 1
        return component[i - 1]

    while True:
        if i >= len(component):
            raise _BadPattern
        if component[i] == "]":
            if not items:
                if not negate:
                    raise _BadPattern
                return "(?!)", i + 1  # "[^]" is accepted and matches nothing
            return "[" + ("^" if negate else "") + "".join(items) + "]", i + 1
        lo = char()
        if component[i:i + 1] == "-":
            i += 1
            if component[i:i + 1] in ("", "]"):
                raise _BadPattern
            items.append(f"{re.escape(lo)}-{re.escape(char())}")
        else:
            items.append(re.escape(lo))


def _glob(pattern: str, enter: Callable[[str], None]) -> list[str]:
    """Paths matching an absolute, cleaned pattern; `enter` vets each directory walked."""
    parts = pattern.split("/")[1:]
    compiled: list[str | re.Pattern[str]] = [
        p if p == "**" or not _META.search(p) else _translate(p) for p in parts]
    lead = 0
    while lead < len(parts) and isinstance(compiled[lead], str) and parts[lead] != "**":
        lead += 1
    start = "/" + "/".join(parts[:lead])
    found: set[str] = set()

    def walk(path: str, idx: int, chain: frozenset[str]) -> None:
        if idx == len(compiled):
            found.add(path)
            return
        if not os.path.isdir(path):
            return
        enter(path)
        comp = compiled[idx]
        if isinstance(comp, str) and comp != "**":
            child = os.path.join(path, comp)
            if idx + 1 == len(compiled):
                if os.path.lexists(child):
                    found.add(child)
            else:
                walk(child, idx + 1, chain)
            return
        try:
            names = sorted(os.listdir(path))
        except OSError:
            return
        if comp == "**":  # zero or more directories, following links but not loops
            walk(path, idx + 1, chain)
            for name in names:
                child = os.path.join(path, name)
                real = os.path.realpath(child)
                if os.path.isdir(child):
                    if real not in chain:
                        walk(child, idx, chain | {real})
                elif idx + 1 == len(compiled):  # a final "**" also matches the files
                    found.add(child)
            return
        assert isinstance(comp, re.Pattern)
        for name in names:
            if comp.fullmatch(name):
                walk(os.path.join(path, name), idx + 1, chain)

    if lead == len(parts):
        enter(os.path.dirname(start) or "/")
        return [start] if os.path.lexists(start) else []
    walk(start, lead, frozenset({os.path.realpath(start)}))
    return sorted(found)


@function("fileset", params=[Param("path", STRING, allow_marked=True, allow_unknown=True),
                             Param("pattern", STRING, allow_marked=True, allow_unknown=True)],
          returns=SetType(STRING))
def _fileset(args: list[Value], ctx: CallContext) -> Value:
    """Regular files under `path` matching `pattern`, relative to `path`, with "/"."""
    (path, path_marks), (pattern, pattern_marks) = (a.unmark_deep() for a in args)
    marks = path_marks | pattern_marks
    if path.unknown or pattern.unknown:
        return V.unknown(SetType(STRING)).mark(marks)
    paths = _Paths(ctx)
    base = paths.full(path.v, expand=False)  # unlike file(), fileset does not expand "~"
    paths.confine(base, redact(path.v, path_marks), "path", 0)
    shown_pattern = redact(go_clean(os.path.join(path.v, pattern.v)), marks)

    def enter(directory: str) -> None:
        shown = redact(os.path.relpath(directory, base), marks)
        paths.confine(directory, f"directory {shown}", "pattern", 1)

    try:
        matches = _glob(go_clean(base + "/" + pattern.v), enter)
    except _BadPattern:
        raise call_error(f"failed to glob pattern {shown_pattern}: syntax error in pattern") \
            from None
    files = []
    for match in matches:
        rel = os.path.relpath(match, base)
        paths.confine(match, redact(rel, marks), "pattern", 1)
        try:
            mode = os.stat(match).st_mode
        except OSError as exc:
            raise call_error(f"failed to stat {redact(rel, marks)}: "
                             f"{(exc.strerror or str(exc)).lower()}") from None
        if stat.S_ISREG(mode):
            files.append(V.string(rel))
    return V.set_(files, STRING).mark(marks)


# --- templatefile -----------------------------------------------------------

def _valid_identifier(name: str) -> bool:
    """HCL's identifier rule: a letter or "_", then letters, digits, "_" or "-"."""
    return bool(name) and (name[0] == "_" or name[0].isidentifier()) and \
        all(c == "-" or ("a" + c).isidentifier() for c in name[1:])


@function("templatefile", params=[_PATH, Param("vars", DYNAMIC, allow_unknown=True,
                                               allow_dynamic=True)])
def _templatefile(args: list[Value], ctx: CallContext) -> Value:
    """Render a template file with exactly the given variables.

    The template sees nothing but `vars`, so every dependency of the result
    is visible at the call site; rendering itself belongs to the evaluator,
    which provides ctx.render_template.
    """
    (path, marks), variables = args[0].unmark_deep(), args[1]
    if path.unknown or variables.unknown:
        return V.unknown(DYNAMIC).mark(marks)
    text = _read_text(ctx, path.v, marks)
    if not isinstance(variables.type, MapType | ObjectType):
        raise arg_error("vars", 1, "invalid vars value: must be a map")
    for name in variables.v:
        if not _valid_identifier(name):
            raise arg_error("vars", 1, f"invalid template variable name {go_quote(name)}: must "
                            "start with a letter, followed by zero or more letters, digits, and "
                            "underscores")
    if ctx.render_template is None:
        raise FunctionError("templatefile is not available here")
    return ctx.render_template(text, path.v, dict(variables.items())).mark(marks)
