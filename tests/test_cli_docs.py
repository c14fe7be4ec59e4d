"""README's command table and `workbench --help` agree: every command and option, help for each."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

from support import REPO_ROOT

from workbench.cli import build_parser


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _readme_rows() -> dict[str, str]:
    """command name -> the synopsis cell of its row in README's command table."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for synopsis in re.findall(r"^\| `(workbench [^`]+)` \|", section, re.M):
        rows[synopsis.split()[1]] = synopsis
    return rows


def test_every_command_has_a_readme_row_and_no_row_is_stale() -> None:
    assert sorted(_readme_rows()) == sorted(_commands())


def test_every_option_is_in_its_readme_row_and_has_help() -> None:
    rows = _readme_rows()
    problems = []
    for name, parser in _commands().items():
        if not (parser.description or "").strip():
            problems.append(f"{name}: no description")
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            label = max(action.option_strings, key=len) if action.option_strings else action.dest
            if not action.help or action.help == argparse.SUPPRESS:
                problems.append(f"{name} {label}: no help text")
            if action.option_strings and label not in rows.get(name, ""):
                problems.append(f"{name} {label}: missing from README's row")
    assert problems == []


def test_python_dash_m_workbench_is_the_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("usage: workbench")
    assert all(name in out for name in _commands())
