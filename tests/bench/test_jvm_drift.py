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
