/* Optional C form of the binary codec's msgpack `default` hook (workbench/codecs.py holds the
 * Python form, which is the reference and the fallback).
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

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_speedups",
    "C form of the binary codec's msgpack hook (optional; workbench.codecs has the Python form).",
    -1, NULL,
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
