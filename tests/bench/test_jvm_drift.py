"""The drift inside one run, printed beside the run-to-run spread (no JVM needed)."""

from __future__ import annotations

import math

from workbench.bench.jvm import _drift_pct


def test_drift_is_the_slowest_fifth_over_the_fastest_in_the_worse_run() -> None:
    flat = [10.0] * 100
    # fifths of 20 samples: p50s 10, 10, 10, 10, 13 -> the p50 moved 30% inside the run
    late_slow = [10.0] * 80 + [13.0] * 20
    assert _drift_pct([flat, flat]) == 0.0
    assert math.isclose(_drift_pct([flat, late_slow]), 30.0)
    # a fifth under 20 samples says nothing: no figure rather than a noisy one
    assert math.isnan(_drift_pct([flat, [10.0] * 99]))
    assert math.isnan(_drift_pct([]))


def test_spread_summary_counts_the_rows_and_names_the_largest_gap_in_its_unit() -> None:
    import pandas as pd

    from workbench.bench.jvm import spread_summary

    spread = pd.DataFrame(
        {
            "entries": [1000, 1000, 1000],
            "store": ["edn-app", "kv", "kv"],
            "op": ["get", "get", "save"],
            "spread_pct": [40.0, 5.0, 20.0],
            "diff_ns": [8.0, 200.0, 2_500_000.0],
            "drift_pct": [10.0, 3.0, 25.0],
        }
    )
    first, second = spread_summary(spread).splitlines()
    assert (
        first == "  1 of 3 rows within 15%; largest 40.0% (edn-app get, 1,000 entries: 8 ns apart)"
    )
    # the 20% save moved 25% inside one run; the 40% read only 10%
    assert second.startswith("  of the other 2, 1 differ by less than their p50 moved")
    assert "2.50 ms" in spread_summary(spread.iloc[[1, 2]])
