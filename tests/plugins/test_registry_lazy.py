"""Plugins are imported when a run uses them, not all at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_a_mem_only_run_does_not_import_other_providers(tmp_path) -> None:
    (tmp_path / "main.hcl").write_text('resource "mem_object" "a" {\n  name = "a"\n}\n')
    code = textwrap.dedent(f"""
        import sys
        from govctl.cli import main
        rc = main(["plan", "-no-color", "-refresh=false", {str(tmp_path)!r}])
        print("loaded:", sorted(m for m in sys.modules if m.startswith("govctl_aws")))
        sys.exit(rc)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "loaded: []" in done.stdout


def test_iterating_loads_every_provider() -> None:
    from govctl.plugins.registry import LazyInstalled

    lazy = LazyInstalled()
    assert lazy["mem"].meta.name == "mem"
    assert lazy.get("nope") is None
    assert "mem" in set(lazy)
