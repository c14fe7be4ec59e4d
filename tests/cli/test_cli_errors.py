"""The CLI error contract, table-driven: every command on every bad path or odd file.

Each row runs `workbench.cli.main(argv)` in-process and asserts: no traceback, one error line
`workbench <cmd>: error: <path>: ...` naming the path (or, for inspect's damage listing, lines that
name it), and the exit status. Root ignores file permissions; as root the unreadable-file and
read-only-folder rows make the one place that opens the input / probes the folder
(`options._open_for_read`, `options._probe_write`) raise the PermissionError the OS would raise
for another user; as non-root the chmod alone produces it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.cli import options as cli_options

CLEAN = "{:a 1 :b {:c 2}}"
INPUT_CASES = {
    "missing": None,
    "directory": "DIR",
    "unreadable": CLEAN,
    "invalid-utf8": b"\xff\xfe{:a 1}",
    "binary-junk": bytes(range(256)) * 2,
    "vector": "[1 2 3]",
    "empty": b"",
}
# exit status per (command, case); inspect lists damage (exit 1), others refuse: nothing to do (2)
INSPECT_STATUS = {"invalid-utf8": 1, "binary-junk": 1, "vector": 1, "empty": 1}


def _argv(row: str, path: Path, out: Path) -> list[str]:
    clean = out.parent / "clean-data.edn"  # --data of the rows whose bad path is a schema file
    return {
        "inspect": ["inspect", str(path)],
        "profile": ["profile", str(path), "--out", str(out), "--no-plots"],
        "schema": ["schema", str(path), "--out", str(out / "schema.edn")],
        "bench": ["bench", str(path), "--quick", "--out", str(out)],
        "rehearse": ["rehearse", str(path), "--quick", "--out", str(out)],
        "report": ["report", str(path), "--quick", "--out", str(out)],
        "evolve": ["evolve", "--data", str(path), "--out", str(out)],
        "evolve OLD_SCHEMA": ["evolve", str(path), "plan", "--data", str(clean), "--out", str(out)],
        "evolve NEW_SCHEMA": ["evolve", "plan", str(path), "--data", str(clean), "--out", str(out)],
        "bench-backup": ["bench-backup", str(path), "--quick", "--out", str(out)],
        "bench-queries": [
            "bench-queries",
            str(path),
            "--quick",
            "--no-datalevin",
            "--out",
            str(out),
        ],
        # the benchmark suites' path options (PATH_OPTIONS), at their defaults otherwise: a
        # bad path must fail before the suite starts (the suite's run_cli is replaced below)
        "bench-memory": ["bench-memory", "--file", str(path)],
        "bench-migrate": ["bench-migrate", "--input", str(path), "--dir", str(out)],
        "bench-datalevin": ["bench-datalevin", "--input", str(path)],
    }[row]


# one row per path argument: the command's name, then which argument when it has several
COMMANDS = (
    "inspect",
    "profile",
    "schema",
    "bench",
    "rehearse",
    "report",
    "evolve",
    "evolve OLD_SCHEMA",
    "evolve NEW_SCHEMA",
    "bench-backup",
    "bench-queries",
    "bench-memory",
    "bench-migrate",
    "bench-datalevin",
)
# commands without an input memory file: generate writes one (its -o is checked below); the
# bench-<suite> commands without a path option generate their data (checked below)
NO_INPUT = {"generate"}
# string options of the benchmark suites that are not paths
NOT_PATHS = {("stores", "entity_sizes")}


def _suite_must_not_start(monkeypatch, command: str) -> None:
    """Make a benchmark suite fail loudly (exit 1) if it starts before its paths are checked."""
    from workbench import BENCH_SUITES, bench_suite

    name = command.removeprefix("bench-")
    if command.startswith("bench-") and name in BENCH_SUITES:

        def work(args):
            raise AssertionError(f"{command} started its work before checking its paths")

        monkeypatch.setattr(bench_suite(name), "run_cli", work)


def _make_input(tmp_path: Path, case: str, monkeypatch) -> Path:
    path = tmp_path / f"{case}.edn"
    content = INPUT_CASES[case]
    if content is None:
        return path
    if content == "DIR":
        path.mkdir()
        return path
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    if case == "unreadable":
        path.chmod(0)
        if os.geteuid() == 0:
            real = cli_options._open_for_read

            def denied(p):
                if Path(p) == path:
                    raise PermissionError(13, "Permission denied", str(p))
                return real(p)

            monkeypatch.setattr(cli_options, "_open_for_read", denied)
    return path


def _check(capsys, status: int, expected: int, named: Path) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert status == expected, (out, err)
    assert str(named) in out + err
    return err


CASES = [
    (c, k)
    for c in COMMANDS
    for k in INPUT_CASES
    # report on an empty file runs the notebooks (the notebook matrix covers it)
    if not (c == "report" and k == "empty")
]


@pytest.mark.parametrize(("row", "case"), CASES)
def test_bad_input(tmp_path, capsys, monkeypatch, row, case) -> None:
    command = row.split()[0]
    _suite_must_not_start(monkeypatch, command)
    path = _make_input(tmp_path, case, monkeypatch)
    out = tmp_path / "out"
    (tmp_path / "clean-data.edn").write_text(CLEAN)
    before = path.read_bytes() if path.is_file() and case != "unreadable" else None
    status = main(_argv(row, path, out))
    expected = INSPECT_STATUS.get(case, 2) if command == "inspect" else 2
    err = _check(capsys, status, expected, path)
    if expected == 2:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert lines == [lines[0]] and lines[0].startswith(f"workbench {command}: error: {path}:")
        assert "[Errno" not in err  # said in words, with what to do, not the raw OSError
    if before is not None:
        assert path.read_bytes() == before
    assert not list(tmp_path.glob("**/work-*")), "no work folders left behind"


# the commands that write into --out (or bench-migrate's work folder --dir): one row each
OUT_COMMANDS = tuple(
    c
    for c in COMMANDS
    if " " not in c and {"--out", "--dir"} & set(_argv(c, Path("in.edn"), Path("out")))
)


def test_every_command_is_in_the_table() -> None:
    from workbench import BENCH_SUITES, bench_suite
    from workbench.cli import build_parser
    from workbench.cli.suites import path_options

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    no_paths = {f"bench-{n}" for n in BENCH_SUITES if not path_options(bench_suite(n))}
    assert no_paths and no_paths.isdisjoint(COMMANDS)
    assert set(sub.choices) == {row.split()[0] for row in COMMANDS} | NO_INPUT | no_paths
    assert set(OUT_COMMANDS) >= {"profile", "evolve", "bench-migrate"}


def test_a_benchmark_suite_runs_on_the_file_it_was_given(tmp_path, capsys) -> None:
    src = tmp_path / "m.edn"
    src.write_text(CLEAN)
    assert main(["bench-memory", "--file", str(src), "--entries", "0", "--repeat", "1"]) == 0
    assert f"{len(CLEAN) / 1e6:.1f} MB, 2 entries" in capsys.readouterr().out
    work = tmp_path / "new" / "work"  # created, and kept (it was given)
    assert main(["bench-migrate", "--input", str(src), "--dir", str(work)]) == 0
    assert f"input {src} (read only)" in capsys.readouterr().out
    kept = list(work.glob("bench-migrate-*"))  # a new folder inside --dir, kept
    assert len(kept) == 1 and (kept[0] / "target").is_dir() and src.read_text() == CLEAN


def test_every_path_option_of_a_benchmark_suite_is_checked() -> None:
    """A suite's string option is a path named in PATH_OPTIONS (or listed here as not a path)."""
    import argparse

    from workbench import BENCH_SUITES, bench_suite
    from workbench.cli.suites import path_options

    for name in BENCH_SUITES:
        module = bench_suite(name)
        declared = path_options(module)
        strings = {
            a.dest
            for a in module.add_arguments(argparse.ArgumentParser())._actions
            if a.option_strings and a.nargs != 0 and a.type is None and a.choices is None
        } - {"help"}
        assert strings - {d for n, d in NOT_PATHS if n == name} == set(declared), name
        for dest in declared:  # each one is in the table above
            assert any(r == f"bench-{name}" for r in COMMANDS), (name, dest)


@pytest.mark.parametrize("case", ["read-only-dir", "file-for-folder", "folder-for-file"])
def test_generate_bad_output(tmp_path, capsys, monkeypatch, case) -> None:
    if case == "folder-for-file":
        out = tmp_path / "adir"
        out.mkdir()
    elif case == "file-for-folder":
        (tmp_path / "afile").write_text("x")
        out = tmp_path / "afile" / "m.edn"
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        out = ro / "m.edn"
        if os.geteuid() == 0:

            def denied(folder):
                raise PermissionError(13, "Permission denied", str(folder))

            monkeypatch.setattr(cli_options, "_probe_write", denied)
    status = main(["generate", "--entries", "3", "-o", str(out)])
    err = _check(capsys, status, 2, out)
    assert err.startswith("workbench generate: error: ") and ".tmp" not in err
    assert not list(tmp_path.glob("**/.*.tmp"))


def _out_argv(row: str, src: Path, out: Path) -> list[str]:
    if row == "schema":
        return ["schema", str(src), "--out", str(out)]
    return _argv(row, src, out)


OUT_CASES = [
    (c, k)
    for c in OUT_COMMANDS
    for k in ("read-only-dir", "file-for-folder", "folder-for-file", "is-input")
    if k != "folder-for-file" or c == "schema"  # only schema --out names a file
]


@pytest.mark.parametrize(("row", "case"), OUT_CASES)
def test_bad_out(tmp_path, capsys, monkeypatch, row, case) -> None:
    command = row.split()[0]
    _suite_must_not_start(monkeypatch, command)
    src = tmp_path / "m.edn"
    src.write_text(CLEAN)
    if case == "read-only-dir":
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        out = ro / ("schema.edn" if command == "schema" else "out")
        if os.geteuid() == 0:

            def denied(folder):
                if Path(folder) in (ro, out):
                    raise PermissionError(13, "Permission denied", str(folder))

            monkeypatch.setattr(cli_options, "_probe_write", denied)
            monkeypatch.setattr(Path, "mkdir", _mkdir_denied_under(ro, Path.mkdir))
    elif case == "file-for-folder":
        if command == "schema":
            (tmp_path / "afile").write_text("x")
            out = tmp_path / "afile" / "schema.edn"
        else:
            out = tmp_path / "afile"
            out.write_text("x")
    elif case == "folder-for-file":
        out = tmp_path / "adir"
        out.mkdir()
    else:
        out = src
    status = main(_out_argv(row, src, out))
    err = _check(capsys, status, 2, out)
    assert err.startswith(f"workbench {command}: error: ")
    assert src.read_text() == CLEAN


def _mkdir_denied_under(ro: Path, real):
    def mkdir(self, *a, **k):
        if ro in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *a, **k)

    return mkdir


@pytest.mark.parametrize("via", ["dotdot", "symlink", "hardlink"])
def test_output_that_is_the_input_is_refused(tmp_path, capsys, via) -> None:
    src = tmp_path / "m.edn"
    src.write_text(CLEAN)
    (tmp_path / "sub").mkdir()
    if via == "dotdot":
        out = tmp_path / "sub" / ".." / "m.edn"
    elif via == "symlink":
        out = tmp_path / "link.edn"
        out.symlink_to(src)
    else:
        out = tmp_path / "hard.edn"
        os.link(src, out)
    assert main(["schema", str(src), "--out", str(out)]) == 2
    assert "never writes over its input" in capsys.readouterr().err
    assert src.read_text() == CLEAN
    # a derived output inside --out that is the input (profile writes types.csv there)
    outdir = tmp_path / "prof"
    outdir.mkdir()
    os.link(src, outdir / "types.csv")
    assert main(["profile", str(src), "--out", str(outdir), "--no-plots"]) == 2
    assert src.read_text() == CLEAN
    assert not list(tmp_path.glob("**/.*.tmp"))


def test_missing_out_folder_is_created(tmp_path, capsys) -> None:
    src = tmp_path / "m.edn"
    src.write_text(CLEAN)
    out = tmp_path / "new" / "deeper"
    assert main(["profile", str(src), "--out", str(out), "--no-plots"]) == 0
    assert (out / "types.csv").is_file()
    assert main(["schema", str(src), "--out", str(tmp_path / "n2" / "s.edn")]) == 0
    assert (tmp_path / "n2" / "s.edn").is_file()


def test_debug_shows_the_traceback(tmp_path, monkeypatch) -> None:
    with pytest.raises(cli_options.CliError):
        main(["--debug", "inspect", str(tmp_path / "nope.edn")])
    monkeypatch.setenv("WORKBENCH_DEBUG", "1")
    with pytest.raises(cli_options.CliError):
        main(["inspect", str(tmp_path / "nope.edn")])


def test_unexpected_failure_is_one_line(tmp_path, capsys, monkeypatch) -> None:
    import workbench

    src = tmp_path / "m.edn"
    src.write_text(CLEAN)

    def boom(*a, **k):
        raise ValueError("planted")

    monkeypatch.setattr(workbench, "profile", boom)
    assert main(["profile", str(src), "--out", str(tmp_path / "o"), "--no-plots"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "planted" in err and "Traceback" not in err


DAMAGED = Path(__file__).resolve().parents[2] / "data-samples" / "memory-damaged.edn"


@pytest.mark.parametrize("command", ["profile", "schema"])
def test_damage_is_reported_and_strict_fails(tmp_path, capsys, command) -> None:
    from workbench import load_memory

    fatal = [d for d in load_memory(DAMAGED).diagnostics if d.kind != "empty"]
    assert fatal
    out = tmp_path / ("o" if command == "profile" else "s.edn")
    argv = _out_argv(command, DAMAGED, out)
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert f"{DAMAGED}: {len(fatal)} damage(s)" in err
    d = fatal[0]
    assert f"{DAMAGED}:{d.line}:{d.column}: " in err
    assert main(argv + ["--strict"]) == 1


@pytest.mark.parametrize(
    ("text", "listed"),
    [
        ("#:review{:davidwu/x 1, :y 2}", ":1:10: qualified-key-in-nsmap: "),
        ("#:presence{::s1 {:a 1}, :s2 {:b 2}}", ":1:12: colon-name-in-nsmap: "),
        ("{::davidwu/x 1, :davidwu/y 2}", ":1:2: invalid-token (auto-resolved): "),
    ],
)
def test_inspect_lists_key_damage(tmp_path, capsys, text, listed) -> None:
    path = tmp_path / "m.edn"
    path.write_text(text)
    assert main(["inspect", str(path)]) == 1
    out = capsys.readouterr().out
    assert "no damage found" not in out
    line = next(x for x in out.splitlines() if x.startswith(f"{path}:1:"))
    assert listed in line
    key = {":1:10": " key :davidwu/x", ":1:12": " key :presence/:s1", ":1:2:": " key ::davidwu/x"}
    assert next(v for k, v in key.items() if k in listed) in line
    assert path.read_text() == text


@pytest.mark.parametrize(
    ("text", "listed", "spelled"),
    [
        ("{:a #:review{:davidwu/x 1}, :b 2}", ":1:14: qualified-key-in-nsmap: ", "/davidwu/x"),
        ("{:a #:presence{::s1 {:a 1}}, :b 2}", ":1:16: colon-name-in-nsmap: ", ":presence/:s1"),
        ("{:a {::davidwu/x 1}, :b 2}", ":1:6: invalid-token (auto-resolved): ", "::davidwu/x"),
    ],
)
def test_inspect_lists_key_damage_inside_values(tmp_path, capsys, text, listed, spelled) -> None:
    path = tmp_path / "m.edn"
    path.write_text(text)
    assert main(["inspect", str(path)]) == 1
    out = capsys.readouterr().out
    assert "no damage found" not in out
    line = next(x for x in out.splitlines() if x.startswith(f"{path}:1:"))
    # the nested key's line:col, its kind, the key as the file spells it, the entry holding it
    assert listed in line and spelled in line and line.endswith(" key :a")
    assert path.read_text() == text


def test_damage_is_recorded_in_the_output_files(tmp_path, capsys) -> None:
    import csv

    from workbench import load_memory
    from workbench.analysis.schema.model import Schema

    fatal = [d for d in load_memory(DAMAGED).diagnostics if d.kind != "empty"]
    assert main(["profile", str(DAMAGED), "--out", str(tmp_path / "p"), "--no-plots"]) == 0
    rows = list(csv.DictReader((tmp_path / "p" / "damage.csv").open()))
    assert [(int(r["line"]), int(r["column"]), r["file"]) for r in rows] == [
        (d.line, d.column, str(DAMAGED)) for d in fatal
    ]
    out = tmp_path / "s.edn"
    argv = ["schema", str(DAMAGED), "--out", str(out), "--reports", str(tmp_path / "r")]
    assert main(argv) == 0
    text = out.read_text()
    assert text.startswith(f";; {DAMAGED}: {len(fatal)} damage(s)")
    assert f"{DAMAGED}:{fatal[0].line}:{fatal[0].column}: " in text.splitlines()[1]
    assert Schema.from_edn(text).attributes  # the comments do not disturb the schema
    assert len(list(csv.DictReader((tmp_path / "r" / "damage.csv").open()))) == len(fatal)
    # a clean file: no comment, a header-only damage table
    clean = tmp_path / "clean.edn"
    clean.write_text(CLEAN)
    assert main(["schema", str(clean), "--out", str(tmp_path / "c.edn")]) == 0
    assert not (tmp_path / "c.edn").read_text().startswith(";;")
    assert main(["profile", str(clean), "--out", str(tmp_path / "cp"), "--no-plots"]) == 0
    assert len((tmp_path / "cp" / "damage.csv").read_text().splitlines()) == 1
    capsys.readouterr()


@pytest.mark.parametrize("command", ["profile", "schema", "bench", "rehearse", "report"])
def test_a_failed_run_leaves_no_empty_out_folder_it_created(tmp_path, capsys, command) -> None:
    src = tmp_path / "v.edn"
    src.write_text("[1 2]")  # a vector: refused after --out is checked (and created)
    made = tmp_path / "new" / "nested"
    out = made / "s.edn" if command == "schema" else made
    assert main(_out_argv(command, src, out)) == 2
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "existing"  # a folder that was there before is left alone
    kept.mkdir()
    out = kept / "s.edn" if command == "schema" else kept
    assert main(_out_argv(command, src, out)) == 2
    assert kept.is_dir() and not any(kept.iterdir())
    capsys.readouterr()


def test_empty_input_says_what_to_do(tmp_path, capsys) -> None:
    path = tmp_path / "e.edn"
    path.write_text("{}")
    assert main(_argv("bench-queries", path, tmp_path / "o")) == 2
    err = capsys.readouterr().err
    assert "nothing to time queries on; give a memory file that has entries" in err
    assert "nothing to bench-queries" not in err


def test_compare_with_a_file_says_it_is_a_file(tmp_path, capsys) -> None:
    src = tmp_path / "m.edn"
    src.write_text(CLEAN)
    old = tmp_path / "run.json"
    old.write_text("{}")
    assert main(["report", str(src), "--compare", str(old), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{old}: is a file, not a report folder" in err


def test_evolve_names_the_schema_folder_before_the_default_data(tmp_path, capsys, monkeypatch):
    """Run away from the repository (no default --data there): the mistake the user made, a
    folder given as OLD_SCHEMA, is the one named."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schemas").mkdir()
    status = main(["evolve", "schemas", "plan", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1, err
    assert "schemas: is a folder" in err[0], err
