"""Small things a user meets first: --version, plain argparse messages, profile's summary in words."""

from __future__ import annotations

import subprocess
import sys

from support import DEFAULT_INPUT


def _workbench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args], capture_output=True, text=True
    )


def test_version_prints_the_package_version() -> None:
    from workbench import __version__

    ok = _workbench("--version")
    assert ok.returncode == 0 and ok.stdout.strip() == f"workbench {__version__}"


def test_a_bad_number_list_names_the_value_not_an_internal_type() -> None:
    bad = _workbench("bench", "x.edn", "--sizes", "abc")
    assert bad.returncode == 2 and "_ints" not in bad.stderr
    assert "'abc' is not a comma-separated list of whole numbers" in bad.stderr


def test_profile_prints_its_summary_in_words(tmp_path) -> None:
    run = _workbench("profile", str(DEFAULT_INPUT), "--out", str(tmp_path / "p"), "--no-plots")
    assert run.returncode == 0, run.stderr
    line = run.stdout.strip().splitlines()[-1]
    assert "{" not in line and "alerts: " in line
    assert " blocking (NIL_OR_NAN " in line and " informational (" in line
