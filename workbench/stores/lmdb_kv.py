"""One LMDB key per memory entry (py-lmdb): printed key -> codec-encoded value.

Durability modes map to LMDB's flags: ``sync`` (fsync data and meta page on every commit),
``nometasync`` (fsync data, meta page lazily: a crash may lose the last commit, never corrupts),
``nosync`` (no fsync: the OS writes when it likes). The map grows by itself: a write that hits
``MapFullError`` doubles the map size and retries its transaction (put_many grows it ahead of a
batch that may not fit, so that a batch is seldom written twice).

Concurrent use: any number of processes (and threads) may open the same folder and read and write
at once; LMDB serialises the writers (one write transaction at a time, across processes) and gives
each reader a consistent snapshot. When another process has grown the map, LMDB refuses the next
transaction with ``MDB_MAP_RESIZED``; every transaction path here then adopts the new size
(``set_mapsize(0)``) and retries, so readers and writers carry on (``map_resizes`` counts it). That
adoption needs no transaction open in this process at that moment: share one store object between
threads only when they do not hold long read transactions of their own. Not supported: a folder on
a network file system (LMDB's lock file needs a local one).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import lmdb

from workbench.codecs import Codec, get_codec
from workbench.edn import gc_paused
from workbench.stores.base import MISSING, Store
from workbench.stores.durability import durability
from workbench.stores.keys import decode_key, encode_key, encode_keys

__all__ = ["LmdbKvStore", "lmdb_flags"]


def lmdb_flags(mode: str) -> dict[str, bool]:
    """lmdb.open() keyword flags for a durability mode (workbench.stores.durability)."""
    return dict(durability(mode).lmdb)


def _about_len(blobs: list[bytes], sample: int = 128) -> int:
    """Total length of `blobs`, measured on at most `sample` of them spread over the list.

    (Reading every length of a 10,000-value batch costs a cache miss each, 0.2 us per entry.)
    """
    step = len(blobs) // sample + 1
    picked = blobs[::step]
    return sum(map(len, picked)) * len(blobs) // max(1, len(picked))


class LmdbEnvironment:
    """What the LMDB stores share: read transactions that survive another process growing the
    map, fsync on flush, sync and close once, size on disk."""

    env: lmdb.Environment
    path: Path
    _closed: bool
    map_resizes: int = 0  # times another process had grown the map and this one adopted it

    def _adopt_map_size(self) -> None:
        """Take the map size another process set (MDB_MAP_RESIZED): set_mapsize(0)."""
        self.env.set_mapsize(0)
        self.map_resizes += 1

    def _read(self, body: Callable[[lmdb.Transaction], Any], buffers: bool = False) -> Any:
        """Run body in one read transaction, retrying after adopting a map grown elsewhere."""
        while True:
            try:
                with self.env.begin(buffers=buffers) as txn:
                    return body(txn)
            except lmdb.MapResizedError:
                self._adopt_map_size()

    def flush(self) -> None:
        """Force an fsync of the environment (meaningful in nosync/nometasync modes)."""
        if not self._closed:
            self.env.sync(True)

    def close(self) -> None:
        """Sync and close the environment."""
        if self._closed:
            return
        try:
            self.env.sync(True)
        except lmdb.Error:
            pass
        self.env.close()
        self._closed = True

    def file_size(self) -> int:
        """Size of data.mdb in bytes (pages used so far)."""
        data = self.path / "data.mdb"
        return data.stat().st_size if data.exists() else 0


class LmdbKvStore(LmdbEnvironment, Store):
    """Key-value store on LMDB with a pluggable value codec."""

    def __init__(
        self,
        path: str | os.PathLike,
        codec: str | Codec = "binary",
        durability: str = "sync",
        map_size: int = 64 << 20,
        batch_size: int = 10_000,
        readonly: bool = False,
    ) -> None:
        """Open (or create) the LMDB environment folder at `path`."""
        super().__init__()
        self.path = Path(path)
        self.codec = get_codec(codec)
        self.durability = durability
        self.batch_size = max(1, int(batch_size))
        self.name = f"lmdb-kv-{self.codec.name}"
        if not readonly:
            self.path.mkdir(parents=True, exist_ok=True)
        self.env = lmdb.open(
            str(self.path),
            map_size=int(map_size),
            subdir=True,
            readonly=readonly,
            max_dbs=2,
            lock=True,
            readahead=False,
            **lmdb_flags(durability),
        )
        self._encode = self.codec.encode
        self._decode = self.codec.decode
        self.map_growths = 0
        self._closed = False

    # ------------------------------------------------------------------------ helpers
    def _grow(self) -> None:
        info = self.env.info()
        self.env.set_mapsize(info["map_size"] * 2)
        self.map_growths += 1

    def _reserve(self, nbytes: int) -> None:
        """Grow the map (by _grow) ahead of a write of about `nbytes` of keys and values.

        Best effort: a B-tree write may need twice its payload (half-full pages after splits,
        copies of the pages it touches) and pages freed by earlier transactions are not counted,
        so this errs on the side of growing (the map is address space; the file grows only as
        pages are used). A map that may not grow (a full disk, see migrate.faults) is left to
        the write, which then fails or fits.
        """
        info = self.env.info()
        need = (info["last_pgno"] + 1) * self.env.stat()["psize"] + 2 * nbytes
        try:
            while info["map_size"] < need:
                self._grow()
                info = self.env.info()
        except lmdb.MapFullError:
            pass

    def _write(self, body: Callable[[lmdb.Transaction], Any]) -> Any:
        """Run body in one write transaction, doubling the map and retrying when it is full
        (adopting the size first when another process has grown it)."""
        while True:
            try:
                with self.env.begin(write=True) as txn:
                    return body(txn)
            except lmdb.MapFullError:
                self._grow()
            except lmdb.MapResizedError:
                self._adopt_map_size()

    # ---------------------------------------------------------------------- interface
    def lookup(self, key: Any) -> Any:
        """Decoded value, or MISSING."""
        kb = encode_key(key)
        try:  # (_read's steps, without a closure per call: this is the hot read)
            with self.env.begin(buffers=True) as txn:
                raw = txn.get(kb)
                return MISSING if raw is None else self._decode(raw)
        except lmdb.MapResizedError:
            self._adopt_map_size()
            return self.lookup(key)

    def get(self, key: Any, default: Any = MISSING) -> Any:
        """Value under `key` (one read transaction, decode inside it)."""
        value = self.lookup(key)
        if value is not MISSING:
            return value
        if default is MISSING:
            raise KeyError(key)
        return default

    def get_raw(self, key: Any) -> bytes | None:
        """Encoded value bytes (no decode), or None when absent."""
        kb = encode_key(key)
        return self._read(lambda txn: txn.get(kb))

    def put(self, key: Any, value: Any) -> None:
        """Store one value in its own (durable per mode) transaction."""
        kb = encode_key(key)
        vb = self._encode(value)
        self._write(lambda txn: txn.put(kb, vb))

    def put_many(self, items: Iterable[tuple[Any, Any]] | dict) -> int:
        """Write in transactions of batch_size entries, in order; return the count.

        Each batch is encoded before its transaction begins (keys and values in one pass each,
        with the cyclic GC paused: encoding builds only acyclic temporaries), so memory holds one
        encoded batch, not the whole input. A value that cannot be encoded raises before its
        batch is written; the batches before it stay written, as with any error between
        transactions. The map is grown ahead of a batch that may not fit (rather than when the
        batch fills it: then the batch is written again).
        """
        pairs = iter(items.items() if isinstance(items, dict) else items)
        step = self.batch_size
        encode_many = self.codec.encode_many
        count = 0
        with gc_paused():
            while chunk := list(islice(pairs, step)):
                kbs = encode_keys([k for k, _ in chunk])
                vbs = encode_many([v for _, v in chunk])
                del chunk
                self._reserve(sum(map(len, kbs)) + _about_len(vbs) + 16 * len(kbs))
                self._write(
                    lambda txn, kbs=kbs, vbs=vbs: txn.cursor().putmulti(zip(kbs, vbs, strict=True))
                )
                count += len(kbs)
        return count

    def delete(self, key: Any) -> bool:
        """Remove `key`; True when it was present."""
        kb = encode_key(key)
        return bool(self._write(lambda txn: txn.delete(kb)))

    def update(self, key: Any, fn: Callable[[Any], Any], default: Any = None) -> Any:
        """Read, apply fn, write back: all inside one write transaction (atomic)."""
        kb = encode_key(key)

        def body(txn: lmdb.Transaction) -> Any:
            raw = txn.get(kb)
            new = fn(default if raw is None else self._decode(raw))
            txn.put(kb, self._encode(new))
            return new

        return self._write(body)

    def items(self) -> Iterator[tuple[Any, Any]]:
        """All (key, value) pairs in key order, read in one transaction."""
        decode = self._decode
        rows = self._read(
            lambda txn: [(decode_key(k), decode(v)) for k, v in txn.cursor()], buffers=True
        )
        return iter(rows)

    def keys(self) -> Iterator[Any]:
        """All keys in key order."""
        rows = self._read(
            lambda txn: [decode_key(k) for k in txn.cursor().iternext(keys=True, values=False)]
        )
        return iter(rows)

    def search(self, text: str) -> list[tuple[Any, Any]]:
        """Case-insensitive substring search; EDN-coded values are searched as stored text."""
        from workbench.edn import printed
        from workbench.memory.queries import matches

        needle = text.lower()

        def body(txn: lmdb.Transaction) -> list[tuple[Any, Any]]:
            hits = []
            for kb, vb in txn.cursor():
                key = decode_key(kb)
                if self.codec.name == "edn":
                    if (
                        needle in printed(key).lower()
                        or needle in bytes(vb).decode("utf-8").lower()
                    ):
                        hits.append((key, self._decode(vb)))
                    continue
                value = self._decode(vb)
                if matches(needle, key, value):
                    hits.append((key, value))
            return hits

        hits = self._read(body, buffers=True)
        hits.sort(key=lambda kv: printed(kv[0]))
        return hits

    def __contains__(self, key: Any) -> bool:
        kb = encode_key(key)
        return self._read(lambda txn: txn.get(kb) is not None)

    def __len__(self) -> int:
        return int(self.env.stat()["entries"])

    def clear(self) -> None:
        """Remove every key (one transaction)."""

        def body(txn: lmdb.Transaction) -> None:
            txn.drop(self.env.open_db(txn=txn), delete=False)

        self._write(body)

    def stats(self) -> dict[str, Any]:
        """LMDB stat + info (entries, depth, pages, map size, growths)."""
        out = dict(self.env.stat())
        out.update(self.env.info())
        out["map_growths"] = self.map_growths
        return out
