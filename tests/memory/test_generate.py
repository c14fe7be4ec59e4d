"""Generator: determinism, every key kind and quirk of memory-edn.md, sizes, styles, damage truth."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from decimal import Decimal
from fractions import Fraction

import pytest

from workbench import edn
from workbench.cli import generate as cli_generate
from workbench.memory.generate import DAMAGE_KINDS, KIND_TYPES, generate_memory

K = edn.Keyword


@pytest.fixture(scope="module")
def g():
    return generate_memory(entries=400, seed=11, style="mixed")


def _walk(v):
    yield v
    if isinstance(v, dict):
        for k, x in v.items():
            yield from _walk(k)
            yield from _walk(x)
    elif isinstance(v, tuple | frozenset):
        for x in v:
            yield from _walk(x)


def test_same_seed_same_text_different_seed_different_text() -> None:
    a = generate_memory(entries=150, seed=5)
    b = generate_memory(entries=150, seed=5)
    c = generate_memory(entries=150, seed=6)
    assert a.text == b.text
    assert a.text != c.text
    assert [e.key for e in a.truth.entries] == [e.key for e in b.truth.entries]


def test_text_does_not_depend_on_the_hash_seed() -> None:
    code = (
        "import hashlib; from workbench.memory.generate import generate_memory; "
        "print(hashlib.sha256(generate_memory(entries=80, seed=2).text.encode()).hexdigest())"
    )
    outs = set()
    for hs in ("1", "2"):
        r = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": hs, "PATH": ""},
        )
        outs.add(r.stdout.strip())
    here = hashlib.sha256(generate_memory(entries=80, seed=2).text.encode()).hexdigest()
    assert outs == {here}


def test_entry_count_and_clean_text_reads_back_identical(g) -> None:
    assert len(g.truth.entries) == 400
    assert g.truth.damages == []
    value = edn.loads(g.text)
    assert edn.identical(value, g.value)
    assert g.clean.keys() == g.value.keys()


def test_every_kind_is_generated(g) -> None:
    kinds = {e.kind for e in g.truth.entries}
    expected = set(KIND_TYPES) - {"partial-learning-record"}
    assert expected - kinds == set()


def test_every_quirk_is_generated(g) -> None:
    v = g.value
    keys = list(v)
    kws = [k for k in keys if isinstance(k, K)]
    # learning records keyed by user, with names starting with '-' too
    by_user = [k for k in kws if k.namespace == "davidwu" and K("learning", "id") in v[k]]
    assert by_user and any(k.name.startswith("-") for k in by_user)
    # partial learning record: :learning/* keys only, no :learning/id
    assert any(k.namespace == "davidwu" and K("learning", "id") not in v[k] for k in kws)
    # review keys whose name holds a '/'
    assert any(k.namespace == "review" and "/" in k.name for k in kws)
    # keyword session ids printed with their colon
    assert any(k.namespace == "presence" and k.name.startswith(":") for k in kws)
    assert ":presence/:s" in g.text
    # lists where vectors were, nil key with (), {nil nil}
    index = v[K("learning", "index")]
    assert any(isinstance(x, edn.List) for x in index.values())
    assert isinstance(index[None], edn.List) and len(index[None]) == 0
    assert (
        None in v[K("learning", "review-index")] and v[K("learning", "review-index")][None] is None
    )
    assert isinstance(v[K("learning", "tag-index")], dict)
    assert all(isinstance(t, str) for t in v[K("learning", "tag-index")])
    # both note styles in builder sessions
    notes = [
        n
        for s in v[K("builder-sessions", "davidwu")].values()
        for n in s[K("session", "data")].values()
    ]
    assert any(K(None, "content") in n and isinstance(n[K(None, "section")], str) for n in notes)
    assert any(K("item", "content") in n and isinstance(n[K("item", "section")], K) for n in notes)
    # mixed print style: namespace maps and plain maps in one file
    assert "#:learning{" in g.text and "{:learning/id" in g.text
    assert {e.style for e in g.truth.entries} == {"plain", "nsmaps"}
    # value types and odd keys
    atoms = list(_walk(v))
    for t in (
        edn.Inst,
        uuid.UUID,
        edn.Char,
        edn.BigInt,
        Decimal,
        Fraction,
        edn.Symbol,
        frozenset,
        edn.Vector,
        edn.List,
        bool,
        float,
    ):
        assert any(type(a) is t or (t is frozenset and isinstance(a, frozenset)) for a in atoms), t
    assert any(type(a) is int and a > 2**63 for a in atoms)  # big integer printed without N
    assert any(a == float("inf") for a in atoms if isinstance(a, float))
    assert None in atoms
    assert any(isinstance(k, str) for k in keys)
    assert any(isinstance(a, str) and "日本語" in a for a in atoms) or "café" in g.text
    assert any(isinstance(a, str) and "\n" in a for a in atoms)
    assert K("1098765432109876543", "x") in v
    assert K(None, "config") in v and K(None, "test-key") in v
    assert None in v  # a nil top-level key
    assert "\\n" in g.text and '\\"' in g.text  # escaped strings, still one line
    assert "\n" not in g.text


def test_styles_plain_and_nsmaps() -> None:
    plain = generate_memory(entries=120, seed=4, style="plain")
    ns = generate_memory(entries=120, seed=4, style="nsmaps")
    assert "#:" not in plain.text
    assert ns.text.count("#:") > 50
    assert edn.identical(edn.loads(plain.text), edn.loads(ns.text))


def test_size_mode_reaches_the_target() -> None:
    g = generate_memory(entries=None, size_mb=0.5, seed=1)
    n = len(g.text.encode("utf-8"))
    assert 0.45e6 <= n <= 0.6e6


def test_lines_layout_one_entry_per_line() -> None:
    g = generate_memory(entries=60, seed=3, layout="lines")
    assert g.text.count("\n") == 59
    assert [e.line for e in g.truth.entries] == list(range(1, 61))
    assert edn.identical(edn.loads(g.text), g.value)


@pytest.mark.parametrize("kind", DAMAGE_KINDS)
def test_damage_truth_points_at_the_offending_text(kind) -> None:
    g = generate_memory(entries=80, seed=7, damage=[kind])
    assert [d.kind for d in g.truth.damages] == [kind]
    d = g.truth.damages[0]
    data = g.text.encode("utf-8")
    lines = g.text.split("\n")
    assert lines[d.line - 1][d.column - 1 :].startswith(d.text[:20])
    assert data[d.offset :].decode("utf-8").startswith(d.text[:20])
    bad = [e for e in g.truth.entries if not e.clean]
    assert bad and all(e.damage == kind for e in bad)
    assert all(e.key in g.clean for e in g.truth.entries if e.clean)
    with pytest.raises(edn.EdnSyntaxError):
        edn.loads(g.text, unknown_tags="error")  # as the app: one damage loses the whole file


def test_entry_positions_match_the_text() -> None:
    g = generate_memory(entries=100, seed=8, damage="all")
    data = g.text.encode("utf-8")
    for e in g.truth.entries:
        assert data[e.offset : e.offset + len(e.key_text.encode())].decode() == e.key_text
    assert {d.kind for d in g.truth.damages} == set(DAMAGE_KINDS)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        generate_memory(entries=10, damage=["nope"])
    with pytest.raises(ValueError):
        generate_memory(entries=10, style="fancy")
    with pytest.raises(ValueError):
        generate_memory(entries=10, mix={"cache": 1.0})


def test_cli_generate_writes_file_and_truth(tmp_path, capsys) -> None:
    from workbench.cli import main

    out = tmp_path / "m.edn"
    truth = tmp_path / "t.json"
    assert (
        main(
            [
                "generate",
                "--entries",
                "50",
                "--seed",
                "3",
                "--damage",
                "object,truncated",
                "-o",
                str(out),
                "--truth",
                str(truth),
            ]
        )
        == 0
    )
    assert out.read_text() == generate_memory(entries=50, seed=3, damage="object,truncated").text
    assert '"truncated"' in truth.read_text()
    assert "damage object at" in capsys.readouterr().out
    assert cli_generate.DAMAGE_KINDS == DAMAGE_KINDS


def test_committed_samples_are_what_the_readme_commands_write(tmp_path) -> None:
    """data-samples/README.md gives the exact command that regenerates each sample."""
    import re
    import shlex

    from support import DATA_SAMPLES

    from workbench.cli import main

    readme = (DATA_SAMPLES / "README.md").read_text()
    commands = re.findall(r"`workbench (generate [^`]+)`", readme)
    targets = [c for c in commands if "data-samples/" in c]
    assert len(targets) == 4
    for cmd in targets:
        argv = shlex.split(cmd.replace("data-samples/", f"{tmp_path}/"))
        assert main(argv) == 0
        out = re.search(r"-o (\S+)", cmd).group(1)
        name = out.split("/")[-1]
        assert (tmp_path / name).read_bytes() == (DATA_SAMPLES / name).read_bytes(), name
    assert (DATA_SAMPLES / "memory.edn").stat().st_size > 1_500_000
    truth = (tmp_path / "memory-damaged.truth.json").read_text()
    assert truth == (DATA_SAMPLES / "memory-damaged.truth.json").read_text()


def test_mix_by_kind_or_data_type() -> None:
    from collections import Counter

    only = generate_memory(
        entries=300, seed=9, mix={"Sessions": 0.0, "Embed": 1.0, "Learning Records": 0.0}
    )
    kinds = Counter(e.kind for e in only.truth.entries)
    assert kinds["embed-token"] + kinds["webhook"] > 250
    assert kinds["ops"] <= 1 and kinds["review"] <= 1  # at most the one forced example
