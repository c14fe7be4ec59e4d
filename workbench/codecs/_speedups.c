/* Optional C forms of the binary codec's msgpack `default` hook and of its body decoder
 * (workbench/codecs/__init__.py holds the Python forms, which are the reference and the fallback).
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

static PyMethodDef methods[] = {
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
