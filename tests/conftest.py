"""Shared fixtures: one JVM for the whole session, matplotlib without a screen."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def dl():
    """The datalevin module with its JVM started once per test session."""
    from workbench import datalevin as wdl

    wdl.require()
    wdl.start_jvm()
    import datalevin

    return datalevin
