#!/usr/bin/python3
"""Export PyTorch's ModuleInfo samples: construction, state, forward, gradients.

Usage:
    /usr/bin/python3 scripts/moduleinfo_export.py OUT.jsonl [--only NAME,NAME]

(/usr/bin/python3: Debian's python3-torch 1.13, the libtorch torchgo links;
started by a python3 without torch, the script runs itself again with
$TORCHGO_PYTHON or /usr/bin/python3. It also runs itself again with
PYTHONHASHSEED=0, so that two exports give the same bytes. OUT.jsonl "-"
writes to stdout. TORCHGO_NUM_THREADS, when set, is passed to
torch.set_num_threads, as the Go side pins its thread count the same way.)
The full export takes about 2 s on two cores and writes about 9 MB
(918 samples, 36 of them n/a: the Lazy* modules).

For every ModuleInfo in torch.testing._internal.common_modules.module_db
(PyTorch 1.13: 38 of them), for dtypes float32 and float64 (those of
module_info.dtypes) and training True (and False too when
module_info.train_and_eval_differ), the CPU samples of
module_info.module_inputs_func(module_info, device="cpu", dtype=dtype,
requires_grad=True, training=training) are generated right after
torch.manual_seed(0) (and random.seed(0), numpy.random.seed(0)); each
ModuleInput is then run as

    torch.manual_seed(0)
    m = cls(*ctor.args, **ctor.kwargs).to(dtype)
    state = m.state_dict()                   # the initialisation
    m.train(training)
    torch.manual_seed(1)
    outputs = m(*forward.args, **forward.kwargs)   # flattened
    state_after = m.state_dict()             # running statistics
    torch.manual_seed(2)
    grad_outputs = [torch.randn_like(o) for o in outputs if o is floating and requires grad]
    grads = torch.autograd.grad(those outputs, forward inputs requiring grad + m.parameters(),
                                grad_outputs, allow_unused=True)

so a Go module built after torch.ManualSeed(0) from the same arguments
draws the same initial weights, and seeding 1 before its forward pass
reproduces dropout. Forward inputs that require grad and are not leaves
(NLLLoss's input is make_input(...).log_softmax(1)) are replaced by leaf
views of the same data first (t.detach().requires_grad_()), so that the Go
side, which re-creates inputs as leaves, computes the same thing.

Output: one JSON object per line, one line per ModuleInfo (module_db order):

    {"name": module_cls.__name__,          # "Linear", "MaxPool2d"
     "module_info": module_info.name,      # "nn.Linear", "ao.nn.quantized.MaxPool2d"
     "train_and_eval_differ": bool,
     "error": null | "message",            # sample generation raised
     "samples": [SAMPLE, ...]}

SAMPLE:
    {"dtype": "float32", "training": true,
     "index": i,                   # position in module_inputs_func's list
     "desc": ModuleInput.desc,
     "na": null | "reason",        # set: only ctor/forward (if encodable) below
     "ctor": {"args": [VALUE...], "kwargs": {"name": VALUE}},
     "forward": {"args": [VALUE...], "kwargs": {"name": VALUE}},
     "state": [{"name": "weight", "tensor": TENSORDATA}, ...],   # state_dict order
     "state_after": [...],         # the same after the forward pass
     "outputs": [TENSORDATA | null, ...],    # the return flattened (tuples,
                                   # lists, nested tuples); null for None
     "grad_outputs": [TENSORDATA | null, ...],  # one per output: null where
                                   # the output is not floating or does not
                                   # require grad
     "input_grads": [{"path": "args[0]" | "args[1][0]" | "kwargs.x",
                      "grad": TENSORDATA | null}, ...],
                                   # every forward tensor that requires grad,
                                   # args then kwargs (in their order), lists
                                   # and tuples depth-first; null: unused
     "param_grads": [{"name": "weight", "grad": TENSORDATA | null}, ...],
                                   # named_parameters order
     "grad_error": "message"}      # only when autograd.grad raised

    When no output requires grad, grad_outputs is all null and every grad
    null.

VALUE:
    tensor: TENSORDATA               int: {"i": 3}      bool: {"b": true}
    float: {"f": 1.5} or {"f": "nan" | "inf" | "-inf"}
    None: null                       str: {"s": "mean"}
    list/tuple: {"l": [...]}         torch.dtype: {"dtype": "float32"} (no "data")
    function, or a string given for a constructor parameter named
    "activation": {"callable": "gelu"} (the function's __name__)
    Anything else makes the sample n/a with a reason naming the type.

TENSORDATA:
    {"dtype": "float32", "shape": [2, 3], "stride": [3, 1],
     "offset": t.storage_offset(), "contiguous": bool,
     "requires_grad": bool, "leaf": bool,
     "data": base64}               # the elements' raw little-endian bytes in
                                   # row-major order (bool: one byte 0/1)
    plus, on forward and constructor tensors that are not "contiguous":
     "storage": base64             # the storage span the tensor covers:
                                   # elements offset .. offset +
                                   # sum((size-1)*stride); re-create it as a
                                   # 1-D tensor of those elements viewed with
                                   # as_strided(shape, stride, 0)

Sample "na" reasons: "lazy modules: construction infers shapes at first
call; no Go counterpart", "python raised: TYPE: message",
"unsupported value type T", "output of type T", "exporter error: ...".
The summary (ModuleInfos, samples, n/a, bytes, seconds) goes to stderr.
"""

import argparse
import base64
import collections
import inspect
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
    # Sample functions might iterate over sets of strings, whose order
    # follows str hashing, random per process unless PYTHONHASHSEED is set.
    if os.environ.get("PYTHONHASHSEED") == "0" or not sys.executable:
        return
    env = dict(os.environ, PYTHONHASHSEED="0")
    try:
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    except OSError:
        pass


if __name__ == "__main__":
    _fix_hash_seed()


def _drop_shadowing_paths():
    # The repository's Go package folder torch/ (no __init__.py) would
    # shadow the real torch with the repository root on sys.path.
    keep = []
    for p in sys.path:
        d = os.path.join(p or os.getcwd(), "torch")
        if os.path.isdir(d) and not os.path.isfile(os.path.join(d, "__init__.py")):
            continue
        keep.append(p)
    sys.path[:] = keep


_drop_shadowing_paths()
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "ERROR")

try:
    import torch
except Exception as e:  # pragma: no cover - environment problem
    if __name__ == "__main__" and not os.environ.get("MODULEINFO_EXPORT_REEXEC"):
        here = os.path.realpath(sys.executable or "")
        for cand in (os.environ.get("TORCHGO_PYTHON"), "/usr/bin/python3"):
            if cand and os.path.isfile(cand) and os.path.realpath(cand) != here:
                env = dict(os.environ, MODULEINFO_EXPORT_REEXEC="1")
                try:
                    os.execve(cand, [cand] + sys.argv, env)
                except OSError:
                    pass
    sys.stderr.write("moduleinfo_export: cannot import torch with %s: %s\n" % (sys.executable, e))
    sys.exit(2)

try:
    import numpy as np
except Exception:
    np = None

DTYPES = (torch.float32, torch.float64)
LAZY_NA = "lazy modules: construction infers shapes at first call; no Go counterpart"


class NA(Exception):
    """The sample cannot be exported; the message is the reason."""


def short(e, n=300):
    s = str(e).strip().replace("\n", " ")
    return s if len(s) <= n else s[:n] + "..."


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
    """Raw little-endian bytes of t's elements in row-major order."""
    c = t.detach()
    if c.is_conj():
        c = c.resolve_conj()
    if c.is_neg():
        c = c.resolve_neg()
    n = c.numel()
    if n == 0:
        return b""
    flat = torch.empty((n,), dtype=c.dtype)
    flat.copy_(c.reshape(-1))
    if flat.is_complex():
        flat = torch.view_as_real(flat).reshape(-1)
    return flat.view(torch.uint8).numpy().tobytes()


def row_major_strides(shape):
    st, acc = [], 1
    for s in reversed(shape):
        st.append(acc)
        acc *= max(s, 1)
    return list(reversed(st))


def tensor_data(t, with_storage=False):
    if t.layout != torch.strided:
        raise NA("%s tensor" % str(t.layout).replace("torch.", ""))
    if t.is_quantized:
        raise NA("quantized tensor")
    if t.device.type != "cpu":
        raise NA("tensor on %s" % t.device)
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
    if with_storage and not contiguous:
        span = 0 if t.numel() == 0 else 1 + sum((s - 1) * st for s, st in zip(shape, stride))
        with torch.no_grad():
            flat = torch.as_strided(t.detach(), (span,), (1,), t.storage_offset())
        d["storage"] = b64(raw_bytes(flat))
    return d


def opt_tensor(t):
    return None if t is None else tensor_data(t)


def callable_name(f):
    name = getattr(f, "__name__", None)
    if name is None and hasattr(f, "func"):  # functools.partial
        name = getattr(f.func, "__name__", None)
    if not name:
        raise NA("unsupported value type %s" % type(f).__name__)
    return name


def enc_value(v, as_callable=False):
    if v is None:
        return None
    if isinstance(v, torch.Tensor):
        return tensor_data(v, with_storage=True)
    if isinstance(v, bool):
        return {"b": v}
    if isinstance(v, int):
        return {"i": v}
    if isinstance(v, float):
        return {"f": enc_float(v)}
    if isinstance(v, str):
        return {"callable": v} if as_callable else {"s": v}
    if isinstance(v, (list, tuple)):
        return {"l": [enc_value(x) for x in v]}
    if isinstance(v, torch.dtype):
        return {"dtype": dtype_name(v)}
    if isinstance(v, (types.FunctionType, types.BuiltinFunctionType)) or (
            callable(v) and not isinstance(v, torch.nn.Module) and not isinstance(v, type)):
        return {"callable": callable_name(v)}
    raise NA("unsupported value type %s" % type(v).__name__)


def activation_positions(cls, args, kwargs):
    """Which constructor arguments bind to a parameter named "activation"."""
    pos, kw = set(), set()
    try:
        sig = inspect.signature(cls.__init__)
        bound = sig.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return pos, kw
    names = list(sig.parameters)[1:]
    for i in range(len(args)):
        if i < len(names) and names[i] == "activation":
            pos.add(i)
    if "activation" in kwargs:
        kw.add("activation")
    del bound
    return pos, kw


def enc_ctor(cls, fi):
    pos, kw = activation_positions(cls, fi.args, fi.kwargs)
    return {
        "args": [enc_value(a, i in pos) for i, a in enumerate(fi.args)],
        "kwargs": {k: enc_value(v, k in kw) for k, v in fi.kwargs.items()},
    }


def leafify(v, seen):
    """v with every tensor that requires grad replaced by a leaf view of it."""
    if isinstance(v, torch.Tensor):
        if v.requires_grad and not v.is_leaf:
            if id(v) not in seen:
                seen[id(v)] = (v, v.detach().requires_grad_(True))
            return seen[id(v)][1]
        return v
    if isinstance(v, tuple):
        return tuple(leafify(x, seen) for x in v)
    if isinstance(v, list):
        return [leafify(x, seen) for x in v]
    if isinstance(v, dict):
        return {k: leafify(x, seen) for k, x in v.items()}
    return v


def grad_inputs(args, kwargs):
    """(path, tensor) for each distinct forward tensor that requires grad."""
    out, ids = [], set()

    def walk(v, path):
        if isinstance(v, torch.Tensor):
            if v.requires_grad and id(v) not in ids:
                ids.add(id(v))
                out.append((path, v))
        elif isinstance(v, (tuple, list)):
            for i, x in enumerate(v):
                walk(x, "%s[%d]" % (path, i))
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(x, "%s.%s" % (path, k))

    for i, a in enumerate(args):
        walk(a, "args[%d]" % i)
    for k, a in kwargs.items():
        walk(a, "kwargs.%s" % k)
    return out


def flatten_outputs(v, out):
    if isinstance(v, (tuple, list)):
        for x in v:
            flatten_outputs(x, out)
    elif v is None or isinstance(v, torch.Tensor):
        out.append(v)
    else:
        raise NA("output of type %s" % type(v).__name__)
    return out


def state_of(m):
    return [{"name": k, "tensor": tensor_data(v)} for k, v in m.state_dict().items()]


def seed_all(n):
    torch.manual_seed(n)
    random.seed(n)
    if np is not None:
        np.random.seed(n)


def export_sample(mi, cls, dtype, training, index, minput, stats):
    s = {"dtype": dtype_name(dtype), "training": training, "index": index,
         "desc": minput.desc, "na": None}
    ctor = minput.constructor_input
    fwd = minput.forward_input
    try:
        s["ctor"] = enc_ctor(cls, ctor)
    except NA as e:
        s["na"] = str(e)
        return s
    fargs = leafify(tuple(fwd.args), {})
    fkwargs = leafify(dict(fwd.kwargs), {})
    try:
        s["forward"] = {"args": [enc_value(a) for a in fargs],
                        "kwargs": {k: enc_value(v) for k, v in fkwargs.items()}}
    except NA as e:
        s["na"] = str(e)
        return s
    if cls.__name__.startswith("Lazy"):
        s["na"] = LAZY_NA
        return s
    try:
        seed_all(0)
        m = cls(*ctor.args, **ctor.kwargs).to(dtype)
        s["repr"] = repr(m)
        s["state"] = state_of(m)
        m.train(training)
        seed_all(1)
        res = m(*fargs, **fkwargs)
        outs = flatten_outputs(res, [])
        s["outputs"] = [opt_tensor(o) for o in outs]
        s["state_after"] = state_of(m)
    except NA as e:
        s["na"] = str(e)
        return s
    except Exception as e:
        s["na"] = "python raised: %s: %s" % (type(e).__name__, short(e))
        return s
    diff = [i for i, o in enumerate(outs)
            if o is not None and o.requires_grad and (o.is_floating_point() or o.is_complex())]
    ins = grad_inputs(fargs, fkwargs)
    params = list(m.named_parameters())
    seed_all(2)
    gouts = {i: torch.randn_like(outs[i]) for i in diff}
    s["grad_outputs"] = [opt_tensor(gouts.get(i)) for i in range(len(outs))]
    wrt = [t for _, t in ins] + [p for _, p in params if p.requires_grad]
    grads = [None] * len(wrt)
    if diff and wrt:
        try:
            grads = list(torch.autograd.grad([outs[i] for i in diff], wrt, [gouts[i] for i in diff],
                                             allow_unused=True))
        except Exception as e:
            s["grad_error"] = "%s: %s" % (type(e).__name__, short(e))
            stats["grad errors"] += 1
    s["input_grads"] = [{"path": p, "grad": opt_tensor(g)} for (p, _), g in zip(ins, grads)]
    pg = iter(grads[len(ins):])
    s["param_grads"] = [{"name": n, "grad": opt_tensor(next(pg)) if p.requires_grad else None}
                        for n, p in params]
    return s


def export_moduleinfo(mi, stats):
    cls = mi.module_cls
    line = {"name": cls.__name__, "module_info": mi.name,
            "train_and_eval_differ": bool(mi.train_and_eval_differ), "error": None, "samples": []}
    trainings = [True, False] if mi.train_and_eval_differ else [True]
    for dtype in DTYPES:
        if dtype not in set(mi.dtypes):
            continue
        for training in trainings:
            try:
                seed_all(0)
                inputs = list(mi.module_inputs_func(mi, device="cpu", dtype=dtype,
                                                    requires_grad=True, training=training))
            except Exception as e:
                msg = "sample generation raised: %s: %s" % (type(e).__name__, short(e))
                if line["error"] is None:
                    line["error"] = msg
                continue
            for i, minput in enumerate(inputs):
                stats["samples"] += 1
                try:
                    s = export_sample(mi, cls, dtype, training, i, minput, stats)
                except Exception as e:
                    s = {"dtype": dtype_name(dtype), "training": training, "index": i,
                         "desc": getattr(minput, "desc", ""),
                         "na": "exporter error: %s: %s %s" % (
                             type(e).__name__, short(e), traceback.format_exc(limit=2).replace("\n", " "))}
                if s["na"]:
                    stats["na"][s["na"][:90]] += 1
                else:
                    stats["ok"] += 1
                line["samples"].append(s)
    return line


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="output .jsonl file ('-' for stdout)")
    ap.add_argument("--only", default="", help="comma-separated names: class (Linear) or ModuleInfo (nn.Linear)")
    opts = ap.parse_args(argv)

    t0 = time.time()
    warnings.simplefilter("ignore")
    if os.environ.get("TORCHGO_NUM_THREADS"):
        torch.set_num_threads(int(os.environ["TORCHGO_NUM_THREADS"]))
    if "expecttest" not in sys.modules:
        stub = types.ModuleType("expecttest")
        stub.TestCase = unittest.TestCase
        stub.ACCEPT = False
        sys.modules["expecttest"] = stub
    from torch.testing._internal.common_modules import module_db

    only = set(x.strip() for x in opts.only.split(",") if x.strip())
    mis = [mi for mi in module_db if not only or mi.module_cls.__name__ in only or mi.name in only]
    if only:
        known = set(mi.module_cls.__name__ for mi in module_db) | set(mi.name for mi in module_db)
        for n in sorted(only - known):
            sys.stderr.write("moduleinfo_export: no ModuleInfo named %r\n" % n)

    stats = {"samples": 0, "ok": 0, "na": collections.Counter(), "grad errors": 0}
    size = 0
    out = sys.stdout if opts.out == "-" else open(opts.out, "w")
    try:
        for mi in mis:
            try:
                line = export_moduleinfo(mi, stats)
            except Exception as e:
                line = {"name": mi.module_cls.__name__, "module_info": mi.name,
                        "train_and_eval_differ": bool(mi.train_and_eval_differ), "samples": [],
                        "error": "exporter error: %s: %s" % (type(e).__name__, short(e))}
            try:
                text = json.dumps(line, separators=(",", ":"), allow_nan=False)
            except Exception as e:
                text = json.dumps({"name": mi.module_cls.__name__, "module_info": mi.name,
                                   "train_and_eval_differ": bool(mi.train_and_eval_differ), "samples": [],
                                   "error": "exporter error: json: %s" % short(e)})
            out.write(text + "\n")
            size += len(text) + 1
    finally:
        if out is not sys.stdout:
            out.close()

    w = sys.stderr.write
    w("moduleinfo_export: %d ModuleInfos, %d samples (%d exported, %d n/a), %.1f MB, %.1f s\n"
      % (len(mis), stats["samples"], stats["ok"], stats["samples"] - stats["ok"], size / 1e6, time.time() - t0))
    if stats["grad errors"]:
        w("  grad errors: %d\n" % stats["grad errors"])
    for reason, n in stats["na"].most_common(20):
        w("    %5d  %s\n" % (n, reason))
    return 0


if __name__ == "__main__":
    sys.exit(main())
