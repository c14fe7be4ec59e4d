/* Optional C forms of the binary codec's msgpack `default` hook and of its body decoder
 * (workbench/codecs/__init__.py holds the Python forms, which are the reference and the fallback).
 * One file past the usual 600 lines on purpose: the encoder and the decoder are the two halves of
 * one byte layout, kept side by side.
 *
 * msgpack calls the hook for every keyword of a value (about 30 in a 1 KB memory value); as a
 * Python closure each call costs more than packing the rest of the value. KeywordHook does the
 * same steps in C: a keyword gets its code from the per-value numbering dict (or the next code,
 * or the overflow form past the last code), a vector becomes a list, a frozenset the set marker
 * list, and anything else goes to the Python `other` function.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

typedef struct {
    PyObject_HEAD
    PyObject *codes;    /* dict: keyword -> its extension, in order of first use */
    PyObject *exts;     /* tuple of the keyword code extensions */
    PyObject *overflow; /* the overflow keyword marker extension */
    PyObject *set_ext;  /* the set marker extension */
    PyObject *kw_type;
    PyObject *vec_type;
    PyObject *other;    /* Python: every other type */
    vectorcallfunc vectorcall;
} KeywordHook;

static PyObject *hook_call(KeywordHook *self, PyObject *obj) {
    PyTypeObject *t = Py_TYPE(obj);
    if ((PyObject *)t == self->kw_type) {
        PyObject *ext = PyDict_GetItemWithError(self->codes, obj);
        if (ext) return Py_NewRef(ext);
        if (PyErr_Occurred()) return NULL;
        Py_ssize_t n = PyDict_GET_SIZE(self->codes);
        if (n < PyTuple_GET_SIZE(self->exts)) {
            ext = PyTuple_GET_ITEM(self->exts, n);
            if (PyDict_SetItem(self->codes, obj, ext) < 0) return NULL;
            return Py_NewRef(ext);
        }
        PyObject *ns = PyObject_GetAttrString(obj, "namespace");
        if (!ns) return NULL;
        PyObject *name = PyObject_GetAttrString(obj, "name");
        if (!name) {
            Py_DECREF(ns);
            return NULL;
        }
        PyObject *out = PyList_New(3);
        if (!out) {
            Py_DECREF(ns);
            Py_DECREF(name);
            return NULL;
        }
        PyList_SET_ITEM(out, 0, Py_NewRef(self->overflow));
        PyList_SET_ITEM(out, 1, ns);
        PyList_SET_ITEM(out, 2, name);
        return out;
    }
    if ((PyObject *)t == self->vec_type) return PySequence_List(obj);
    if (t == &PyFrozenSet_Type) {
        PyObject *out = PyList_New(1);
        if (!out) return NULL;
        PyList_SET_ITEM(out, 0, Py_NewRef(self->set_ext));
        PyObject *it = PyObject_GetIter(obj);
        if (!it) {
            Py_DECREF(out);
            return NULL;
        }
        PyObject *x;
        while ((x = PyIter_Next(it))) {
            int r = PyList_Append(out, x);
            Py_DECREF(x);
            if (r < 0) break;
        }
        Py_DECREF(it);
        if (PyErr_Occurred()) {
            Py_DECREF(out);
            return NULL;
        }
        return out;
    }
    return PyObject_CallOneArg(self->other, obj);
}

static PyObject *hook_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf,
                                 PyObject *kwnames) {
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (n != 1 || (kwnames && PyTuple_GET_SIZE(kwnames))) {
        PyErr_SetString(PyExc_TypeError, "KeywordHook takes one argument");
        return NULL;
    }
    return hook_call((KeywordHook *)callable, args[0]);
}

static int hook_init(KeywordHook *self, PyObject *args, PyObject *kwds) {
    PyObject *codes, *exts, *overflow, *set_ext, *kw_type, *vec_type, *other;
    if (!PyArg_ParseTuple(args, "O!O!OOOOO:KeywordHook", &PyDict_Type, &codes, &PyTuple_Type,
                          &exts, &overflow, &set_ext, &kw_type, &vec_type, &other))
        return -1;
    Py_XSETREF(self->codes, Py_NewRef(codes));
    Py_XSETREF(self->exts, Py_NewRef(exts));
    Py_XSETREF(self->overflow, Py_NewRef(overflow));
    Py_XSETREF(self->set_ext, Py_NewRef(set_ext));
    Py_XSETREF(self->kw_type, Py_NewRef(kw_type));
    Py_XSETREF(self->vec_type, Py_NewRef(vec_type));
    Py_XSETREF(self->other, Py_NewRef(other));
    self->vectorcall = hook_vectorcall;
    return 0;
}

static int hook_traverse(KeywordHook *self, visitproc visit, void *arg) {
    Py_VISIT(self->codes);
    Py_VISIT(self->exts);
    Py_VISIT(self->overflow);
    Py_VISIT(self->set_ext);
    Py_VISIT(self->kw_type);
    Py_VISIT(self->vec_type);
    Py_VISIT(self->other);
    return 0;
}

static int hook_clear(KeywordHook *self) {
    Py_CLEAR(self->codes);
    Py_CLEAR(self->exts);
    Py_CLEAR(self->overflow);
    Py_CLEAR(self->set_ext);
    Py_CLEAR(self->kw_type);
    Py_CLEAR(self->vec_type);
    Py_CLEAR(self->other);
    return 0;
}

static void hook_dealloc(KeywordHook *self) {
    PyObject_GC_UnTrack(self);
    hook_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *hook_tp_call(PyObject *self, PyObject *args, PyObject *kwds) {
    if (PyTuple_GET_SIZE(args) != 1 || (kwds && PyDict_GET_SIZE(kwds))) {
        PyErr_SetString(PyExc_TypeError, "KeywordHook takes one argument");
        return NULL;
    }
    return hook_call((KeywordHook *)self, PyTuple_GET_ITEM(args, 0));
}

static PyMemberDef hook_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(KeywordHook, vectorcall), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject KeywordHookType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "workbench.codecs._speedups.KeywordHook",
    .tp_basicsize = sizeof(KeywordHook),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "KeywordHook(codes, exts, overflow_ext, set_ext, Keyword, Vector, other): "
              "the binary codec's msgpack default hook in C.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)hook_init,
    .tp_dealloc = (destructor)hook_dealloc,
    .tp_traverse = (traverseproc)hook_traverse,
    .tp_clear = (inquiry)hook_clear,
    .tp_call = hook_tp_call,
    .tp_vectorcall_offset = offsetof(KeywordHook, vectorcall),
    .tp_members = hook_members,
};

/* ------------------------------------------------------------------------------ decoding
 *
 * decode_body(data, offset, table, Marker, Vector) decodes the msgpack body of a binary value
 * from `offset` to the end of `data` exactly as workbench/codecs/__init__.py's Python path does
 * (msgpack.unpackb with ext_hook=table.get, list_hook, use_list=False, strict_map_key=False,
 * raw=False): an array whose first item is a Marker becomes marker.build(tuple), every other
 * array an edn.Vector, maps dicts, ext codes the table's keyword or marker. Anything it does not
 * handle the same way (a malformed or truncated body, trailing bytes, an ext code missing from the
 * table, nesting past MAX_DEPTH, any error) returns NotImplemented, and the caller decodes with
 * the Python path, which gives the value or raises its own error: one behaviour, two speeds.
 */

#define MAX_DEPTH 512

typedef struct {
    const unsigned char *p, *end;
    PyObject *table, *marker_type;
    PyTypeObject *vec_type;
    int depth;
} Dec;

static int need(Dec *d, Py_ssize_t n) { return d->end - d->p >= n; }

static uint64_t be(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

static PyObject *dec_obj(Dec *d);

static PyObject *dec_array(Dec *d, Py_ssize_t n) {
    if (n == 0) return d->vec_type->tp_alloc(d->vec_type, 0);
    if (++d->depth > MAX_DEPTH) return NULL;
    PyObject *first = dec_obj(d);
    if (!first) return NULL;
    PyObject *out;
    int marked = (PyObject *)Py_TYPE(first) == d->marker_type;
    out = marked ? PyTuple_New(n) : d->vec_type->tp_alloc(d->vec_type, n);
    if (!out) {
        Py_DECREF(first);
        return NULL;
    }
    PyTuple_SET_ITEM(out, 0, first);
    for (Py_ssize_t i = 1; i < n; i++) {
        PyObject *x = dec_obj(d);
        if (!x) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, i, x);
    }
    d->depth--;
    if (!marked) return out;
    PyObject *build = PyObject_GetAttrString(first, "build");
    if (!build) {
        Py_DECREF(out);
        return NULL;
    }
    PyObject *value = PyObject_CallOneArg(build, out);
    Py_DECREF(build);
    Py_DECREF(out);
    return value;
}

static PyObject *dec_map(Dec *d, Py_ssize_t n) {
    if (++d->depth > MAX_DEPTH) return NULL;
    PyObject *out = _PyDict_NewPresized(n);
    if (!out) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *k = dec_obj(d);
        if (!k) goto fail;
        PyObject *v = dec_obj(d);
        if (!v) {
            Py_DECREF(k);
            goto fail;
        }
        int r = PyDict_SetItem(out, k, v);
        Py_DECREF(k);
        Py_DECREF(v);
        if (r < 0) goto fail;
    }
    d->depth--;
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

static PyObject *dec_ext(Dec *d, Py_ssize_t n) {
    if (!need(d, 1 + n)) return NULL;
    signed char code = (signed char)d->p[0];
    d->p += 1 + n;
    PyObject *key = PyLong_FromLong(code);
    if (!key) return NULL;
    PyObject *v = PyDict_GetItemWithError(d->table, key);
    Py_DECREF(key);
    return v ? Py_NewRef(v) : NULL; /* missing: table.get would hand back the data (fallback) */
}

static PyObject *dec_str(Dec *d, Py_ssize_t n) {
    if (!need(d, n)) return NULL;
    PyObject *s = PyUnicode_DecodeUTF8((const char *)d->p, n, NULL);
    d->p += n;
    return s;
}

static PyObject *dec_bin(Dec *d, Py_ssize_t n) {
    if (!need(d, n)) return NULL;
    PyObject *b = PyBytes_FromStringAndSize((const char *)d->p, n);
    d->p += n;
    return b;
}

/* length of 1, 2 or 4 bytes after the type byte, or -1 when truncated */
static Py_ssize_t dec_len(Dec *d, int size) {
    if (!need(d, size)) return -1;
    Py_ssize_t n = (Py_ssize_t)be(d->p, size);
    d->p += size;
    return n;
}

static PyObject *dec_obj(Dec *d) {
    if (!need(d, 1)) return NULL;
    unsigned char c = *d->p++;
    if (c <= 0x7f) return PyLong_FromLong(c);
    if (c >= 0xe0) return PyLong_FromLong((signed char)c);
    if (c <= 0x8f) return dec_map(d, c & 0x0f);
    if (c <= 0x9f) return dec_array(d, c & 0x0f);
    if (c <= 0xbf) return dec_str(d, c & 0x1f);
    Py_ssize_t n;
    switch (c) {
    case 0xc0: Py_RETURN_NONE;
    case 0xc2: Py_RETURN_FALSE;
    case 0xc3: Py_RETURN_TRUE;
    case 0xc4: case 0xc5: case 0xc6:
        n = dec_len(d, 1 << (c - 0xc4));
        return n < 0 ? NULL : dec_bin(d, n);
    case 0xc7: case 0xc8: case 0xc9:
        n = dec_len(d, 1 << (c - 0xc7));
        return n < 0 ? NULL : dec_ext(d, n);
    case 0xca: {
        if (!need(d, 4)) return NULL;
        uint32_t u = (uint32_t)be(d->p, 4);
        float f;
        memcpy(&f, &u, 4);
        d->p += 4;
        return PyFloat_FromDouble((double)f);
    }
    case 0xcb: {
        if (!need(d, 8)) return NULL;
        uint64_t u = be(d->p, 8);
        double f;
        memcpy(&f, &u, 8);
        d->p += 8;
        return PyFloat_FromDouble(f);
    }
    case 0xcc: case 0xcd: case 0xce: case 0xcf: {
        int size = 1 << (c - 0xcc);
        if (!need(d, size)) return NULL;
        uint64_t u = be(d->p, size);
        d->p += size;
        return PyLong_FromUnsignedLongLong(u);
    }
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        int size = 1 << (c - 0xd0);
        if (!need(d, size)) return NULL;
        uint64_t u = be(d->p, size);
        d->p += size;
        int64_t v = size == 1 ? (int8_t)u : size == 2 ? (int16_t)u : size == 4 ? (int32_t)u : (int64_t)u;
        return PyLong_FromLongLong(v);
    }
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
        return dec_ext(d, 1 << (c - 0xd4));
    case 0xd9: case 0xda: case 0xdb:
        n = dec_len(d, 1 << (c - 0xd9));
        return n < 0 ? NULL : dec_str(d, n);
    case 0xdc: case 0xdd:
        n = dec_len(d, 2 << (c - 0xdc));
        return n < 0 ? NULL : dec_array(d, n);
    case 0xde: case 0xdf:
        n = dec_len(d, 2 << (c - 0xde));
        return n < 0 ? NULL : dec_map(d, n);
    default: /* 0xc1: never used */
        return NULL;
    }
}

static PyObject *decode_body(PyObject *module, PyObject *args) {
    Py_buffer buf;
    Py_ssize_t offset;
    PyObject *table, *marker_type, *vec_type;
    if (!PyArg_ParseTuple(args, "y*nO!OO!:decode_body", &buf, &offset, &PyDict_Type, &table,
                          &marker_type, &PyType_Type, &vec_type))
        return NULL;
    if (offset < 0 || offset > buf.len || !PyType_IsSubtype((PyTypeObject *)vec_type, &PyTuple_Type)) {
        PyBuffer_Release(&buf);
        PyErr_SetString(PyExc_ValueError, "decode_body: bad offset or Vector type");
        return NULL;
    }
    Dec d = {(const unsigned char *)buf.buf + offset, (const unsigned char *)buf.buf + buf.len,
             table, marker_type, (PyTypeObject *)vec_type, 0};
    PyObject *value = dec_obj(&d);
    if (value && d.p != d.end) Py_CLEAR(value); /* trailing bytes: msgpack's ExtraData */
    PyBuffer_Release(&buf);
    if (!value) {
        PyErr_Clear();
        Py_RETURN_NOTIMPLEMENTED;
    }
    return value;
}

/* ------------------------------------------------------------------------------ encoding
 *
 * encode_body(value, Keyword, Vector, ExtType, other) -> (body, keywords) writes the bytes the
 * Python path's msgpack.Packer(default=hook, strict_types=True, use_bin_type=True) writes for
 * `value`, numbering keywords in the same order of first use (`keywords`: the tuple the header
 * lists), with no Python call per keyword: None, bools, 64-bit ints, floats, str, bytes, dicts,
 * lists, ExtTypes natively; a keyword as its code (or the overflow array past the last code); a
 * Vector as an array, a frozenset as the set-marker array; any other object through `other`, whose
 * result is packed as msgpack packs a `default` result. Anything it cannot write the same way (an
 * int past 64 bits, text that is not UTF-8, nesting past MAX_DEPTH, any error) returns
 * NotImplemented: the caller then encodes with the Python path, which writes or refuses it.
 */

#define MAX_ENC_DEPTH 256 /* well inside msgpack's own limit (511), so never past it */
#define FIRST_KW_CODE 16
#define LAST_KW_CODE 127
#define OVERFLOW_CODE 1
#define SET_CODE 5

typedef struct {
    char *buf;
    Py_ssize_t len, cap;
    PyObject *kws[LAST_KW_CODE - FIRST_KW_CODE + 1]; /* numbered keywords, in order of first use */
    Py_ssize_t nkws;
    PyObject *kw_type, *vec_type, *ext_type, *other;
    int depth;
} Enc;

static int put(Enc *e, const void *p, Py_ssize_t n) {
    if (e->len + n > e->cap) {
        Py_ssize_t cap = e->cap * 2;
        while (cap < e->len + n) cap *= 2;
        char *b = PyMem_Realloc(e->buf, cap);
        if (!b) {
            PyErr_NoMemory();
            return -1;
        }
        e->buf = b;
        e->cap = cap;
    }
    memcpy(e->buf + e->len, p, n);
    e->len += n;
    return 0;
}

static int put_be(Enc *e, unsigned char head, uint64_t v, int size) {
    unsigned char b[9];
    b[0] = head;
    for (int i = 0; i < size; i++) b[1 + i] = (unsigned char)(v >> (8 * (size - 1 - i)));
    return put(e, b, 1 + size);
}

/* a length-headed item: fix form below fix_limit (fix_base | n), else the 8/16/32-bit forms
 * head8 (when head8 >= 0), head8+1, head8+2 */
static int put_len(Enc *e, Py_ssize_t n, int fix_base, Py_ssize_t fix_limit, int head8, int head16) {
    if (n < fix_limit) {
        unsigned char b = (unsigned char)(fix_base | n);
        return put(e, &b, 1);
    }
    if (head8 >= 0 && n < 256) return put_be(e, (unsigned char)head8, (uint64_t)n, 1);
    if (n < 65536) return put_be(e, (unsigned char)head16, (uint64_t)n, 2);
    if ((uint64_t)n > 0xffffffffULL) return -1;
    return put_be(e, (unsigned char)(head16 + 1), (uint64_t)n, 4);
}

static int put_ext(Enc *e, int code, const char *data, Py_ssize_t n) {
    unsigned char b[3];
    int r;
    switch (n) {
    case 1: b[0] = 0xd4; break;
    case 2: b[0] = 0xd5; break;
    case 4: b[0] = 0xd6; break;
    case 8: b[0] = 0xd7; break;
    case 16: b[0] = 0xd8; break;
    default: b[0] = 0;
    }
    if (b[0]) {
        b[1] = (unsigned char)code;
        r = put(e, b, 2);
    } else if (n < 256) {
        b[0] = 0xc7, b[1] = (unsigned char)n, b[2] = (unsigned char)code;
        r = put(e, b, 3);
    } else {
        r = n < 65536 ? put_be(e, 0xc8, (uint64_t)n, 2) : put_be(e, 0xc9, (uint64_t)n, 4);
        unsigned char c = (unsigned char)code;
        if (r == 0) r = put(e, &c, 1);
    }
    return r < 0 ? -1 : put(e, data, n);
}

static int enc_obj(Enc *e, PyObject *o, int from_default);

/* msgpack's `default`: the result is packed at the same nesting, and must be a native type */
static int enc_default(Enc *e, PyObject *o) {
    PyObject *res = PyObject_CallOneArg(e->other, o);
    if (!res) return -1;
    int r = enc_obj(e, res, 1);
    Py_DECREF(res);
    return r;
}

static int enc_items(Enc *e, PyObject *const *items, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++)
        if (enc_obj(e, items[i], 0) < 0) return -1;
    return 0;
}

static int enc_keyword(Enc *e, PyObject *o) {
    /* keywords are interned and equal only to themselves (edn.Keyword), so a scan by identity
     * numbers them as the Python path's dict does */
    Py_ssize_t i = 0;
    while (i < e->nkws && e->kws[i] != o) i++;
    if (i == e->nkws && i <= LAST_KW_CODE - FIRST_KW_CODE) e->kws[e->nkws++] = Py_NewRef(o);
    if (i <= LAST_KW_CODE - FIRST_KW_CODE) {
        unsigned char b[3] = {0xc7, 0, (unsigned char)(FIRST_KW_CODE + i)};
        return put(e, b, 3);
    }
    /* past the last code: [<keyword marker>, ns, name] */
    unsigned char b[4] = {0x93, 0xc7, 0, OVERFLOW_CODE};
    if (put(e, b, 4) < 0) return -1;
    PyObject *ns = PyObject_GetAttrString(o, "namespace");
    if (!ns) return -1;
    int r = enc_obj(e, ns, 0);
    Py_DECREF(ns);
    if (r < 0) return -1;
    PyObject *name = PyObject_GetAttrString(o, "name");
    if (!name) return -1;
    r = enc_obj(e, name, 0);
    Py_DECREF(name);
    return r;
}

static int enc_obj(Enc *e, PyObject *o, int from_default) {
    PyTypeObject *t = Py_TYPE(o);
    if (o == Py_None) return put(e, "\xc0", 1);
    if (o == Py_True) return put(e, "\xc3", 1);
    if (o == Py_False) return put(e, "\xc2", 1);
    if (t == &PyLong_Type) {
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow > 0) {
            unsigned long long u = PyLong_AsUnsignedLongLong(o);
            if (!(u == (unsigned long long)-1 && PyErr_Occurred())) return put_be(e, 0xcf, u, 8);
            PyErr_Clear();
        }
        if (overflow) { /* past 64 bits: msgpack hands it to `default` (once) */
            if (from_default) return -1;
            return enc_default(e, o);
        }
        if (v == -1 && PyErr_Occurred()) return -1;
        if (v >= 0) {
            if (v < 128) {
                unsigned char b = (unsigned char)v;
                return put(e, &b, 1);
            }
            if (v < 256) return put_be(e, 0xcc, (uint64_t)v, 1);
            if (v < 65536) return put_be(e, 0xcd, (uint64_t)v, 2);
            if (v < 4294967296LL) return put_be(e, 0xce, (uint64_t)v, 4);
            return put_be(e, 0xcf, (uint64_t)v, 8);
        }
        if (v >= -32) {
            unsigned char b = (unsigned char)(signed char)v;
            return put(e, &b, 1);
        }
        if (v >= -128) return put_be(e, 0xd0, (uint64_t)v, 1);
        if (v >= -32768) return put_be(e, 0xd1, (uint64_t)v, 2);
        if (v >= -2147483648LL) return put_be(e, 0xd2, (uint64_t)v, 4);
        return put_be(e, 0xd3, (uint64_t)v, 8);
    }
    if (t == &PyFloat_Type) {
        double d = PyFloat_AS_DOUBLE(o);
        uint64_t u;
        memcpy(&u, &d, 8);
        return put_be(e, 0xcb, u, 8);
    }
    if (t == &PyUnicode_Type) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(o, &n);
        if (!s) return -1;
        if (put_len(e, n, 0xa0, 32, 0xd9, 0xda) < 0) return -1;
        return put(e, s, n);
    }
    if (t == &PyBytes_Type) {
        Py_ssize_t n = PyBytes_GET_SIZE(o);
        if (put_len(e, n, 0, 0, 0xc4, 0xc5) < 0) return -1;
        return put(e, PyBytes_AS_STRING(o), n);
    }
    if ((PyObject *)t == e->kw_type && !from_default) return enc_keyword(e, o);
    if (++e->depth > MAX_ENC_DEPTH) return -1;
    int r;
    if (t == &PyDict_Type) {
        Py_ssize_t n = PyDict_GET_SIZE(o), pos = 0, seen = 0;
        PyObject *k, *v;
        if (put_len(e, n, 0x80, 16, -1, 0xde) < 0) return -1;
        r = 0;
        while (PyDict_Next(o, &pos, &k, &v)) {
            Py_INCREF(k);
            Py_INCREF(v);
            r = enc_obj(e, k, 0);
            if (r == 0) r = enc_obj(e, v, 0);
            Py_DECREF(k);
            Py_DECREF(v);
            if (r < 0) break;
            seen++;
        }
        if (r == 0 && seen != n) r = -1; /* the dict changed size */
    } else if (t == &PyList_Type) {
        Py_ssize_t n = PyList_GET_SIZE(o);
        r = put_len(e, n, 0x90, 16, -1, 0xdc);
        for (Py_ssize_t i = 0; r == 0 && i < PyList_GET_SIZE(o); i++) {
            PyObject *x = Py_NewRef(PyList_GET_ITEM(o, i));
            r = enc_obj(e, x, 0);
            Py_DECREF(x);
        }
    } else if ((PyObject *)t == e->ext_type && PyTuple_GET_SIZE(o) == 2) {
        PyObject *code = PyTuple_GET_ITEM(o, 0), *data = PyTuple_GET_ITEM(o, 1);
        long c = PyLong_Check(code) ? PyLong_AsLong(code) : 1000;
        if (c < -128 || c > 127 || !PyBytes_CheckExact(data)) r = -1;
        else r = put_ext(e, (int)c, PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data));
    } else if (from_default) {
        r = -1; /* msgpack refuses a default result it cannot pack: the Python path raises */
    } else if ((PyObject *)t == e->vec_type) {
        Py_ssize_t n = PyTuple_GET_SIZE(o);
        r = put_len(e, n, 0x90, 16, -1, 0xdc);
        if (r == 0) r = enc_items(e, &PyTuple_GET_ITEM(o, 0), n);
    } else if (t == &PyFrozenSet_Type) {
        Py_ssize_t n = PySet_GET_SIZE(o), pos = 0;
        PyObject *x;
        Py_hash_t h;
        unsigned char b[3] = {0xc7, 0, SET_CODE};
        r = put_len(e, n + 1, 0x90, 16, -1, 0xdc);
        if (r == 0) r = put(e, b, 3);
        while (r == 0 && _PySet_NextEntry(o, &pos, &x, &h)) {
            Py_INCREF(x);
            r = enc_obj(e, x, 0);
            Py_DECREF(x);
        }
    } else {
        e->depth--;
        return enc_default(e, o);
    }
    e->depth--;
    return r;
}

static PyObject *encode_body(PyObject *module, PyObject *args) {
    Enc e = {0};
    PyObject *value;
    if (!PyArg_ParseTuple(args, "OOOOO:encode_body", &value, &e.kw_type, &e.vec_type,
                          &e.ext_type, &e.other))
        return NULL;
    e.cap = 1024;
    e.buf = PyMem_Malloc(e.cap);
    if (!e.buf) return PyErr_NoMemory();
    PyObject *out = NULL;
    if (enc_obj(&e, value, 0) == 0) {
        PyObject *body = PyBytes_FromStringAndSize(e.buf, e.len);
        PyObject *kws = body ? PyTuple_New(e.nkws) : NULL;
        if (kws) {
            for (Py_ssize_t i = 0; i < e.nkws; i++) PyTuple_SET_ITEM(kws, i, Py_NewRef(e.kws[i]));
            out = PyTuple_Pack(2, body, kws);
        }
        Py_XDECREF(body);
        Py_XDECREF(kws);
    }
    PyMem_Free(e.buf);
    for (Py_ssize_t i = 0; i < e.nkws; i++) Py_DECREF(e.kws[i]);
    if (!out) {
        PyErr_Clear();
        Py_RETURN_NOTIMPLEMENTED;
    }
    return out;
}

/* decode(data, tables, make_table, Marker, Vector): a whole binary value, header included (the
 * header's table from the `tables` cache, or make_table(header) on a miss), or NotImplemented as
 * decode_body gives it (and for a value too short for its header). */
static PyObject *decode_value(PyObject *module, PyObject *args) {
    Py_buffer buf;
    PyObject *tables, *make_table, *marker_type, *vec_type;
    if (!PyArg_ParseTuple(args, "y*O!OOO!:decode", &buf, &PyDict_Type, &tables, &make_table,
                          &marker_type, &PyType_Type, &vec_type))
        return NULL;
    const unsigned char *p = buf.buf;
    if (buf.len < 4 || !PyType_IsSubtype((PyTypeObject *)vec_type, &PyTuple_Type)) goto fallback;
    Py_ssize_t end = 4 + (Py_ssize_t)be(p, 4);
    if (end > buf.len) goto fallback;
    PyObject *head = PyBytes_FromStringAndSize((const char *)p + 4, end - 4);
    if (!head) goto fallback;
    PyObject *table = PyDict_GetItemWithError(tables, head);
    if (table) {
        Py_INCREF(table);
    } else if (!PyErr_Occurred()) {
        table = PyObject_CallOneArg(make_table, head);
    }
    Py_DECREF(head);
    if (!table) goto fallback;
    if (!PyDict_CheckExact(table)) {
        Py_DECREF(table);
        goto fallback;
    }
    Dec d = {p + end, p + buf.len, table, marker_type, (PyTypeObject *)vec_type, 0};
    PyObject *value = dec_obj(&d);
    if (value && d.p != d.end) Py_CLEAR(value);
    Py_DECREF(table);
    PyBuffer_Release(&buf);
    if (!value) {
        PyErr_Clear();
        Py_RETURN_NOTIMPLEMENTED;
    }
    return value;
fallback:
    PyBuffer_Release(&buf);
    PyErr_Clear();
    Py_RETURN_NOTIMPLEMENTED;
}


static PyMethodDef methods[] = {
    {"decode", decode_value, METH_VARARGS,
     "decode(data, tables, make_table, Marker, Vector): a binary value decoded in C, header "
     "included, or NotImplemented (then decode with the Python path)."},
    {"encode_body", encode_body, METH_VARARGS,
     "encode_body(value, Keyword, Vector, ExtType, other): (body, keywords) of the binary codec "
     "written in C, or NotImplemented (then encode with the Python path)."},
    {"decode_body", decode_body, METH_VARARGS,
     "decode_body(data, offset, table, Marker, Vector): the binary codec's body decoded in C, "
     "or NotImplemented (then decode with the Python path)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_speedups",
    "C forms of the binary codec's msgpack hook and body decoder (optional; workbench.codecs has "
    "the Python forms).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__speedups(void) {
    if (PyType_Ready(&KeywordHookType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "KeywordHook", (PyObject *)&KeywordHookType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
