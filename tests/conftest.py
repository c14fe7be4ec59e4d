"""Shared fixtures: one JVM for the whole session, matplotlib without a screen."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(params=["c", "python"])
def edn_reader_impl(request):
    """Run a test with the EDN reader's C fast path on, then with the pure-Python reader only."""
    from workbench.edn import reader

    if request.param == "c" and not reader.speedups_available():
        if os.environ.get("CI"):
            pytest.fail("the C fast path workbench.edn._speedups was not built")
        pytest.skip("the C fast path was not built here (no C compiler at install time)")
    with reader.fast_path(request.param == "c"):
        yield request.param


@pytest.fixture(scope="session")
def dl():
    """The datalevin module with its JVM started once per test session."""
    from workbench.stores.datalevin import bridge as wdl

    wdl.require()
    wdl.start_jvm()
    import datalevin

    return datalevin
