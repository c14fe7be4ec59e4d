"""The rehearsal's JVM latency: the baselines are replayed once per trace and shared."""

from __future__ import annotations

from workbench import edn
from workbench.bench.jvm_replay import Replay
from workbench.rehearsal import jvm_latency as jl

K = edn.kw


def _fake_replay(calls: list[list[str]], save_ns: dict[str, int]):
    """A replay_jvm stand-in: records the stores it was asked for; every op answers as recorded."""

    def replay(data, ops, stores, **_kw):
        calls.append(list(stores))
        kinds = [k for k, _key, _v in ops]
        out = {}
        for s in stores:
            ns = [save_ns[s] if k == "save" else 100 for k in kinds]
            out[s] = Replay(s, kinds, ns, [10] * len(kinds), [None] * len(kinds), 1)
        return out, list(range(len(ops)))

    return replay


def test_the_baselines_are_replayed_once_per_trace_and_shared(monkeypatch, tmp_path) -> None:
    import workbench.bench.jvm_replay as jr

    calls: list[list[str]] = []
    save = {"edn-app": 5_000, "edn-app[durable]": 9_000_000, "datalevin-kv[default]": 400_000,
            "cached-write-behind[default]": 1_000}  # fmt: skip
    monkeypatch.setattr(jr, "replay_jvm", _fake_replay(calls, save))
    monkeypatch.setattr(jl, "_BASELINES", {})
    data = {K("a"): 1, K("b"): 2}
    recorded = [("p", "get_value", K("a"), None, None), ("p", "save_value", K("b"), 3, None)]

    def run(target, rec=recorded):
        return jl.jvm_latency(data, rec, target, "kv", consistency=100.0, completion=100.0,
                              quick=True, workdir=tmp_path)  # fmt: skip

    first, second = run("datalevin"), run("cached-write-behind")
    assert calls == [["edn-app", "edn-app[durable]", "datalevin-kv[default]"],
                     ["cached-write-behind[default]"]]  # fmt: skip
    assert not first["baselines_shared"] and second["baselines_shared"]
    assert second["stores"]["edn-app[durable]"] == first["stores"]["edn-app[durable]"]
    # another trace: its own baselines
    third = run("datalevin", [*recorded, ("p", "save_value", K("a"), 4, None)])
    assert calls[-1] == ["edn-app", "edn-app[durable]", "datalevin-kv[default]"]
    assert not third["baselines_shared"]
