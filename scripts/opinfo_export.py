#!/usr/bin/python3
"""Export PyTorch's OpInfo samples as dispatcher-level call traces.

Usage:
    /usr/bin/python3 scripts/opinfo_export.py OUT.jsonl [--only NAME,NAME]
        [--max-samples N] [--max-numel N] [--replays N]

(/usr/bin/python3: Debian's python3-torch 1.13, the libtorch torchgo links;
started by a python3 without torch, the script runs itself again with
$TORCHGO_PYTHON or /usr/bin/python3. It also runs itself again with
PYTHONHASHSEED=0, so that two exports give the same samples. OUT.jsonl "-"
writes to stdout.) The full export takes about 10 s on two
cores and writes about 37 MB.

For every OpInfo in torch.testing._internal.common_methods_invocations.op_db
(PyTorch 1.13: 621 of them) and every dtype of float32, float64, int64 and
bool that the OpInfo supports on the CPU, up to --max-samples (default 6)
CPU samples are run as op(sample.input, *sample.args, **sample.kwargs) under
a TorchDispatchMode that records each aten operator call reaching the
dispatcher's Python key. That key sits below autograd, so composite
(CompositeImplicitAutograd) ops show up decomposed: the recorded calls are
what a replayer must run itself, as boxed calls by schema name and overload,
with autograd on, to get the same outputs and, from backward through those
calls, the same gradients. Calls made while a recorded call executes are
not recorded (the mode is off inside __torch_dispatch__).

torch.manual_seed(0) is called right before each sample's op runs, so a
replayer that seeds its default CPU generator with 0 and then makes the
recorded calls in order consumes random numbers the same way.

Some OpInfos (wrapper_set_seed) seed and restore the generator from Python,
which no dispatcher call shows; those appear as pseudo-calls (see CALL).

--only takes OpInfo names (op.name) or name.variant (op.name + "." +
op.variant_test_name); --max-numel (default 20000) skips samples that have an
input tensor with more elements than that (they are left out, not counted
against --max-samples, and their indices are absent). After capture, each
sample's calls are replayed --replays times (default 5) in Python from the
JSON form, exactly as a replayer would, to flag values that the calls do not
pin down ("unstable", below). The summary (OpInfos, samples, n/a reasons,
elapsed seconds) goes to stderr.

Output: one JSON object per line, one line per OpInfo (in op_db order).

Per OpInfo line:
    {"name": op.name, "variant": op.variant_test_name,
     "aten_name": op.aten_name, "supports_autograd": bool,
     "dtypes": {"float32": "ok" | "not supported on cpu"
                | "sample generation raised: ..." | "no samples", ...},
     "samples": [SAMPLE, ...],
     "error": null | "message"}   # sample generation raised, or some
                                  # sample's op raised (first message)

SAMPLE:
    {"dtype": "float32",
     "index": i,                  # position in op.sample_inputs(...)
     "name": sample.name,
     "na": null | "reason",       # set: nothing else below is present
     "inputs": [TENSORDATA + {"id": K, "path": "input[0]" | "args[1]" |
                "kwargs.weight" ...}, ...],
     "constants": [TENSORDATA + {"id": K}, ...],
     "calls": [CALL, ...],
     "outputs": [OUTPUT, ...],
     "grad_outputs": [TENSORDATA + {"output": j}, ...],
     "grads": [{"id": K, "grad": TENSORDATA | null}, ...],
     "grad_error": "message",     # only when backward raised; then no grads
     "replay_error": "message"}   # only when the Python replay of the calls
                                  # raised (a capture this script got wrong)

    Value ids K number every tensor of the sample: the inputs first (every
    distinct tensor object found in sample.input, sample.args and
    sample.kwargs, searched in that order, lists and tuples included), then,
    as the calls go, each constant (a tensor argument that is none of the
    tensors seen so far, e.g. one made by torch.tensor(...) in Python; its
    data is taken right before the call that first uses it) and each tensor
    a call returns.

    requires_grad is true on the inputs exactly when the dtype is floating
    and op.supports_autograd (as given to sample_inputs; an input may also be
    a non-leaf view of such a tensor, "leaf" says which).

CALL:
    {"op": "aten::add", "overload": "Tensor" ("" for the default overload),
     "args": [VALUE, ...], "kwargs": {"alpha": VALUE, ...},
     "out": [K | null, ...],      # the return flattened (tuples, lists of
                                  # tensors): a new id per tensor, null for a
                                  # non-tensor (e.g. the number _local_scalar_
                                  # dense returns, or an undefined tensor)
     "no_grad": true}             # only when grad mode was off for the call
                                  # (torch.no_grad() in Python code, or the
                                  # forward of an autograd.Function)
    args/kwargs are exactly as __torch_dispatch__ got them (the schema-level
    call: kwarg-only arguments are in kwargs). A call that returns one of
    its arguments (in-place, out=) still gets a new id for the return.
    Autograd's own dispatcher calls below its kernels (e.g. the aten::detach
    that saving a result for backward makes) are recorded too; replaying
    them again is harmless.

    Pseudo-calls (an "op" without "::"), for Python-level RNG handling:
     {"op": "torch.manual_seed", "args": [{"i": 42}], "out": []}
     {"op": "torch.get_rng_state", "args": [], "out": [K]}  # K: the state,
                                  # a uint8 tensor (CPU default generator)
     {"op": "torch.set_rng_state", "args": [{"ref": K}], "out": []}
    ("overload" "" and "kwargs" {} on them as well.) set_rng_state restores
    a state taken earlier; when no random call follows it in the sample, a
    replayer can skip the pair.

OUTPUT (one per element of the Python return flattened; a lone tensor or
number is a list of one):
    {"ref": K, "expect": TENSORDATA}     tensor that is value K
    {"ref": null, "expect": TENSORDATA}  tensor matching no recorded value
    {"expect": VALUE}                    non-tensor (number, bool, None, ...)
  plus "unstable": reason on a tensor whose bytes the calls do not pin down,
  so that only dtype and shape can be compared:
    "python replay differs"              a replay in Python gave other bytes
    "uninitialized memory"               they change when what empty-family
                                         factories return is filled first
    "varies from call to call in python (aten::linalg_lstsq)"
                                         a kernel known to do so
  The same "unstable" key can be on a "grads" entry.

grad_outputs: torch.manual_seed(1), then torch.randn_like(out) for each
output tensor that requires grad (floating or complex), in output order;
"output" is its index in "outputs". grads: torch.autograd.grad(those
outputs, the inputs that require grad, grad_outputs, allow_unused=True);
one entry per input that requires grad, in input order; null where unused.
When no output requires grad, grad_outputs is [] and every grad is null.

TENSORDATA:
    {"dtype": "float32", "shape": [2, 3], "stride": [3, 1],
     "offset": t.storage_offset(),
     "contiguous": bool,          # stride is exactly the row-major stride
     "requires_grad": bool, "leaf": bool,
     "data": base64}              # the elements' raw little-endian bytes in
                                  # row-major order (bool: one byte 0/1;
                                  # complex: real, imag pairs)
    plus, on inputs and constants that are not "contiguous", or have a
    storage offset, or a storage larger than their elements:
     "storage": base64            # raw bytes of the tensor's whole storage;
                                  # re-create the tensor as a 1-D tensor of
                                  # those elements viewed with
                                  # as_strided(shape, stride, offset)

VALUE:
    tensor: {"ref": K}       int: {"i": 3}      bool: {"b": true}
    float: {"f": 1.5} or {"f": "nan" | "inf" | "-inf"}
    None: null               str: {"s": "mean"}     list/tuple: {"l": [...]}
    torch.dtype: {"dtype": "float32"} (no "data" key)
    torch.device: {"device": "cpu"}    torch.layout: {"layout": "strided"}
    torch.memory_format: {"memory_format": "channels_last"}
    Anything else (complex numbers, generators, ...) makes the sample n/a
    with a reason naming the type.

Sample "na" reasons include: "python raised: TYPE: message" (e.g. the
jiterator OpInfos, CUDA only), "unsupported argument type T in aten::op",
"sparse_csr tensor", "sparse_coo tensor", "output over N elements",
"inputs share storage and a call writes in place", "exporter error: ...".

Caveats a replayer should know: the mode records tensors by Python object
identity (falling back to same storage, geometry and requires_grad, for a
view autograd re-wraps); an argument it cannot place becomes a constant, so
gradients do not flow through it. Backward in the replay runs through the
recorded calls; for calls inside a Python autograd.Function's forward
(marked no_grad) the Function's own backward is not reproduced.
"""

import argparse
import base64
import collections
import json
import math
import os
import random
import sys
import time
import traceback
import types
import unittest
import warnings


def _fix_hash_seed():
    # Some sample functions iterate over sets of strings, whose order follows
    # str hashing, random per process unless PYTHONHASHSEED is set: run again
    # with it fixed, so that two exports give the same samples.
    if os.environ.get("PYTHONHASHSEED") == "0" or not sys.executable:
        return
    env = dict(os.environ, PYTHONHASHSEED="0")
    try:
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    except OSError:
        pass  # go on with this process's order


if __name__ == "__main__":
    _fix_hash_seed()


def _drop_shadowing_paths():
    # The repository has a Go package folder named torch/ (no __init__.py);
    # with the repository root on sys.path it would shadow the real torch.
    keep = []
    for p in sys.path:
        d = os.path.join(p or os.getcwd(), "torch")
        if os.path.isdir(d) and not os.path.isfile(os.path.join(d, "__init__.py")):
            continue
        keep.append(p)
    sys.path[:] = keep


_drop_shadowing_paths()
# libtorch's C++ warnings that do not go through Python's warnings (glog,
# as Debian builds it) would flood stderr; errors still show.
# (It takes both variables.)
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "ERROR")

try:
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode
except Exception as e:  # pragma: no cover - environment problem
    # A python3 on PATH without torch (pyenv's, say): go on with the one that
    # has Debian's python3-torch ($TORCHGO_PYTHON, as internal/pyref uses it).
    if __name__ == "__main__" and not os.environ.get("OPINFO_EXPORT_REEXEC"):
        here = os.path.realpath(sys.executable or "")
        for cand in (os.environ.get("TORCHGO_PYTHON"), "/usr/bin/python3"):
            if cand and os.path.isfile(cand) and os.path.realpath(cand) != here:
                env = dict(os.environ, OPINFO_EXPORT_REEXEC="1")
                try:
                    os.execve(cand, [cand] + sys.argv, env)
                except OSError:
                    pass
    sys.stderr.write("opinfo_export: cannot import torch with %s: %s\n" % (sys.executable, e))
    sys.exit(2)

try:
    import numpy as np
except Exception:  # torch's tensor.numpy() needs it; only the seeding is optional
    np = None

DTYPES = (torch.float32, torch.float64, torch.int64, torch.bool)
REPLAYS = 5  # --replays


class NA(Exception):
    """The sample cannot be exported; the message is the reason."""


def dtype_name(dt):
    return str(dt).replace("torch.", "")


def enc_float(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def raw_bytes(t):
    """Raw bytes of t's elements in row-major order."""
    c = t.detach()
    if c.is_conj():
        c = c.resolve_conj()
    if c.is_neg():
        c = c.resolve_neg()
    n = c.numel()
    if n == 0:
        return b""
    # A fresh 1-D buffer: contiguous() may keep odd strides on size-1 dims.
    flat = torch.empty((n,), dtype=c.dtype)
    flat.copy_(c.reshape(-1))
    if flat.is_complex():
        flat = torch.view_as_real(flat).reshape(-1)
    return flat.view(torch.uint8).numpy().tobytes()


def row_major_strides(shape):
    st = []
    acc = 1
    for s in reversed(shape):
        st.append(acc)
        acc *= max(s, 1)
    return list(reversed(st))


def check_encodable(t):
    if t.layout != torch.strided:
        raise NA("%s tensor" % str(t.layout).replace("torch.", ""))
    if t.is_quantized:
        raise NA("quantized tensor")
    if t.device.type != "cpu":
        raise NA("tensor on %s" % t.device)


def storage_numel(t):
    return t.untyped_storage().nbytes() // t.element_size() if hasattr(t, "untyped_storage") \
        else t.storage().size()


def tensor_data(t, with_storage=False):
    check_encodable(t)
    shape = list(t.shape)
    stride = list(t.stride())
    contiguous = stride == row_major_strides(shape)
    d = {
        "dtype": dtype_name(t.dtype),
        "shape": shape,
        "stride": stride,
        "offset": t.storage_offset(),
        "contiguous": contiguous,
        "requires_grad": bool(t.requires_grad),
        "leaf": bool(t.is_leaf),
        "data": b64(raw_bytes(t)),
    }
    if with_storage and (not contiguous or t.storage_offset() != 0 or storage_numel(t) != t.numel()):
        # The whole storage, so that a replayed view (or an as_strided
        # call with an absolute offset) addresses what Python's did.
        n = storage_numel(t)
        if n > 200000:
            raise NA("input storage of %d elements" % n)
        with torch.no_grad():
            flat = torch.as_strided(t.detach(), (n,), (1,), 0)
        d["storage"] = b64(raw_bytes(flat))
    return d


def flatten(v, out):
    if isinstance(v, (tuple, list)):
        for x in v:
            flatten(x, out)
    else:
        out.append(v)
    return out


def tensors_in(v, path, out):
    if isinstance(v, torch.Tensor):
        out.append((path, v))
    elif isinstance(v, (tuple, list)):
        for i, x in enumerate(v):
            tensors_in(x, "%s[%d]" % (path, i), out)
    elif isinstance(v, dict):
        for k, x in v.items():
            tensors_in(x, "%s.%s" % (path, k), out)
    return out


def signature(t):
    try:
        ptr = t.storage().data_ptr() if t.numel() > 0 else 0
    except Exception:
        ptr = t.data_ptr()
    return (ptr, t.dtype, tuple(t.shape), tuple(t.stride()), t.storage_offset())


class ValueTable:
    """Ids of the tensors one sample has seen, by object identity."""

    def __init__(self, stats):
        self.stats = stats
        self.next_id = 0
        self.by_obj = {}  # id(tensor) -> (tensor, K); holds the tensor alive
        self.by_sig = collections.defaultdict(list)  # signature -> [(tensor, K)]
        self.constants = []
        self.writes = False

    def add(self, t):
        k = self.next_id
        self.next_id += 1
        self.by_obj[id(t)] = (t, k)
        try:
            self.by_sig[signature(t)].append((t, k))
        except Exception:
            pass
        return k

    def lookup(self, t):
        hit = self.by_obj.get(id(t))
        if hit is not None and hit[0] is t:
            return hit[1]
        # Not the same Python object: autograd may have wrapped a recorded
        # view in a new TensorImpl. Same storage, geometry and requires_grad
        # means the very same elements.
        try:
            cands = self.by_sig.get(signature(t))
        except Exception:
            cands = None
        if cands:
            for obj, k in reversed(cands):
                if obj.requires_grad == t.requires_grad:
                    self.stats["matched by storage"] += 1
                    return k
        return None

    def ref(self, t):
        k = self.lookup(t)
        if k is None:
            d = tensor_data(t, with_storage=True)
            k = self.add(t)
            d["id"] = k
            self.constants.append(d)
        return {"ref": k}

    def encode(self, v, where):
        if v is None:
            return None
        if isinstance(v, torch.Tensor):
            return self.ref(v)
        if isinstance(v, bool):
            return {"b": v}
        if isinstance(v, int):
            return {"i": v}
        if isinstance(v, float):
            return {"f": enc_float(v)}
        if isinstance(v, str):
            return {"s": v}
        if isinstance(v, (list, tuple)):
            return {"l": [self.encode(x, where) for x in v]}
        if isinstance(v, torch.dtype):
            return {"dtype": dtype_name(v)}
        if isinstance(v, torch.device):
            return {"device": str(v)}
        if isinstance(v, torch.layout):
            return {"layout": str(v).replace("torch.", "")}
        if isinstance(v, torch.memory_format):
            return {"memory_format": str(v).replace("torch.", "")}
        raise NA("unsupported argument type %s in %s" % (type(v).__name__, where))

    def add_outputs(self, out):
        ids = []
        for x in flatten(out, []):
            if isinstance(x, torch.Tensor):
                ids.append(self.add(x))
            else:
                ids.append(None)
        return ids


class Recorder(TorchDispatchMode):
    def __init__(self, table):
        super().__init__()
        self.table = table
        self.calls = []
        self.na = None

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        rec = None
        if self.na is None:
            try:
                schema = func._schema
                where = schema.name
                rec = {
                    "op": schema.name,
                    "overload": schema.overload_name,
                    "args": [self.table.encode(a, where) for a in args],
                    "kwargs": {k: self.table.encode(v, where) for k, v in kwargs.items()},
                }
                if not torch.is_grad_enabled():
                    rec["no_grad"] = True
                for a in schema.arguments:
                    if a.alias_info is not None and a.alias_info.is_write:
                        self.table.writes = True
            except NA as e:
                self.na = str(e)
                rec = None
            except Exception as e:
                self.na = "exporter error: %s: %s" % (type(e).__name__, e)
                rec = None
        # The mode is off in here (popped while __torch_dispatch__ runs), so
        # whatever func calls is not recorded.
        out = func(*args, **kwargs)
        if rec is not None and self.na is None:
            try:
                rec["out"] = self.table.add_outputs(out)
                self.calls.append(rec)
            except Exception as e:
                self.na = "exporter error: %s: %s" % (type(e).__name__, e)
        return out


class RngHooks:
    """Records the Python-level RNG calls that bypass the dispatcher.

    Some OpInfos (wrapper_set_seed) call torch.manual_seed(42) inside the op
    and restore the generator state afterwards (torch.get_rng_state /
    torch.set_rng_state); these become pseudo-calls in the call list so that
    a replayer can do the same at the same point.
    """

    NAMES = ("manual_seed", "get_rng_state", "set_rng_state")

    def __init__(self, rec):
        self.rec = rec
        self.saved = []

    def __enter__(self):
        rec = self.rec
        orig = {n: getattr(torch.random, n) for n in self.NAMES}

        def manual_seed(seed):
            if rec.na is None:
                rec.calls.append({"op": "torch.manual_seed", "overload": "",
                                  "args": [{"i": int(seed)}], "kwargs": {}, "out": []})
            return orig["manual_seed"](seed)

        def get_rng_state():
            st = orig["get_rng_state"]()
            if rec.na is None:
                k = rec.table.add(st)
                rec.calls.append({"op": "torch.get_rng_state", "overload": "",
                                  "args": [], "kwargs": {}, "out": [k]})
            return st

        def set_rng_state(new_state):
            if rec.na is None:
                try:
                    arg = rec.table.encode(new_state, "torch.set_rng_state")
                    rec.calls.append({"op": "torch.set_rng_state", "overload": "",
                                      "args": [arg], "kwargs": {}, "out": []})
                except NA as e:
                    rec.na = str(e)
            return orig["set_rng_state"](new_state)

        repl = {"manual_seed": manual_seed, "get_rng_state": get_rng_state,
                "set_rng_state": set_rng_state}
        for mod in (torch, torch.random):
            for n in self.NAMES:
                self.saved.append((mod, n, getattr(mod, n)))
                setattr(mod, n, repl[n])
        return self

    def __exit__(self, *exc):
        for mod, n, f in reversed(self.saved):
            setattr(mod, n, f)
        self.saved = []
        return False


def short(msg, n=300):
    msg = " ".join(str(msg).split())
    return msg if len(msg) <= n else msg[:n] + "..."


def encode_result_value(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return {"b": v}
    if isinstance(v, int):
        return {"i": v}
    if isinstance(v, float):
        return {"f": enc_float(v)}
    if isinstance(v, str):
        return {"s": v}
    if isinstance(v, torch.dtype):
        return {"dtype": dtype_name(v)}
    if isinstance(v, torch.device):
        return {"device": str(v)}
    if isinstance(v, torch.layout):
        return {"layout": str(v).replace("torch.", "")}
    if isinstance(v, torch.memory_format):
        return {"memory_format": str(v).replace("torch.", "")}
    raise NA("unsupported output type %s" % type(v).__name__)


def export_sample(op, sample, dtype, index, stats):
    base = {"dtype": dtype_name(dtype), "index": index, "name": getattr(sample, "name", "") or ""}

    found = []
    tensors_in(sample.input, "input", found)
    tensors_in(tuple(sample.args), "args", found)
    tensors_in(dict(sample.kwargs), "kwargs", found)
    for _, t in found:
        if t.numel() > stats["max_numel"]:
            base["na"] = "tensor over %d elements" % stats["max_numel"]
            return base, None

    table = ValueTable(stats)
    inputs = []
    input_tensors = []
    for path, t in found:
        if table.by_obj.get(id(t), (None,))[0] is t:
            continue  # the same tensor object twice: one input
        d = tensor_data(t, with_storage=True)
        k = table.add(t)
        d["id"] = k
        d["path"] = path
        inputs.append(d)
        input_tensors.append(t)

    rec = Recorder(table)
    torch.manual_seed(0)
    try:
        with RngHooks(rec), rec:
            result = op(sample.input, *sample.args, **sample.kwargs)
    except Exception as e:
        msg = "python raised: %s: %s" % (type(e).__name__, short(e))
        base["na"] = msg
        return base, msg
    if rec.na is not None:
        base["na"] = rec.na
        return base, None

    if table.writes:
        ptrs = set()
        for t in input_tensors:
            if t.numel() == 0:
                continue
            p = t.storage().data_ptr()
            if p in ptrs:
                base["na"] = "inputs share storage and a call writes in place"
                return base, None
            ptrs.add(p)

    outputs = []
    out_objs = []
    for x in flatten(result, []):
        if isinstance(x, torch.Tensor):
            d = tensor_data(x)
            if x.numel() > stats["max_numel"]:
                raise NA("output over %d elements" % stats["max_numel"])
            k = table.lookup(x)
            if k is None:
                stats["unmatched outputs"] += 1
            outputs.append({"ref": k, "expect": d})
        else:
            outputs.append({"expect": encode_result_value(x)})
        out_objs.append(x)

    # Gradients, outside the mode.
    grad_outputs = []
    grads = []
    diff_outs = []
    for j, x in enumerate(out_objs):
        if isinstance(x, torch.Tensor) and x.requires_grad:
            diff_outs.append((j, x))
    diff_ins = [(d["id"], t) for d, t in zip(inputs, input_tensors) if t.requires_grad]
    grad_error = None
    if diff_ins:
        if diff_outs:
            torch.manual_seed(1)
            gos = [torch.randn_like(x) for _, x in diff_outs]
            for (j, _), g in zip(diff_outs, gos):
                d = tensor_data(g)
                d["output"] = j
                grad_outputs.append(d)
            try:
                gs = torch.autograd.grad(
                    [x for _, x in diff_outs], [t for _, t in diff_ins], gos, allow_unused=True
                )
                for (k, _), g in zip(diff_ins, gs):
                    grads.append({"id": k, "grad": None if g is None else tensor_data(g)})
            except Exception as e:
                grad_error = "%s: %s" % (type(e).__name__, short(e))
                grads = []
        else:
            grads = [{"id": k, "grad": None} for k, _ in diff_ins]

    base.update(
        {
            "na": None,
            "inputs": inputs,
            "constants": table.constants,
            "calls": rec.calls,
            "outputs": outputs,
            "grad_outputs": grad_outputs,
            "grads": grads,
        }
    )
    if grad_error is not None:
        base["grad_error"] = grad_error
        stats["grad errors"] += 1
    mark_unstable(base, stats)
    return base, None


# Factories whose elements are whatever memory they got.
UNINITIALIZED = frozenset(
    ["aten::empty", "aten::empty_like", "aten::new_empty", "aten::new_empty_strided",
     "aten::empty_strided", "aten::empty_permuted"]
)


# Kernels whose results vary between identical calls in one process (seen:
# the same linalg_lstsq call with one thread gives several different last
# bits); the replays below catch them only now and then.
VARIES = frozenset(["aten::linalg_lstsq"])


def mark_unstable(sobj, stats):
    """Flags the expected values that the recorded calls do not pin down.

    The calls are replayed here, in Python, from the JSON form, the way a
    replayer would. An output or gradient whose bytes come out otherwise is
    marked "unstable": "python replay differs" (a nondeterministic kernel, a
    backward that reads uninitialized memory); there are REPLAYS such
    replays. Where an empty-family factory is among the calls, two more
    replays fill what those return (NaN, -1, true; then 0, 0, false) before
    going on; what then changes depends on uninitialized memory:
    "unstable": "uninitialized memory".
    """
    for c in sobj["calls"]:
        if c["op"] in VARIES:
            why = "varies from call to call in python (%s)" % c["op"]
            for o in sobj["outputs"]:
                o.setdefault("unstable", why)
            for g in sobj["grads"]:
                g.setdefault("unstable", why)
    runs = [("python replay differs", 0)] * REPLAYS
    if any(c["op"] in UNINITIALIZED for c in sobj["calls"]):
        runs.append(("uninitialized memory", 1))
        runs.append(("uninitialized memory", 2))
    ballast = []
    for i, (reason, fill) in enumerate(runs):
        # Some kernels' rounding depends on their buffers' alignment
        # (linalg_lstsq's LAPACK): shift the heap a little between replays.
        ballast.append(torch.empty((7 + 5 * i,), dtype=torch.uint8))
        try:
            outs, grads = python_replay(sobj, fill)
        except Exception as e:
            sobj["replay_error"] = "%s: %s" % (type(e).__name__, short(e))
            stats["python replay raised"] += 1
            return
        for o, got in zip(sobj["outputs"], outs):
            if "unstable" in o or got is None:
                continue
            if not same_bytes(got, o["expect"]):
                o["unstable"] = reason
        if "grad_error" not in sobj:
            for g, got in zip(sobj["grads"], grads):
                if "unstable" in g or (g["grad"] is None and got is None):
                    continue
                if g["grad"] is None or got is None or not same_bytes(got, g["grad"]):
                    g["unstable"] = reason
    n = sum(1 for o in sobj["outputs"] if "unstable" in o) + sum(
        1 for g in sobj["grads"] if "unstable" in g)
    if n:
        stats["samples with unstable values"] += 1


def poison(x, which):
    with torch.no_grad():
        x = x.detach()
        if x.dtype is torch.bool:
            x.fill_(which == 1)
        elif x.is_floating_point() or x.is_complex():
            x.fill_(float("nan") if which == 1 else 0.0)
        else:
            x.fill_(-1 if which == 1 else 0)


def same_bytes(t, d):
    if not isinstance(t, torch.Tensor) or not isinstance(d, dict) or "data" not in d:
        return False
    return (dtype_name(t.dtype) == d["dtype"] and list(t.shape) == d["shape"]
            and b64(raw_bytes(t)) == d["data"])


_DTYPES_BY_NAME = {}
for _n in dir(torch):
    _v = getattr(torch, _n, None)
    if isinstance(_v, torch.dtype):
        _DTYPES_BY_NAME.setdefault(dtype_name(_v), _v)


def decode_tensor(d, as_input=False):
    dt = _DTYPES_BY_NAME[d["dtype"]]
    if as_input and "storage" in d:
        raw = base64.b64decode(d["storage"])
        n = len(raw) // torch.empty(0, dtype=dt).element_size()
        base = elements(raw, dt, n)
        if d["requires_grad"]:
            base.requires_grad_(True)
        return torch.as_strided(base, d["shape"], d["stride"], d["offset"])
    n = 1
    for x in d["shape"]:
        n *= x
    t = elements(base64.b64decode(d["data"]), dt, n).reshape(d["shape"])
    if as_input and d["requires_grad"]:
        t.requires_grad_(True)
    return t


def elements(raw, dt, n):
    if n == 0:
        return torch.empty((0,), dtype=dt)
    u8 = torch.frombuffer(bytearray(raw), dtype=torch.uint8)
    if dt.is_complex:
        real = {torch.complex32: torch.float16, torch.complex64: torch.float32,
                torch.complex128: torch.float64}[dt]
        return torch.view_as_complex(u8.view(real).reshape(n, 2)).clone()
    return u8.view(dt).clone()


def decode_value(v, vals):
    if v is None:
        return None
    if "ref" in v:
        return vals[v["ref"]]
    if "i" in v:
        return v["i"]
    if "f" in v:
        return float(v["f"])
    if "b" in v:
        return v["b"]
    if "s" in v:
        return v["s"]
    if "l" in v:
        return [decode_value(x, vals) for x in v["l"]]
    if "dtype" in v:
        return _DTYPES_BY_NAME[v["dtype"]]
    if "device" in v:
        return torch.device(v["device"])
    if "layout" in v:
        return getattr(torch, v["layout"])
    if "memory_format" in v:
        return getattr(torch, v["memory_format"])
    raise ValueError("cannot decode %r" % (v,))


def python_replay(sobj, fill=0):
    """Replays sobj's calls from its JSON form: (outputs, grads) as tensors."""
    vals = {}
    for d in sobj["inputs"]:
        vals[d["id"]] = decode_tensor(d, as_input=True)
    inputs = dict(vals)
    pending = sorted((d["id"], d) for d in sobj["constants"])
    torch.manual_seed(0)
    for c in sobj["calls"]:
        # A constant's id comes before the ids of the call that first used it.
        first_out = min([k for k in c["out"] if k is not None] or [float("inf")])
        while pending and pending[0][0] < first_out:
            k, d = pending.pop(0)
            vals[k] = decode_tensor(d, as_input=True)
        args = [decode_value(a, vals) for a in c["args"]]
        kwargs = {k: decode_value(v, vals) for k, v in c["kwargs"].items()}
        if c["op"] == "torch.manual_seed":
            torch.random.manual_seed(*args)
            continue
        if c["op"] == "torch.get_rng_state":
            vals[c["out"][0]] = torch.random.get_rng_state()
            continue
        if c["op"] == "torch.set_rng_state":
            torch.random.set_rng_state(*args)
            continue
        ns, name = c["op"].split("::", 1)
        fn = getattr(getattr(getattr(torch.ops, ns), name), c["overload"] or "default")
        with torch.set_grad_enabled(not c.get("no_grad", False)):
            out = fn(*args, **kwargs)
        got = flatten(out, [])
        if len(got) != len(c["out"]):
            raise ValueError("%s returned %d values, recorded %d" % (c["op"], len(got), len(c["out"])))
        for k, x in zip(c["out"], got):
            if k is not None:
                vals[k] = x
                if fill and c["op"] in UNINITIALIZED and isinstance(x, torch.Tensor):
                    poison(x, fill)
    for k, d in pending:
        vals[k] = decode_tensor(d, as_input=True)
    outs = [vals.get(o["ref"]) if o.get("ref") is not None else None for o in sobj["outputs"]]
    grads = [None] * len(sobj["grads"])
    if sobj["grads"] and sobj["grad_outputs"] and "grad_error" not in sobj:
        ys = [outs[d["output"]] for d in sobj["grad_outputs"]]
        gos = [decode_tensor(d) for d in sobj["grad_outputs"]]
        xs = [inputs[g["id"]] for g in sobj["grads"]]
        if all(isinstance(y, torch.Tensor) and y.requires_grad for y in ys):
            grads = list(torch.autograd.grad(ys, xs, gos, allow_unused=True))
    return outs, grads


def export_opinfo(op, max_samples, stats):
    line = {
        "name": op.name,
        "variant": op.variant_test_name,
        "aten_name": getattr(op, "aten_name", None),
        "supports_autograd": bool(getattr(op, "supports_autograd", False)),
        "dtypes": {},
        "samples": [],
        "error": None,
    }
    try:
        supported = op.supported_dtypes("cpu")
    except Exception as e:
        line["error"] = "supported_dtypes raised: %s: %s" % (type(e).__name__, short(e))
        return line
    for dtype in DTYPES:
        dn = dtype_name(dtype)
        if dtype not in supported:
            line["dtypes"][dn] = "not supported on cpu"
            continue
        requires_grad = dtype.is_floating_point and bool(op.supports_autograd)
        taken = 0
        gen_error = None
        try:
            # Some sample functions also draw from Python's and NumPy's RNGs.
            torch.manual_seed(0)
            random.seed(0)
            if np is not None:
                np.random.seed(0)
            gen = iter(op.sample_inputs("cpu", dtype, requires_grad=requires_grad))
        except Exception as e:
            gen, gen_error = None, e
        index = 0
        # Samples skipped for size do not count against max_samples, but the
        # search for small ones is bounded.
        while gen is not None and taken < max_samples and index < 10 * max_samples:
            try:
                sample = next(gen)
            except StopIteration:
                break
            except Exception as e:
                gen_error = e
                break
            i = index
            index += 1
            try:
                s, err = export_sample(op, sample, dtype, i, stats)
            except NA as e:
                s, err = {"dtype": dn, "index": i, "na": str(e)}, None
            except Exception as e:
                s = {"dtype": dn, "index": i,
                     "na": "exporter error: %s: %s" % (type(e).__name__, short(e))}
                err = None
            if (s.get("na") or "").startswith("tensor over"):
                stats["skipped"][s["na"]] += 1
                continue
            if err is not None and line["error"] is None:
                line["error"] = err
            line["samples"].append(s)
            taken += 1
            stats["samples"] += 1
            if s.get("na"):
                stats["na"][na_key(s["na"])] += 1
                stats["na_ops"][na_key(s["na"])].add(op_label(op))
            else:
                stats["ok"] += 1
        if gen_error is not None:
            msg = "sample generation raised: %s: %s" % (type(gen_error).__name__, short(gen_error))
            if line["error"] is None:
                line["error"] = msg
            stats["generation errors"][msg[:90]] += 1
            line["dtypes"][dn] = "ok" if taken else msg
        else:
            line["dtypes"][dn] = "ok" if taken else "no samples"
    return line


def op_label(op):
    return op.name + ("." + op.variant_test_name if op.variant_test_name else "")


def na_key(reason):
    if reason.startswith("python raised: "):
        return reason[: min(len(reason), 90)]
    return reason[:90]


def main(argv=None):
    global REPLAYS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="output .jsonl file ('-' for stdout)")
    ap.add_argument("--only", default="", help="comma-separated OpInfo names (or name.variant)")
    ap.add_argument("--max-samples", type=int, default=6)
    ap.add_argument("--max-numel", type=int, default=20000)
    ap.add_argument("--replays", type=int, default=REPLAYS,
                    help="Python replays per sample that look for unstable values (0: none)")
    opts = ap.parse_args(argv)
    REPLAYS = max(0, opts.replays)

    t0 = time.time()
    warnings.simplefilter("ignore")
    if "expecttest" not in sys.modules:
        stub = types.ModuleType("expecttest")
        stub.TestCase = unittest.TestCase
        stub.ACCEPT = False
        sys.modules["expecttest"] = stub
    from torch.testing._internal.common_methods_invocations import op_db

    only = set(x.strip() for x in opts.only.split(",") if x.strip())
    ops = []
    for op in op_db:
        full = op.name + ("." + op.variant_test_name if op.variant_test_name else "")
        if not only or op.name in only or full in only:
            ops.append(op)
    if only:
        known = set(o.name for o in op_db) | set(
            o.name + "." + o.variant_test_name for o in op_db if o.variant_test_name
        )
        for n in sorted(only - known):
            sys.stderr.write("opinfo_export: no OpInfo named %r\n" % n)

    stats = {
        "max_numel": opts.max_numel,
        "samples": 0,
        "ok": 0,
        "na": collections.Counter(),
        "na_ops": collections.defaultdict(set),
        "matched by storage": 0,
        "unmatched outputs": 0,
        "grad errors": 0,
        "skipped": collections.Counter(),
        "python replay raised": 0,
        "samples with unstable values": 0,
        "generation errors": collections.Counter(),
    }
    slow = []
    out = sys.stdout if opts.out == "-" else open(opts.out, "w")
    try:
        for op in ops:
            t1 = time.time()
            try:
                line = export_opinfo(op, opts.max_samples, stats)
            except Exception as e:
                line = {"name": op.name, "variant": op.variant_test_name,
                        "aten_name": getattr(op, "aten_name", None),
                        "supports_autograd": bool(getattr(op, "supports_autograd", False)),
                        "dtypes": {}, "samples": [],
                        "error": "exporter error: %s: %s\n%s" % (
                            type(e).__name__, short(e), traceback.format_exc(limit=3))}
            try:
                text = json.dumps(line, separators=(",", ":"), allow_nan=False)
            except Exception as e:
                text = json.dumps({"name": op.name, "variant": op.variant_test_name,
                                   "aten_name": getattr(op, "aten_name", None),
                                   "supports_autograd": bool(getattr(op, "supports_autograd", False)),
                                   "dtypes": line.get("dtypes", {}), "samples": [],
                                   "error": "exporter error: json: %s" % short(e)})
            out.write(text)
            out.write("\n")
            out.flush()
            slow.append((time.time() - t1, op_label(op)))
    finally:
        if out is not sys.stdout:
            out.close()

    el = time.time() - t0
    w = sys.stderr.write
    w("opinfo_export: %d OpInfos, %d samples (%d exported, %d n/a), %.1f s\n"
      % (len(ops), stats["samples"], stats["ok"], stats["samples"] - stats["ok"], el))
    w("  grad errors: %d, outputs matched to no value: %d, tensors matched by storage: %d\n"
      % (stats["grad errors"], stats["unmatched outputs"], stats["matched by storage"]))
    w("  samples with unstable values: %d, python replay raised: %d\n"
      % (stats["samples with unstable values"], stats["python replay raised"]))
    if stats["na"]:
        w("  n/a by reason:\n")
        for reason, n in stats["na"].most_common(25):
            ops_ = sorted(stats["na_ops"].get(reason, ()))
            extra = (" [%s%s]" % (", ".join(ops_[:6]), ", ..." if len(ops_) > 6 else "")) if ops_ else ""
            w("    %5d  %s%s\n" % (n, reason, extra))
        if len(stats["na"]) > 25:
            w("    ... %d more reasons\n" % (len(stats["na"]) - 25))
    for what in ("skipped", "generation errors"):
        if stats[what]:
            w("  %s:\n" % what)
            for reason, n in stats[what].most_common(10):
                w("    %5d  %s\n" % (n, reason))
    slow.sort(reverse=True)
    w("  slowest: %s\n" % ", ".join("%s %.1fs" % (n, s) for s, n in slow[:5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
