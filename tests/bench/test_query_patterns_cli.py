"""`workbench bench-queries`: outputs on a small file, and the CLI's error contract."""

from __future__ import annotations

import csv

from workbench.cli import main


def test_bench_queries_writes_the_ranked_table(tmp_path, capsys) -> None:
    from workbench.memory.generate import generate_memory

    src = tmp_path / "memory.edn"
    generate_memory(entries=80, seed=2).write(src)
    before = src.read_bytes()
    out = tmp_path / "out"
    assert main(["bench-queries", str(src), "--out", str(out), "--quick", "--no-datalevin"]) == 0
    rows = list(csv.DictReader((out / "queries.csv").open()))
    assert {"get_by_key", "search", "sessions_by_type"} <= {r["pattern"] for r in rows}
    assert all(r["equal"] == "True" for r in rows)
    md = (out / "queries.md").read_text()
    assert md.startswith("# Query patterns ranked") and "Python emulation" in md
    assert src.read_bytes() == before
    assert "No query pattern could be ranked" in capsys.readouterr().out


def test_bench_queries_refuses_a_missing_file_and_the_input_as_output(tmp_path, capsys) -> None:
    missing = tmp_path / "absent.edn"
    assert main(["bench-queries", str(missing), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"workbench bench-queries: error: {missing}:")
    src = tmp_path / "memory.edn"
    src.write_text("{:a 1}")
    assert main(["bench-queries", str(src), "--out", str(src)]) == 2
    err = capsys.readouterr().err
    assert "never writes over its input" in err and "Traceback" not in err
    assert src.read_text() == "{:a 1}"
