"""Filesystem built-ins: Terraform 1.11 behaviour plus confinement to the configuration.

Messages and results were checked against `terraform console` 1.11 with the
same files; the refusals of paths outside the configuration are govctl's own.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest

from govctl.lang import values as V
from govctl.lang.functions import CallContext, FunctionError, load_all
from govctl.lang.types import BOOL, DYNAMIC, STRING, SetType
from govctl.lang.values import SENSITIVE, Value

FUNCTIONS = load_all()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A configuration at tmp_path/config and a secret next to it, outside."""
    root = tmp_path / "config"
    files = {"a.txt": "hi", "b.md": "", "x/c.txt": "c", "x/y/d.txt": "d", ".h/e.txt": "e",
             ".f": "", "z/ab.txt": "", "mod/main.tmpl": "Hello, ${name}!"}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "bad.bin").write_bytes(b"\xff")
    (root / "z" / "lx").symlink_to("../x")
    (tmp_path / "secret.txt").write_text("s3cret")
    return root


def ctx_for(root: Path, **kw: object) -> CallContext:
    return CallContext(base_dir=kw.pop("base_dir", root), root_dir=root,  # type: ignore[arg-type]
                       **kw)  # type: ignore[arg-type]


def call(ctx: CallContext, name: str, *args: object) -> Value:
    vals = [a if isinstance(a, Value) else V.from_python(a) for a in args]
    return FUNCTIONS[name].call(vals, ctx)


def fails(ctx: CallContext, name: str, *args: object, match: str) -> FunctionError:
    with pytest.raises(FunctionError, match=re.escape(match)) as info:
        call(ctx, name, *args)
    return info.value


# --- path text -----------------------------------------------------------------

@pytest.mark.parametrize(("path", "dirname", "basename"), [
    ("", ".", "."),
    ("a", ".", "a"),
    ("a/b/", "a/b", "b"),
    ("/", "/", "/"),
    ("//", "/", "/"),
    ("a//b", "a", "b"),
    ("/a", "/", "a"),
    ("../a", "..", "a"),
    ("a/..", "a", ".."),
])
def test_dirname_and_basename(path: str, dirname: str, basename: str) -> None:
    ctx = CallContext()
    assert call(ctx, "dirname", path) == V.string(dirname)
    assert call(ctx, "basename", path) == V.string(basename)


def test_abspath_resolves_against_the_module_directory(tree: Path) -> None:
    ctx = ctx_for(tree, base_dir=tree / "mod")
    assert call(ctx, "abspath", "a/../b/") == V.string(str(tree / "mod" / "b"))
    assert call(ctx, "abspath", "//x/../y") == V.string("/y")
    assert call(ctx, "abspath", "") == V.string(str(tree / "mod"))


def test_pathexpand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/me")
    ctx = CallContext()
    assert call(ctx, "pathexpand", "~/x/../y") == V.string("/home/me/y")
    assert call(ctx, "pathexpand", "~") == V.string("/home/me")
    assert call(ctx, "pathexpand", "x~") == V.string("x~")
    err = fails(ctx, "pathexpand", "~bob/x", match="cannot expand user-specific home dir.")
    assert err.arg is None


# --- reading files -------------------------------------------------------------

def test_file_and_filebase64(tree: Path) -> None:
    ctx = ctx_for(tree)
    result = call(ctx, "file", "a.txt")
    assert result == V.string("hi") and result.type is STRING
    assert call(ctx, "file", "./x/../a.txt") == V.string("hi")
    assert call(ctx, "file", str(tree / "x" / "c.txt")) == V.string("c")
    assert call(ctx, "filebase64", "bad.bin") == V.string(base64.b64encode(b"\xff").decode())


def test_relative_paths_resolve_against_base_dir(tree: Path) -> None:
    ctx = ctx_for(tree, base_dir=tree / "x")
    assert call(ctx, "file", "c.txt") == V.string("c")
    assert call(ctx, "file", "../a.txt") == V.string("hi")


def test_file_errors(tree: Path) -> None:
    ctx = ctx_for(tree)
    err = fails(ctx, "file", "nope.txt", match='Invalid value for "path" parameter: no file '
                'exists at "nope.txt"; this function works only with files that are distributed '
                "as part of the configuration source code")
    assert err.arg == 0
    err = fails(ctx, "file", "bad.bin", match='contents of "bad.bin" are not valid UTF-8; use the '
                "filebase64 function to obtain the Base64 encoded contents")
    assert err.arg is None
    fails(ctx, "file", "x", match="failed to read file: read x: is a directory.")
    fails(ctx, "filebase64", "nope", match='no file exists at "nope"')


def test_errors_redact_a_sensitive_path(tree: Path) -> None:
    ctx = ctx_for(tree)
    err = fails(ctx, "file", V.string("nope.txt").mark({SENSITIVE}),
                match="no file exists at (sensitive value);")
    assert "nope.txt" not in err.message
    fails(ctx, "fileexists", V.string("x").mark({SENSITIVE}),
          match="(sensitive value) is a directory, not a file.")


def test_fileexists(tree: Path) -> None:
    ctx = ctx_for(tree)
    assert call(ctx, "fileexists", "a.txt") == V.TRUE
    result = call(ctx, "fileexists", "nope")
    assert result == V.FALSE and result.type is BOOL
    err = fails(ctx, "fileexists", "x/", match='"x" is a directory, not a file.')
    assert err.arg is None
    fails(ctx, "fileexists", "", match='"." is a directory, not a file.')


# --- confinement to the configuration directory --------------------------------

@pytest.mark.parametrize("name", ["file", "filebase64", "fileexists"])
def test_paths_outside_the_configuration_are_refused(tree: Path, name: str) -> None:
    ctx = ctx_for(tree)
    for path in ("../secret.txt", str(tree.parent / "secret.txt"), "../nope.txt", "/etc/passwd"):
        err = fails(ctx, name, path, match="is outside the configuration directory")
        assert err.arg == 0 and "s3cret" not in err.message


def test_symlinks_cannot_escape_the_configuration(tree: Path) -> None:
    (tree / "leak.txt").symlink_to(tree.parent / "secret.txt")
    (tree / "outside").symlink_to(tree.parent)
    ctx = ctx_for(tree)
    fails(ctx, "file", "leak.txt", match='"leak.txt" is outside the configuration directory')
    fails(ctx, "file", "outside/secret.txt", match="outside the configuration directory")
    fails(ctx, "fileexists", "outside/nope", match="outside the configuration directory")
    fails(ctx, "fileset", ".", "*.txt", match='"leak.txt" is outside the configuration')
    fails(ctx, "fileset", "outside", "*", match="outside the configuration directory")
    fails(ctx, "fileset", ".", "**", match="outside the configuration directory")
    # Links that stay inside are followed as usual.
    assert call(ctx, "file", "z/lx/c.txt") == V.string("c")


def test_a_symlinked_configuration_root_is_resolved(tree: Path) -> None:
    alias = tree.parent / "alias"
    alias.symlink_to(tree)
    ctx = ctx_for(alias)
    assert call(ctx, "file", "a.txt") == V.string("hi")
    fails(ctx, "file", "../secret.txt", match="outside the configuration directory")


def test_allow_outside_root_lifts_the_confinement(tree: Path) -> None:
    ctx = ctx_for(tree, allow_outside_root=True)
    assert call(ctx, "file", "../secret.txt") == V.string("s3cret")
    assert call(ctx, "fileexists", "../secret.txt") == V.TRUE


# --- fileset -------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "expected"), [
    ("**", [".f", ".h/e.txt", "a.txt", "b.md", "bad.bin", "mod/main.tmpl", "x/c.txt",
            "x/y/d.txt", "z/ab.txt", "z/lx/c.txt", "z/lx/y/d.txt"]),
    ("**/*.txt", [".h/e.txt", "a.txt", "x/c.txt", "x/y/d.txt", "z/ab.txt", "z/lx/c.txt",
                  "z/lx/y/d.txt"]),
    ("x/**/d.txt", ["x/y/d.txt"]),
    ("*", [".f", "a.txt", "b.md", "bad.bin"]),
    ("{a,b}.*", ["a.txt", "b.md"]),
    ("[ab].*", ["a.txt", "b.md"]),
    ("[^a].*", ["b.md"]),
    ("[!a].*", ["a.txt"]),               # doublestar negates only with "^"
    ("?.txt", ["a.txt"]),
    ("a**.txt", ["a.txt"]),
    ("\\a.txt", ["a.txt"]),
    ("x/*/", ["x/c.txt"]),
    ("../config/x/*", ["x/c.txt"]),
    ("z/lx/*", ["z/lx/c.txt"]),
    ("nope/*", []),
])
def test_fileset(tree: Path, pattern: str, expected: list[str]) -> None:
    result = call(ctx_for(tree), "fileset", ".", pattern)
    assert result.type == SetType(STRING)
    assert result.to_python() == expected


def test_fileset_paths_are_relative_to_the_given_directory(tree: Path) -> None:
    ctx = ctx_for(tree)
    assert call(ctx, "fileset", "x", "*").to_python() == ["c.txt"]
    assert call(ctx, "fileset", "x", "../*.md").to_python() == ["../b.md"]
    assert call(ctx, "fileset", "missing", "*").to_python() == []


@pytest.mark.parametrize("pattern", ["[", "{a", "[]a]*", "[a-]*", "{x/c,a}.txt", "\\"])
def test_fileset_rejects_bad_patterns(tree: Path, pattern: str) -> None:
    err = fails(ctx_for(tree), "fileset", "d", pattern,
                match=f'failed to glob pattern "d/{pattern.replace(chr(92), chr(92) * 2)}": '
                      "syntax error in pattern.")
    assert err.arg is None


# --- templatefile ----------------------------------------------------------------

def test_templatefile_hands_the_file_and_vars_to_the_renderer(tree: Path) -> None:
    seen: list[tuple[str, str, dict[str, Value]]] = []

    def render(text: str, filename: str, names: dict[str, Value]) -> Value:
        seen.append((text, filename, names))
        return V.string(text.replace("${name}", names["name"].v))

    ctx = ctx_for(tree, render_template=render)
    assert call(ctx, "templatefile", "mod/main.tmpl", {"name": "world"}) == \
        V.string("Hello, world!")
    assert seen == [("Hello, ${name}!", "mod/main.tmpl", {"name": V.string("world")})]
    marked = call(ctx, "templatefile", V.string("mod/main.tmpl").mark({SENSITIVE}),
                  {"name": V.string("x")})
    assert marked.sensitive
    secret_var = call(ctx, "templatefile", "mod/main.tmpl",
                      {"name": V.string("x").mark({SENSITIVE})})
    assert secret_var.sensitive and secret_var.v == "Hello, x!"


def test_templatefile_errors(tree: Path) -> None:
    ctx = ctx_for(tree, render_template=lambda t, f, n: V.string(t))
    err = fails(ctx, "templatefile", "mod/main.tmpl", [],
                match='Invalid value for "vars" parameter: invalid vars value: must be a map.')
    assert err.arg == 1
    fails(ctx, "templatefile", "mod/main.tmpl", {"1a": 1},
          match='invalid template variable name "1a": must start with a letter')
    assert call(ctx, "templatefile", "mod/main.tmpl", {"a-b": 1, "_c": 2}).is_known
    fails(ctx, "templatefile", "nope.tmpl", {}, match='no file exists at "nope.tmpl"')
    fails(ctx, "templatefile", "../secret.txt", {}, match="outside the configuration directory")
    fails(ctx_for(tree), "templatefile", "mod/main.tmpl", {},
          match="templatefile is not available here")


# --- sensitivity and unknowns --------------------------------------------------

@pytest.mark.parametrize(("name", "args"), [
    ("file", ["a.txt"]), ("filebase64", ["a.txt"]), ("fileexists", ["a.txt"]),
    ("fileset", [".", "*.md"]), ("abspath", ["a"]), ("dirname", ["a/b"]),
    ("basename", ["a/b"]), ("templatefile", ["mod/main.tmpl", {"name": "x"}]),
])
def test_sensitive_in_sensitive_out_and_unknown_in_unknown_out(tree: Path, name: str,
                                                               args: list[object]) -> None:
    ctx = ctx_for(tree, render_template=lambda t, f, n: V.string(t))
    plain = [V.from_python(a) for a in args]
    first_secret = [plain[0].mark({SENSITIVE}), *plain[1:]]
    assert call(ctx, name, *first_secret).sensitive
    unknown = call(ctx, name, V.unknown(STRING).mark({SENSITIVE}), *plain[1:])
    assert unknown.unknown and unknown.sensitive
    if len(plain) > 1:
        later = call(ctx, name, plain[0], V.unknown(DYNAMIC if name == "templatefile"
                                                    else STRING))
        assert later.unknown


def test_homedir_expansion_in_file_paths(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tree))
    assert call(ctx_for(tree), "file", "~/a.txt") == V.string("hi")
    fails(ctx_for(tree), "file", "~other/a.txt", match="failed to expand ~: cannot expand "
                                                      "user-specific home dir.")


def test_paths_keep_working_after_chdir(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree.parent)
    assert os.getcwd() != str(tree)
    assert call(ctx_for(tree), "file", "a.txt") == V.string("hi")
