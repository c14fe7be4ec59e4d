"""Migration timeline: the formula on given rates, and the rates read from a rehearsal."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from workbench.rehearsal.timeline import (
    TimelineInputs,
    estimate,
    finding,
    inputs_from_rehearsal,
    plot,
    summary,
)


def test_estimate_follows_the_formula():
    inp = TimelineInputs(
        entries=1000,
        copy_rate=100.0,
        validate_rate=500.0,
        write_rate=2.0,
        kinds={"sessions": 900, "other": 100},
        n_writes=3,
    )
    rows = {(r["scale"], r["phase"]): r for r in estimate(inp)}
    # "other" gets 2 * 0.1 = 0.2 writes/s: 3 writes take 15 s < copy 10 s? no: 15 s > 10 s
    assert rows[(1, "2 dual-write + copy")]["seconds"] == pytest.approx(15 + 2)
    assert rows[(1, "3 read cutover")]["seconds"] == pytest.approx(2)
    assert rows[(1, "3 read cutover")]["start_s"] == pytest.approx(17)
    # at 100x the copy (1000 s) dominates the write coverage (15 s)
    assert rows[(100, "2 dual-write + copy")]["seconds"] == pytest.approx(1000 + 200)
    assert "N=3" in summary(inp, estimate(inp))
    fig = plot(estimate(inp))
    assert fig.axes[0].get_title() and fig.axes[0].get_xlabel()


def test_inputs_from_rehearsal_reads_rates():
    phase = SimpleNamespace(
        mode="dual-write",
        start=0.0,
        end=10.0,
        latency={"save_value": {"n": 15}, "update": {"n": 5}, "get_value": {"n": 99}},
        validation={"source_entries": 400, "seconds": 2.0},
    )
    result = SimpleNamespace(
        entries=400,
        phases=[phase],
        events=[(1.0, "copy", "copied 400, skipped 0 newer live writes, 4 batches, 0.50 s")],
    )
    inp = inputs_from_rehearsal(result, {"sessions": 400}, n_writes=2)
    assert inp.copy_rate == pytest.approx(800)
    assert inp.validate_rate == pytest.approx(200)
    assert inp.write_rate == pytest.approx(2.0)
    assert inputs_from_rehearsal(result, {"x": 1}, write_rate=7.0).write_rate == 7.0


def test_finding_states_the_estimate_of_these_rates():
    inp = TimelineInputs(
        entries=1000,
        copy_rate=100.0,
        validate_rate=500.0,
        write_rate=2.0,
        kinds={"sessions": 900, "other": 100},
        n_writes=3,
    )
    found = finding(inp, estimate(inp))
    assert found["seconds_by_scale"]["1x"] == pytest.approx(17 + 2 + 2)
    assert "1,000 entries takes 21.0 s" in found["sentence"]
    assert "dual-write 17.0 s" in found["sentence"] and "written 3 times" in found["sentence"]
    slower = TimelineInputs(**{**inp.__dict__, "copy_rate": 10.0})
    # the copy (100 s) now bounds dual-write: 102 s, total 106 s
    assert "takes 1.8 min, dual-write 1.7 min" in finding(slower, estimate(slower))["sentence"]


def test_estimate_of_an_empty_file_is_zero_not_a_division_by_zero():
    # a rehearsal of `{}` measures no copy or validation rate
    inp = TimelineInputs(entries=0, copy_rate=0.0, validate_rate=0.0, write_rate=0.0, kinds={})
    rows = estimate(inp)
    assert rows and all(r["seconds"] == 0.0 for r in rows)
