"""Datalevin's Clojure namespaces: compiled into the class cache by the first JVM, loaded from it by
the next ones, and a cache that cannot be written never stops the JVM from starting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.stores.datalevin import bridge as wdl

# a child process starts its own JVM with the cache folder it is given, then says how it loaded
# Datalevin and where datalevin.core's compiled class came from (none: compiled in memory)
CHILD = """
import json, jpype
from workbench.stores.datalevin import bridge as b
b.start_jvm()
c = jpype.JClass("clojure.java.api.Clojure")
loaded = c.var("clojure.core", "find-ns").invoke(c.read("datalevin.core")) is not None
try:
    cls = jpype.JClass("java.lang.Class").forName("datalevin.core__init")
    where = str(cls.getProtectionDomain().getCodeSource().getLocation())
except Exception:
    where = None
print(json.dumps({"state": b.class_cache_state(), "loaded": loaded, "class_from": where}))
"""


def _start(cache: Path) -> dict:
    env = {**os.environ, wdl.CACHE_ENV: str(cache)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_cache_folder_is_keyed_by_the_runtime(tmp_path, monkeypatch) -> None:
    jar = tmp_path / "runtime.jar"
    jar.write_bytes(b"one")
    home = tmp_path / "jdk"
    home.mkdir()
    (home / "release").write_text('JAVA_VERSION="25.0.2"\n')
    monkeypatch.setenv(wdl.CACHE_ENV, str(tmp_path / "cache"))
    first = wdl.class_cache_dir([str(jar)], str(home))
    assert first is not None and first.parent == tmp_path / "cache"
    assert wdl.class_cache_dir([str(jar)], str(home)) == first  # stable for the same runtime
    (home / "release").write_text('JAVA_VERSION="21.0.5"\n')
    assert wdl.class_cache_dir([str(jar)], str(home)) != first  # another Java
    (home / "release").write_text('JAVA_VERSION="25.0.2"\n')
    jar.write_bytes(b"other")
    assert wdl.class_cache_dir([str(jar)], str(home)) != first  # another jar
    monkeypatch.setenv(wdl.CACHE_ENV, "off")
    assert wdl.class_cache_dir([str(jar)], str(home)) is None
    monkeypatch.delenv(wdl.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert wdl.class_cache_dir([str(jar)], str(home)).parent == tmp_path / "xdg" / "workbench"


@pytest.mark.datalevin
@pytest.mark.slow
def test_first_jvm_builds_the_cache_the_next_loads_from_it_and_a_bad_one_is_skipped(
    tmp_path,
) -> None:
    wdl.require()
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    off = _start(blocked)
    assert off["state"].startswith("compiled at start (no class cache: ")
    assert off["loaded"] and off["class_from"] is None

    cache = tmp_path / "cache"
    built = _start(cache)
    assert built["state"] == "compiled at start and kept in the class cache" and built["loaded"]
    [folder] = cache.iterdir()  # no temporary folder left beside it
    assert folder.name.startswith("clojure-classes-")
    assert (folder / "datalevin" / "core__init.class").is_file()

    again = _start(cache)
    assert again["state"] == "loaded from the class cache" and again["loaded"]
    assert Path(again["class_from"].removeprefix("file:")).resolve() == folder.resolve()
