/* Optional C fast path of the EDN reader (workbench/edn/reader.py holds the rules).
 *
 * read_one(doc, pos, tag_fn) reads one form the way _Reader.parse(doc, pos, one=True) does and
 * returns (value, start, end). The scanning and building happen here; every decision the Python
 * reader makes with a rule of its own (is this keyword valid? what does this tag, character,
 * big number or octal escape mean?) is asked of the Python reader through the callbacks given
 * to configure(), so the two cannot disagree on a value. On metadata, regex literals, duplicates,
 * unhashable keys, a key with its own namespace inside #:ns{...} (damage the salvaging reader
 * reports), every syntax error, very deep nesting, the end of the text or a closing bracket it
 * returns None, and the Python reader reads the same form from the same position: errors,
 * damage and their positions have one implementation.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define MAX_DEPTH 1000

static PyObject *KW_CACHE;   /* dict: token -> Keyword */
static PyObject *KW_MISS;    /* token -> Keyword, or BAIL when clojure.edn refuses it */
static PyObject *SYM_CACHE;  /* dict: token -> Symbol / None / True / False */
static PyObject *SYM_MISS;   /* token -> Symbol, or BAIL */
static PyObject *NS_CHECK;   /* #:ns token -> namespace str, or BAIL */
static PyObject *NS_KEY;     /* (key, ns) -> the key a #:ns{} map gives it */
static PyObject *NS_CACHE;   /* dict: ns -> dict: key -> namespaced key */
static PyObject *VECTOR_T;
static PyObject *LIST_T;
static PyObject *KEYWORD_T;
static PyObject *SYMBOL_T;
static PyObject *BAIL;
static PyObject *NUM_MISS;   /* number token -> value (N, M, ratios, radix, big), or BAIL */
static PyObject *STR_MISS;   /* string body with octal or surrogate escapes -> str, or BAIL */
static PyObject *CHAR_MISS;  /* character token (after the backslash) -> Char, or BAIL */
static PyObject *NAN_OBJ;    /* the reader's one ##NaN object */

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t len;
    PyObject *doc;
    PyObject *tag_fn; /* (tag token, value, doc, pos) -> value, or BAIL */
    int depth;
} Src;

#define CH(s, i) PyUnicode_READ((s)->kind, (s)->data, (i))

/* A NULL return with no exception set means "not for the fast path". */
#define BAILOUT() return NULL

static const unsigned char ASCII_WS[128] = {
    ['\t'] = 1, ['\n'] = 1, [0x0b] = 1, [0x0c] = 1, ['\r'] = 1, [0x1c] = 1, [0x1d] = 1,
    [0x1e] = 1, [0x1f] = 1, [' '] = 1, [','] = 1,
};
static const unsigned char ASCII_TERM[128] = {
    ['"'] = 1, [';'] = 1, ['^'] = 1, ['('] = 1, [')'] = 1, ['['] = 1, [']'] = 1,
    ['{'] = 1, ['}'] = 1, ['\\'] = 1,
};

/* Java Character.isWhitespace plus ',' (types.WS). */
static inline int is_ws(Py_UCS4 c) {
    if (c < 128) return ASCII_WS[c];
    return c == 0x1680 || (c >= 0x2000 && c <= 0x2006) || (c >= 0x2008 && c <= 0x200a) ||
           c == 0x2028 || c == 0x2029 || c == 0x205f || c == 0x3000;
}

/* A token constituent: neither whitespace nor a terminating macro character. */
static inline int is_tok(Py_UCS4 c) {
    if (c < 128) return !ASCII_WS[c] && !ASCII_TERM[c];
    return !is_ws(c);
}

static inline int is_digit(Py_UCS4 c) { return c >= '0' && c <= '9'; }

/* Skip whitespace, commas and ; comments. */
static Py_ssize_t skip(const Src *s, Py_ssize_t i) {
    while (i < s->len) {
        Py_UCS4 c = CH(s, i);
        if (is_ws(c)) {
            i++;
        } else if (c == ';') {
            while (i < s->len) {
                c = CH(s, i);
                if (c == '\n' || c == '\r') break;
                i++;
            }
        } else {
            break;
        }
    }
    return i;
}

static Py_ssize_t token_end(const Src *s, Py_ssize_t i) {
    while (i < s->len && is_tok(CH(s, i))) i++;
    return i;
}

/* fn(arg) through a Python validator: BAIL becomes "let the Python reader do it". */
static PyObject *checked(PyObject *fn, PyObject *arg) {
    PyObject *v = PyObject_CallOneArg(fn, arg);
    if (v == BAIL) {
        Py_DECREF(v);
        BAILOUT();
    }
    return v;
}

/* Look token up in cache; on a miss ask the Python validator. */
static PyObject *intern_token(const Src *s, Py_ssize_t a, Py_ssize_t b, PyObject *cache,
                              PyObject *miss) {
    PyObject *tok = PyUnicode_Substring(s->doc, a, b);
    if (!tok) return NULL;
    PyObject *v = PyDict_GetItemWithError(cache, tok);
    if (v) {
        Py_DECREF(tok);
        return Py_NewRef(v);
    }
    if (PyErr_Occurred()) {
        Py_DECREF(tok);
        return NULL;
    }
    v = checked(miss, tok);
    Py_DECREF(tok);
    return v;
}

/* checked(fn, doc[a:b]) */
static PyObject *ask(PyObject *fn, const Src *s, Py_ssize_t a, Py_ssize_t b) {
    PyObject *tok = PyUnicode_Substring(s->doc, a, b);
    if (!tok) return NULL;
    PyObject *v = checked(fn, tok);
    Py_DECREF(tok);
    return v;
}

static PyObject *read_form(Src *s, Py_ssize_t *pos);

static PyObject *read_string(Src *s, Py_ssize_t *pos) {
    Py_ssize_t a = *pos + 1, i = a;
    int escaped = 0;
    while (i < s->len) {
        Py_UCS4 c = CH(s, i);
        if (c == '"') break;
        if (c == '\\') {
            escaped = 1;
            i += 2;
            continue;
        }
        i++;
    }
    if (i >= s->len) BAILOUT(); /* unterminated */
    *pos = i + 1;
    if (!escaped) return PyUnicode_Substring(s->doc, a, i);
    Py_ssize_t body_end = i;
    Py_UCS4 *buf = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(i - a));
    if (!buf) return PyErr_NoMemory();
    Py_ssize_t n = 0;
    for (Py_ssize_t j = a; j < i; j++) {
        Py_UCS4 c = CH(s, j);
        if (c >= 0xD800 && c <= 0xDFFF) goto bail; /* surrogates pair up in Python */
        if (c != '\\') {
            buf[n++] = c;
            continue;
        }
        c = CH(s, ++j);
        switch (c) {
            case 't': buf[n++] = '\t'; break;
            case 'r': buf[n++] = '\r'; break;
            case 'n': buf[n++] = '\n'; break;
            case 'b': buf[n++] = '\b'; break;
            case 'f': buf[n++] = '\f'; break;
            case '\\': buf[n++] = '\\'; break;
            case '"': buf[n++] = '"'; break;
            case 'u': {
                if (j + 4 >= i) goto bail;
                Py_UCS4 code = 0;
                for (int k = 1; k <= 4; k++) {
                    Py_UCS4 h = CH(s, j + k);
                    int d;
                    if (h >= '0' && h <= '9') d = (int)(h - '0');
                    else if (h >= 'a' && h <= 'f') d = (int)(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') d = (int)(h - 'A' + 10);
                    else goto bail;
                    code = code * 16 + (Py_UCS4)d;
                }
                if (code >= 0xD800 && code <= 0xDFFF) goto bail;
                buf[n++] = code;
                j += 4;
                break;
            }
            default:
                goto bail; /* octal escapes and errors */
        }
    }
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, n);
    PyMem_Free(buf);
    return out;
bail: /* octal escapes, surrogates, invalid escapes: the Python reader's rules */
    PyMem_Free(buf);
    return ask(STR_MISS, s, a, body_end);
}

static PyObject *read_number(Src *s, Py_ssize_t *pos) {
    PyObject *v;
    Py_ssize_t a = *pos, i = a, e = a;
    while (e < s->len) {
        Py_UCS4 c = CH(s, e);
        if (!is_tok(c) || c == '#') break;
        e++;
    }
    int neg = 0;
    Py_UCS4 c = CH(s, i);
    if (c == '+' || c == '-') {
        neg = c == '-';
        i++;
    }
    Py_ssize_t d0 = i;
    while (i < e && is_digit(CH(s, i))) i++;
    Py_ssize_t nd = i - d0;
    if (nd == 0) BAILOUT();
    if (i == e && (nd > 18 || (nd > 1 && CH(s, d0) == '0'))) goto other; /* big, octal, bad */
    if (i == e) {
        long long n = 0;
        for (Py_ssize_t j = d0; j < e; j++) n = n * 10 + (long long)(CH(s, j) - '0');
        *pos = e;
        return PyLong_FromLongLong(neg ? -n : n);
    }
    /* [-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)? */
    if (CH(s, i) == '.') {
        i++;
        while (i < e && is_digit(CH(s, i))) i++;
    }
    if (i < e && (CH(s, i) == 'e' || CH(s, i) == 'E')) {
        i++;
        if (i < e && (CH(s, i) == '+' || CH(s, i) == '-')) i++;
        Py_ssize_t x0 = i;
        while (i < e && is_digit(CH(s, i))) i++;
        if (i == x0) goto other;
    }
    if (i != e) goto other; /* M, N, ratios, radix, errors */
    PyObject *text = PyUnicode_Substring(s->doc, a, e);
    if (!text) return NULL;
    v = PyFloat_FromString(text);
    Py_DECREF(text);
    *pos = e;
    return v;
other:
    v = ask(NUM_MISS, s, a, e);
    if (v) *pos = e;
    return v;
}

/* Read forms until `closer` into a new list. */
static PyObject *read_items(Src *s, Py_ssize_t *pos, Py_UCS4 closer) {
    PyObject *items = PyList_New(0);
    if (!items) return NULL;
    Py_ssize_t i = *pos;
    for (;;) {
        i = skip(s, i);
        if (i >= s->len) goto fail;
        Py_UCS4 c = CH(s, i);
        if (c == closer) {
            *pos = i + 1;
            return items;
        }
        if (c == ')' || c == ']' || c == '}') goto fail;
        if (c == '#' && i + 1 < s->len && CH(s, i + 1) == '_') { /* #_ form: read, then drop */
            i = skip(s, i + 2);
            if (i >= s->len) goto fail;
            c = CH(s, i);
            if (c == ')' || c == ']' || c == '}') goto fail;
            PyObject *dropped = read_form(s, &i);
            if (!dropped) goto fail;
            Py_DECREF(dropped);
            continue;
        }
        PyObject *v = read_form(s, &i);
        if (!v) goto fail;
        int r = PyList_Append(items, v);
        Py_DECREF(v);
        if (r < 0) goto fail;
    }
fail:
    Py_DECREF(items);
    return NULL;
}

static PyObject *ns_key(PyObject *k, PyObject *ns) {
    PyTypeObject *t = Py_TYPE(k);
    if ((PyObject *)t != KEYWORD_T && (PyObject *)t != SYMBOL_T) return Py_NewRef(k);
    PyObject *table = PyDict_GetItemWithError(NS_CACHE, ns);
    if (!table) {
        if (PyErr_Occurred()) return NULL;
        table = PyDict_New();
        if (!table) return NULL;
        int r = PyDict_SetItem(NS_CACHE, ns, table);
        Py_DECREF(table); /* NS_CACHE holds it */
        if (r < 0) return NULL;
    }
    PyObject *v = PyDict_GetItemWithError(table, k);
    if (v) return Py_NewRef(v);
    if (PyErr_Occurred()) return NULL;
    v = PyObject_CallFunctionObjArgs(NS_KEY, k, ns, NULL);
    if (!v) return NULL;
    if (PyDict_SetItem(table, k, v) < 0) {
        Py_DECREF(v);
        return NULL;
    }
    return v;
}

static PyObject *read_map(Src *s, Py_ssize_t *pos, PyObject *ns) {
    PyObject *items = read_items(s, pos, '}');
    if (!items) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(items);
    PyObject *d = NULL;
    if (n & 1) goto bail;
    d = PyDict_New();
    if (!d) goto fail;
    for (Py_ssize_t j = 0; j < n; j += 2) {
        PyObject *k = PyList_GET_ITEM(items, j);
        if (ns) {
            PyObject *raw = k;
            k = ns_key(raw, ns);
            if (!k) goto fail;
            if (k == raw && ((PyObject *)Py_TYPE(raw) == KEYWORD_T ||
                             (PyObject *)Py_TYPE(raw) == SYMBOL_T)) {
                /* a key with its own namespace keeps it (interned: the same object): the
                 * salvaging Python reader reports it as damage, so it reads this form */
                Py_DECREF(k);
                goto bail;
            }
        } else {
            Py_INCREF(k);
        }
        int r = PyDict_SetItem(d, k, PyList_GET_ITEM(items, j + 1));
        Py_DECREF(k);
        if (r < 0) {
            if (PyErr_ExceptionMatches(PyExc_TypeError)) { /* unhashable key: Python freezes it */
                PyErr_Clear();
                goto bail;
            }
            goto fail;
        }
    }
    if (PyDict_GET_SIZE(d) * 2 != n) goto bail; /* duplicates: Python explains them */
    Py_DECREF(items);
    return d;
bail:
fail:
    Py_XDECREF(d);
    Py_DECREF(items);
    return NULL;
}

static PyObject *read_set(Src *s, Py_ssize_t *pos) {
    PyObject *items = read_items(s, pos, '}');
    if (!items) return NULL;
    PyObject *out = PyFrozenSet_New(items);
    if (!out) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) PyErr_Clear();
    } else if (PySet_GET_SIZE(out) != PyList_GET_SIZE(items)) {
        Py_CLEAR(out);
    }
    Py_DECREF(items);
    return out;
}

static PyObject *read_form(Src *s, Py_ssize_t *pos) {
    Py_ssize_t i = *pos;
    Py_UCS4 c = CH(s, i);
    PyObject *v = NULL;
    if (c == '{' || c == '[' || c == '(' || c == '#') {
        if (s->depth >= MAX_DEPTH) BAILOUT();
        s->depth++;
        if (c == '{') {
            i++;
            v = read_map(s, &i, NULL);
        } else if (c == '[' || c == '(') {
            i++;
            PyObject *items = read_items(s, &i, c == '[' ? ']' : ')');
            if (items) {
                v = PyObject_CallOneArg(c == '[' ? VECTOR_T : LIST_T, items);
                Py_DECREF(items);
            }
        } else if (i + 1 < s->len && CH(s, i + 1) == '{') {
            i += 2;
            v = read_set(s, &i);
        } else if (i + 1 < s->len && CH(s, i + 1) == ':') {
            /* #:[WS]*(TOK+)[WS]*\{ */
            i += 2;
            while (i < s->len && is_ws(CH(s, i))) i++;
            Py_ssize_t a = i;
            i = token_end(s, i);
            Py_ssize_t b = i;
            while (i < s->len && is_ws(CH(s, i))) i++;
            if (b > a && i < s->len && CH(s, i) == '{') {
                PyObject *ns = ask(NS_CHECK, s, a, b);
                if (ns) {
                    i++;
                    v = read_map(s, &i, ns);
                    Py_DECREF(ns);
                }
            }
        } else if (i + 1 < s->len && CH(s, i + 1) == '#') {
            /* ##Inf ##-Inf ##NaN */
            i = skip(s, i + 2);
            Py_ssize_t a = i;
            i = token_end(s, i);
            Py_ssize_t n = i - a;
            if (n == 3 && CH(s, a) == 'I' && CH(s, a + 1) == 'n' && CH(s, a + 2) == 'f')
                v = PyFloat_FromDouble(Py_HUGE_VAL);
            else if (n == 4 && CH(s, a) == '-' && CH(s, a + 1) == 'I' && CH(s, a + 2) == 'n' &&
                     CH(s, a + 3) == 'f')
                v = PyFloat_FromDouble(-Py_HUGE_VAL);
            else if (n == 3 && CH(s, a) == 'N' && CH(s, a + 1) == 'a' && CH(s, a + 2) == 'N')
                v = Py_NewRef(NAN_OBJ);
        } else if (i + 1 < s->len && s->tag_fn != Py_None &&
                   ((CH(s, i + 1) >= 'a' && CH(s, i + 1) <= 'z') ||
                    (CH(s, i + 1) >= 'A' && CH(s, i + 1) <= 'Z'))) {
            /* #tag form: the reader's tag_fn applies the tag (or keeps it as Tagged) */
            Py_ssize_t at = i, a = i + 1;
            i = token_end(s, a);
            Py_ssize_t b = i;
            i = skip(s, i);
            if (i < s->len) {
                Py_UCS4 d = CH(s, i);
                if (d != ')' && d != ']' && d != '}') {
                    PyObject *inner = read_form(s, &i);
                    if (inner) {
                        PyObject *tok = PyUnicode_Substring(s->doc, a, b);
                        if (tok) {
                            PyObject *p = PyLong_FromSsize_t(at);
                            if (p) {
                                v = PyObject_CallFunctionObjArgs(s->tag_fn, tok, inner, s->doc,
                                                                 p, NULL);
                                Py_DECREF(p);
                            }
                            Py_DECREF(tok);
                        }
                        Py_DECREF(inner);
                        if (v == BAIL) Py_CLEAR(v);
                    }
                }
            }
        }
        s->depth--;
        if (v) *pos = i;
        return v;
    }
    if (c == '\\') {
        /* \\[\s\S]{_TOK}*: one character of any kind, then token constituents */
        if (i + 1 >= s->len) BAILOUT();
        Py_ssize_t e = token_end(s, i + 2);
        v = ask(CHAR_MISS, s, i + 1, e);
        if (v) *pos = e;
        return v;
    }
    if (c == '"') return read_string(s, pos);
    if (c == ':') {
        Py_ssize_t e = token_end(s, i + 1);
        v = intern_token(s, i, e, KW_CACHE, KW_MISS);
        if (v) *pos = e;
        return v;
    }
    if (is_digit(c) ||
        ((c == '+' || c == '-') && i + 1 < s->len && is_digit(CH(s, i + 1)))) {
        return read_number(s, pos);
    }
    if (!is_tok(c) || c == '#') BAILOUT(); /* chars, metadata, closers, dispatch */
    Py_ssize_t e = token_end(s, i);
    v = intern_token(s, i, e, SYM_CACHE, SYM_MISS);
    if (v) *pos = e;
    return v;
}

static PyObject *py_read_one(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "read_one(doc: str, pos: int, tag_fn)");
        return NULL;
    }
    if (!KW_CACHE) {
        PyErr_SetString(PyExc_RuntimeError, "_speedups.configure() was not called");
        return NULL;
    }
    if (PyUnicode_READY(args[0]) < 0) return NULL;
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]);
    if (pos == -1 && PyErr_Occurred()) return NULL;
    Src s = {PyUnicode_KIND(args[0]), PyUnicode_DATA(args[0]), PyUnicode_GET_LENGTH(args[0]),
             args[0], args[2], 0};
    if (pos < 0 || pos > s.len) Py_RETURN_NONE;
    Py_ssize_t start = skip(&s, pos);
    if (start >= s.len) Py_RETURN_NONE;
    Py_ssize_t end = start;
    PyObject *v = read_form(&s, &end);
    if (!v) {
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NONE;
    }
    PyObject *out = Py_BuildValue("(Nnn)", v, start, end);
    return out;
}

static PyObject *py_configure(PyObject *self, PyObject *arg) {
    static const char *names[] = {"kw_cache", "kw_miss", "sym_cache", "sym_miss", "ns_check",
                                  "ns_key",   "ns_cache", "Vector",   "List",     "Keyword",
                                  "Symbol",   "bail",     "num_miss", "str_miss", "char_miss",
                                  "nan"};
    PyObject **slots[] = {&KW_CACHE, &KW_MISS,  &SYM_CACHE, &SYM_MISS,  &NS_CHECK, &NS_KEY,
                          &NS_CACHE, &VECTOR_T, &LIST_T,    &KEYWORD_T, &SYMBOL_T, &BAIL,
                          &NUM_MISS, &STR_MISS, &CHAR_MISS, &NAN_OBJ};
    const int n = (int)(sizeof(names) / sizeof(names[0]));
    if (!PyDict_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "configure(dict)");
        return NULL;
    }
    for (int k = 0; k < n; k++) {
        PyObject *v = PyDict_GetItemString(arg, names[k]);
        if (!v) {
            PyErr_Format(PyExc_KeyError, "configure: missing %s", names[k]);
            return NULL;
        }
    }
    if (!PyDict_Check(PyDict_GetItemString(arg, "kw_cache")) ||
        !PyDict_Check(PyDict_GetItemString(arg, "sym_cache")) ||
        !PyDict_Check(PyDict_GetItemString(arg, "ns_cache"))) {
        PyErr_SetString(PyExc_TypeError, "configure: caches must be dicts");
        return NULL;
    }
    for (int k = 0; k < n; k++) Py_XSETREF(*slots[k], Py_NewRef(PyDict_GetItemString(arg, names[k])));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"read_one", (PyCFunction)(void (*)(void))py_read_one, METH_FASTCALL,
     "read_one(doc, pos, tag_fn) -> (value, start, end), or None: the Python reader reads it."},
    {"configure", py_configure, METH_O,
     "configure({name: object}): the reader's caches, validators, types and sentinels."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_speedups",
    "C fast path of workbench.edn's reader (optional; the Python reader is the reference).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
