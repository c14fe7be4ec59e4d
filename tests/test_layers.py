"""The package's layer rules, checked on the `ast` of every module (and of every notebook).

Each top-level folder of `workbench/` is one layer; LAYERS lists them bottom-up. A module may import
from its own layer package and from lower layers only; layers sharing a rank are siblings and may not
import each other. No import cycles between modules, no private name (`_x`) imported from another
package, and the CLI and the notebooks use the public API (`workbench` and its `__all__`) only.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "workbench"

#: layer (a package or module under workbench/) -> rank, bottom-up. The one place these rules live.
LAYERS: dict[str, int] = {
    "workbench.io": 0,  # atomic writes, checksums
    "workbench.plots": 1,  # matplotlib helpers: PNG output, axis formatting
    "workbench.edn": 1,  # reader, writer, salvage (C fast path in _speedups.c)
    "workbench.codecs": 2,  # value encodings for stores: edn text, binary (msgpack), json
    "workbench.memory": 3,  # load, model, classify, app queries, generator
    "workbench.analysis": 4,  # profile, schema inference, mappings, loss/collision reports
    "workbench.stores": 5,  # EDN file, LMDB kv and entity stores, Datalevin (bridge, store)
    "workbench.migrate": 6,  # migration wrapper, migrator, validation, rollback, backup, faults
    "workbench.bench": 7,  # timing harness, workloads, plots, benchmark suites
    "workbench.rehearsal": 8,  # the rehearsal runner, its trace and report
    "workbench.report": 9,  # notebook runner, findings, index
    "workbench.explore": 9,  # ipywidgets explorer
    "workbench": 10,  # the public API (__init__.py)
    "workbench.cli": 11,  # the command line, over the public API
    "workbench.__main__": 11,
}
PUBLIC_ONLY = ("workbench.cli", "workbench.__main__")


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported module (the deepest module that exists)
    name: str | None  # name imported from target (from X import name), None for `import X`
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(root: Path) -> dict[str, Path]:
    """Every module of the package at root: dotted name -> file."""
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def lazy_exports(tree: ast.Module) -> dict[str, tuple[str, str | None]]:
    """The public API's lazy table (`_EXPORTS = {"name": ("module", "attr")}`), if it has one."""
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in targets):
                return ast.literal_eval(node.value)
    return {}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import of a workbench module made anywhere in the file (top level or in functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_pkg = path.name == "__init__.py"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "workbench":
                    out.append(Import(name, alias.name, None, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "workbench":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in modules or is_extension(sub, modules):
                    out.append(Import(name, sub, None, node.lineno))
                else:
                    out.append(Import(name, target, alias.name, node.lineno))
    for module, attr in lazy_exports(tree).values():
        out.append(Import(name, module, attr, 0))
    return out


def is_extension(module: str, modules: dict[str, Path]) -> bool:
    """A C extension module (its source `name.c` beside the package's files): a leaf."""
    package, _, leaf = module.rpartition(".")
    folder = modules.get(package)
    return folder is not None and (folder.parent / f"{leaf}.c").exists()


def layer_of(module: str) -> str:
    """The layer a module belongs to: the longest LAYERS entry that is the module or its parent."""
    best = "workbench"
    for layer in LAYERS:
        if (module == layer or module.startswith(layer + ".")) and len(layer) > len(best):
            best = layer
    return best


def package_of(module: str, modules: dict[str, Path]) -> str:
    """The package a module lives in (itself when it is a package)."""
    if modules.get(module, Path()).name == "__init__.py":
        return module
    return module.rpartition(".")[0]


def public_name(imp: Import, public: dict) -> bool:
    """`import workbench` or `from workbench import <a name of the public API>`."""
    exported_modules = {m for m, attr in public.values() if attr is None}
    if imp.name is None and imp.target in exported_modules:
        return True  # `from workbench import edn`: a module the public API exports
    return imp.target == "workbench" and (
        imp.name is None or imp.name in public or imp.name == "__version__"
    )


def violations(root: Path) -> list[str]:
    """Every broken layer rule in the package at root, one line each (empty when clean)."""
    modules = discover(root)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    problems = []
    public = lazy_exports(ast.parse((root / "__init__.py").read_text()))
    for mod, path in modules.items():
        src_layer = layer_of(mod)
        for imp in imports_of(mod, path, modules):
            where = f"{path.relative_to(root.parent)}:{imp.line}"
            tgt_layer = layer_of(imp.target)
            if imp.target in modules and imp.target != mod:
                graph[mod].add(imp.target)
            if src_layer.startswith(PUBLIC_ONLY) or mod in PUBLIC_ONLY:
                if not tgt_layer.startswith(PUBLIC_ONLY) and not public_name(imp, public):
                    problems.append(
                        f"{where}: {mod} imports {imp.target} (the CLI uses the public API only)"
                    )
                continue
            if src_layer != tgt_layer:
                if LAYERS[tgt_layer] > LAYERS[src_layer]:
                    problems.append(
                        f"{where}: {mod} ({src_layer}) imports {imp.target} from the higher "
                        f"layer {tgt_layer}"
                    )
                elif LAYERS[tgt_layer] == LAYERS[src_layer]:
                    problems.append(
                        f"{where}: {mod} ({src_layer}) imports its sibling layer {tgt_layer}"
                    )
            if imp.name and imp.name.startswith("_") and not imp.name.startswith("__"):
                if package_of(imp.target, modules) != package_of(mod, modules):
                    problems.append(f"{where}: {mod} imports the private {imp.target}.{imp.name}")
    problems += [f"import cycle: {' -> '.join(c)}" for c in cycles(graph)]
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp) + [sorted(comp)[0]])

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def notebook_violations(folder: Path, root: Path = PACKAGE) -> list[str]:
    """Imports of workbench in the notebooks' code cells that bypass the public API."""
    public = lazy_exports(ast.parse((root / "__init__.py").read_text()))
    modules = discover(root)
    problems = []
    for nb_path in sorted(folder.glob("*.ipynb")):
        cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells, 1):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            tree = ast.parse(
                "\n".join(line for line in source.splitlines() if not line.startswith(("%", "!")))
            )
            for node in ast.walk(tree):
                imps: list[Import] = []
                if isinstance(node, ast.Import):
                    imps = [Import("nb", a.name, None, node.lineno) for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    imps = [Import("nb", node.module, a.name, node.lineno) for a in node.names]
                for imp in imps:
                    if imp.target.split(".")[0] == "workbench" and not public_name(imp, public):
                        problems.append(
                            f"{nb_path.name} cell {number}: imports {imp.target}"
                            f"{'.' + imp.name if imp.name else ''} (notebooks use the public API)"
                        )
    assert modules  # the package was found
    return problems


def test_every_module_has_a_layer() -> None:
    """Each top-level module or folder of workbench/ is listed in LAYERS (a new one must be ranked)."""
    top = {".".join(m.split(".")[:2]) for m in discover(PACKAGE)}
    assert sorted(t for t in top if t not in LAYERS) == []


def test_layers_hold() -> None:
    """No upward or sibling import, no cycle, no private name across packages, CLI on the API."""
    assert violations(PACKAGE) == []


def test_notebooks_use_the_public_api() -> None:
    assert notebook_violations(ROOT / "notebooks") == []


def test_public_api_names_resolve() -> None:
    """Every name in workbench.__all__ imports (a stale _EXPORTS entry fails here)."""
    import workbench

    missing = []
    for name in workbench.__all__:
        try:
            getattr(workbench, name)
        except (AttributeError, ImportError) as exc:
            missing.append(f"{name}: {exc}")
    assert missing == []


PLANTED = {
    "edn/_planted_up.py": ("from workbench.stores import open_store\n", "higher layer"),
    "memory/_planted_private.py": ("from workbench.edn.reader import _Reader\n", "private"),
    "cli/_planted_cli.py": ("from workbench.memory.model import load_memory\n", "public API"),
    "report/_planted_sibling.py": ("import workbench.explore.widgets\n", "sibling"),
    "analysis/_planted_a.py": ("from workbench.analysis import _planted_b\n", "cycle"),
    "analysis/_planted_b.py": ("from workbench.analysis import _planted_a\n", "cycle"),
}


@pytest.mark.parametrize("planted", sorted(PLANTED))
def test_a_planted_violation_is_caught(tmp_path, planted) -> None:
    """The checker is not vacuous: each kind of violation planted in a copy of the package fails."""
    import shutil

    copy = tmp_path / "workbench"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    assert violations(copy) == []
    text, expect = PLANTED[planted]
    (copy / planted).write_text(text)
    if expect == "cycle":
        for other, (t, e) in PLANTED.items():
            if e == "cycle":
                (copy / other).write_text(t)
    found = violations(copy)
    assert found and any(expect in line for line in found), found


def test_a_notebook_bypassing_the_api_is_caught(tmp_path) -> None:
    nb = {
        "cells": [
            {"cell_type": "code", "source": ["from workbench.memory.model import load_memory\n"]}
        ]
    }
    (tmp_path / "x.ipynb").write_text(json.dumps(nb))
    assert len(notebook_violations(tmp_path)) == 1
