"""The benchmark layer: harness, workloads, plots and the benchmark suites."""
