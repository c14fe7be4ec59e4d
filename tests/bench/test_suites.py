"""Every benchmark suite runs end to end on a tiny input and prints its figures (no timing asserts)."""

from __future__ import annotations

import json

from workbench import edn
from workbench.bench.suites import edn as edn_suite


def test_edn_suite_runs_on_the_generators_document(capsys) -> None:
    out = edn_suite.run(0.05, 1, 0, False)
    printed = capsys.readouterr().out
    assert "workbench.edn.loads" in printed and "peak memory" in printed
    assert out["read_mbs"] > 0 and out["peak_json"] > 0


def test_json_copy_holds_every_value_of_the_document() -> None:
    _, value = edn_suite.generate_document(0.05, seed=1)
    copy = json.loads(json.dumps(edn_suite.to_json_able(value)))
    assert len(copy) == len(value)
    kinds = {type(v).__name__ for v in _leaves(value)}
    assert {"Inst", "Keyword"} <= kinds  # the types that once broke the JSON copy


def _leaves(value):
    if isinstance(value, dict | edn.FrozenMap):
        for k, v in value.items():
            yield k
            yield from _leaves(v)
    elif isinstance(value, list | tuple | frozenset | set):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def test_bench_migrate_dir_never_overwrites_what_is_already_there(tmp_path, capsys) -> None:
    from workbench.bench.suites import migrate as migrate_suite

    mine = tmp_path / "memory.edn"
    mine.write_text("{:mine 1}")
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "keep.txt").write_text("keep")
    migrate_suite.main(["--entries", "50", "--dir", str(tmp_path)])
    assert mine.read_text() == "{:mine 1}"
    assert (tmp_path / "target" / "keep.txt").read_text() == "keep"
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("bench-migrate-")]
    assert len(kept) == 1 and (kept[0] / "memory.edn").exists()
    assert f"work folder {kept[0]}" in capsys.readouterr().out
