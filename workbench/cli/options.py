"""What every command shares: the default input, how FILE and --out are checked, error lines.

Every check a command makes on its paths lives here, so every command refuses the same mistakes
with the same one-line message (`workbench <cmd>: error: <path>: <what is wrong and what to do>`):
`CliError` carries it to `workbench.cli.main`, which prints it and exits 2.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

#: The sample the commands use when FILE is omitted, relative to the current folder (the repo).
DEFAULT_INPUT = Path("data-samples/memory.edn")
DEFAULT_NOTEBOOKS = Path("notebooks")

#: Exit status of a path or usage error (argparse uses 2 as well).
USAGE = 2


class CliError(Exception):
    """A path or usage error: `main` prints `workbench <command>: error: <message>` and exits 2."""

    def __init__(self, message: str, status: int = USAGE) -> None:
        super().__init__(message)
        self.status = status


def input_path(file: str | None) -> Path:
    """The input a command was given (the sample when omitted), as the user wrote it."""
    return DEFAULT_INPUT if file is None else Path(file).expanduser()


def fail(command: str, message: str, status: int = USAGE) -> int:
    """Print one error line for `command` on stderr and return the exit status."""
    print(f"workbench {command}: error: {message}", file=sys.stderr)
    return status


def _open_for_read(path: Path):
    return open(path, "rb")  # noqa: SIM115 - closed by the caller


def _probe_write(folder: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".workbench-probe.", dir=folder)
    os.close(fd)
    os.unlink(tmp)


def os_error_text(exc: OSError) -> str:
    """What an OSError means for the user, without the errno noise."""
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    return exc.strerror or str(exc)


def check_input(file: str | os.PathLike | None, what: str = "a memory.edn") -> Path:
    """The input file, checked before any work: it exists, is a file, and can be read."""
    path = input_path(None if file is None else str(file))
    if not path.exists():
        raise CliError(f"{path}: no such file; give the path of {what}")
    if path.is_dir():
        raise CliError(f"{path}: is a folder; give the path of {what} file inside it")
    try:
        with _open_for_read(path) as fh:
            fh.read(1)
    except OSError as exc:
        raise CliError(
            f"{path}: cannot read it ({os_error_text(exc)}); check its permissions "
            f"(e.g. chmod u+r) or copy it somewhere readable"
        ) from exc
    return path


SCHEMA_FILE = "an EDN schema map"


def read_schema_file(file: str | os.PathLike):
    """A Datalevin schema map file, checked like FILE (exists, a file, readable) and parsed."""
    from workbench import Schema, edn

    path = check_input(file, SCHEMA_FILE)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(
            f"{path}: not UTF-8 text (invalid byte at offset {exc.start}); give {SCHEMA_FILE}"
        ) from exc
    except OSError as exc:
        raise CliError(f"{path}: cannot read it ({os_error_text(exc)})") from exc
    try:
        return Schema.from_edn(text, source=str(path))
    except ValueError as exc:  # EDN syntax errors too
        if isinstance(exc, edn.EdnSyntaxError):
            why = f"{exc.reason} at line {exc.line}, column {exc.column}"
        else:
            why = " ".join(str(exc).split()).removeprefix(f"{path}: ")
        raise CliError(f"{path}: not a schema map ({why}); give {SCHEMA_FILE}") from exc


def refuse_input(out: str | os.PathLike, inputs: Iterable[str | os.PathLike | None]) -> None:
    """Refuse an output path that is one of the inputs (through .., a symlink or a hard link)."""
    out_path = Path(out)
    for src in inputs:
        if src is None or not out_path.exists():
            continue
        try:
            same = os.path.samefile(out_path, src)
        except OSError:
            continue
        if same:
            raise CliError(
                f"{out_path}: is the input file {src}; the workbench never writes over its "
                f"input: choose another output path"
            )


def check_out_file(out: str | os.PathLike, inputs: Iterable[str | os.PathLike | None]) -> Path:
    """An output file path: not a folder, not the input, its folder created and writable."""
    path = Path(out).expanduser()
    inputs = list(inputs)
    if path.is_dir():
        raise CliError(f"{path}: is a folder; give a file name (e.g. {path / 'schema.edn'})")
    refuse_input(path, inputs)
    _writable_folder(path.parent, path)
    return path


def check_out_dir(out: str | os.PathLike, inputs: Iterable[str | os.PathLike | None]) -> Path:
    """An output folder: created when missing, not an existing file, not the input, writable."""
    path = Path(out).expanduser()
    refuse_input(path, inputs)
    if path.exists() and not path.is_dir():
        raise CliError(f"{path}: is a file, but a folder is needed here; give a folder name")
    _writable_folder(path, path)
    return path


def check_earlier_report(old: str | os.PathLike, out: str | os.PathLike) -> Path:
    """A report folder to compare with: written by `workbench report`, not the one being written."""
    path = Path(old).expanduser()
    if not path.is_dir():
        if path.exists():
            raise CliError(
                f"{path}: is a file, not a report folder; give the folder an earlier "
                f"`workbench report` wrote (the one holding run.json)"
            )
        raise CliError(f"{path}: no such report folder; give the folder an earlier report wrote")
    if not (path / "run.json").is_file():
        raise CliError(f"{path}: has no run.json, so it is not a report folder; give one that is")
    out_path = Path(out).expanduser()
    if out_path.exists() and os.path.samefile(path, out_path):
        raise CliError(
            f"{path}: is also the --out folder, which this run overwrites; copy it aside first "
            f"(cp -r {path} {path}-before) and compare with the copy"
        )
    return path


# folders this run created (outermost first): a failed run removes those still empty
CREATED: list[Path] = []


def remove_empty_created() -> None:
    """Remove the folders this run created that are still empty (innermost first)."""
    for folder in reversed(CREATED):
        try:
            folder.rmdir()  # only succeeds on an empty folder
        except OSError:
            pass
    CREATED.clear()


def _writable_folder(folder: Path, named: Path) -> None:
    missing = []
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise CliError(f"{named}: {parent} is a file, not a folder; choose another path")
            break
        missing.append(parent)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        CREATED.extend(p for p in reversed(missing) if p not in CREATED)
        _probe_write(folder)
    except OSError as exc:
        raise CliError(
            f"{named}: cannot write in {folder} ({os_error_text(exc)}); choose a writable folder"
        ) from exc


def check_outputs(paths: Iterable[str | os.PathLike], inputs: Iterable[str | os.PathLike | None]):
    """Refuse, before anything is written, any derived output file that is an input."""
    inputs = list(inputs)
    for p in paths:
        refuse_input(p, inputs)


def readable_memory(path: Path, what: str, *, map_enough: bool = False):
    """Load FILE (salvaging) and refuse it when no entry is readable: there is nothing to `what`.

    With map_enough, refuse only a document that is not a map at all (binary junk, invalid UTF-8,
    a vector): an empty map, an empty file or a map whose every entry is damaged is accepted."""
    from workbench import load_memory

    try:
        mem = load_memory(path, progress=False)
    except OSError as exc:
        raise CliError(f"{path}: cannot read it ({os_error_text(exc)})") from exc
    fatal = [d for d in mem.diagnostics if d.kind != "empty"]
    not_a_map = any(d.kind == "not-a-map" for d in fatal)
    if not mem.entries and not (map_enough and not not_a_map):
        if fatal:
            d = fatal[0]
            raise CliError(
                f"{path}: no readable entry ({len(fatal)} damage(s), first at {d.line}:{d.column}: "
                f"{d.kind}: {d.reason}); nothing to {what}: run `workbench inspect {path}` to see "
                f"the damage"
            )
        raise CliError(
            f"{path}: no entry (the file holds an empty map or nothing), so there is nothing to "
            f"{what}; give a memory file that has entries"
        )
    return mem


def damage_comment(path: Path, mem, limit: int = 5) -> str:
    """The damage as EDN comment lines to put at the top of an output file ("" when none)."""
    from workbench import damage_kind, edn

    fatal = [d for d in mem.diagnostics if d.kind != "empty"]
    if not fatal:
        return ""
    lines = [
        f";; {path}: {len(fatal)} damage(s): inferred from the {len(mem.entries)} readable "
        f"entries (`workbench inspect {path}` lists them all)"
    ]
    for d in fatal[:limit]:
        key = "" if d.key is None else f" key {edn.printed(d.key)}"
        text = f"{path}:{d.line}:{d.column}: {damage_kind(d)}: {d.reason}{key}"
        lines.append(";;   " + " ".join(text.split()))  # one line each, whatever the reason holds
    return "\n".join(lines) + "\n"


def damage_table(path: Path, mem):
    """One row per damage (file, line, column, kind, damage, reason, text, key): a CSV output."""
    df = mem.diagnostics_frame()
    df = df[df["kind"] != "empty"]
    df.insert(0, "file", str(path))
    return df


def print_damage(path: Path, mem, limit: int = 5) -> int:
    """Print the damage count and the first few damages as `inspect` does (on stderr); the count."""
    from workbench import damage_kind, edn

    fatal = [d for d in mem.diagnostics if d.kind != "empty"]
    if not fatal:
        return 0
    print(
        f"{path}: {len(fatal)} damage(s): working on the {len(mem.entries)} readable entries "
        f"(`workbench inspect {path}` lists them all)",
        file=sys.stderr,
    )
    for d in fatal[:limit]:
        key = "" if d.key is None else f" key {edn.printed(d.key)}"
        print(f"  {path}:{d.line}:{d.column}: {damage_kind(d)}: {d.reason}{key}", file=sys.stderr)
    return len(fatal)
