#!/usr/bin/env python3
"""Generates torch/aten_gen.go: a typed Go wrapper for every aten function
and method of native_functions.yaml (read by PyTorch's own torchgen, which
python3-torch ships) whose argument and return types torchgo can pass.

Usage: gen_aten.py OUT.go [TORCH_DIR]   (run by `go generate ./torch`)

TORCH_DIR (default: OUT's folder) holds package torch's hand-written files.

Each wrapper calls its operator through c10's boxed dispatcher (Op.call in
torch/dispatch.go), by schema name and overload, so this file holds no C++
and the calls run on any libtorch that registers the op. The convention for
arguments, also written in torch/doc.go:
  - Arguments without a default are Go parameters, in schema order; `self`
    is the receiver when the op has a method variant.
  - Arguments with a default are fields of an optional trailing XxxOpts
    struct. A zero field means the schema's default, taken from the running
    libtorch at call time: fields whose default is not Go's zero value are
    pointers (nil: default), and Tensor, Scalar and list fields are nil for
    the default.
  - Optional (T?) arguments are pointers, nil for None; a Scalar is `any`.
  - out= variants and private (_name) ops are left out; so is any op whose
    Go name a hand-written function, method or type of package torch already
    has (compared ignoring case and underscores): the hand-written one stays.
"""
import os
import re
import sys
import glob
import keyword
import subprocess

from torchgen.gen import parse_native_yaml
from torchgen.model import Variant
import torchgen

INITIALISMS = {
    "mse": "MSE", "nll": "NLL", "ctc": "CTC", "gelu": "GELU", "relu": "ReLU", "relu6": "ReLU6",
    "selu": "SELU", "celu": "CELU", "elu": "ELU", "silu": "SiLU", "glu": "GLU", "lstm": "LSTM",
    "gru": "GRU", "rnn": "RNN", "fft": "FFT", "ifft": "IFFT", "rfft": "RFFT", "irfft": "IRFFT",
    "svd": "SVD", "qr": "QR", "lu": "LU", "nan": "NaN", "cpu": "CPU", "cuda": "CUDA", "id": "ID",
    "rrelu": "RReLU", "prelu": "PReLU", "mkldnn": "MKLDNN", "fbgemm": "FBGEMM", "stft": "STFT",
    "istft": "ISTFT", "cudnn": "CuDNN", "miopen": "MIOpen", "lstsq": "Lstsq", "bce": "BCE",
}

GO_KEYWORDS = set("break case chan const continue default defer else fallthrough for func go goto if "
                  "import interface map package range return select struct switch type var".split())

# Go type, and how an unset value is told apart: "zero" (plain type whose
# zero is the default), "ptr" (pointer, nil unset) or "nil" (nilable).
BASE = {
    "Tensor": "*Tensor", "int": "int64", "SymInt": "int64", "float": "float64", "bool": "bool",
    "Scalar": "any", "str": "string", "ScalarType": "DType", "Layout": "Layout",
    "MemoryFormat": "MemoryFormat", "Device": "Device", "Generator": "*Generator",
}
LISTS = {"int": "[]int64", "SymInt": "[]int64", "float": "[]float64", "bool": "[]bool",
         "Tensor": "[]*Tensor", "Tensor?": "[]*Tensor"}
NILABLE = ("*", "[]", "any")


def go_type(t):
    """The Go type of a schema type string, or None when unsupported."""
    m = re.fullmatch(r"(\w+\??)\[(\d*)\](\?)?", t)
    if m:
        return LISTS.get(m.group(1))
    opt = t.endswith("?")
    g = BASE.get(t.rstrip("?"))
    if g is None:
        return None
    if opt and not g.startswith(NILABLE):
        return "*" + g
    return g


def nilable(g):
    return g.startswith(NILABLE)


def is_zero_default(default, g):
    return default in ("0", "False", "0.0", "None", "[]", '""', "''") or (nilable(g) and default == "None")


def camel(s):
    return "".join(INITIALISMS.get(p, p[:1].upper() + p[1:]) for p in s.split("_") if p)


def lower_camel(s):
    c = camel(s)
    c = c[:1].lower() + c[1:]
    if c in GO_KEYWORDS or c in ("t", "o", "r", "opts") or keyword.iskeyword(c):
        c += "_"
    return c


def squash(name):
    """name without case and underscores, keeping an in-place form's "_"."""
    return name.replace("_", "").lower() + ("_" if name.endswith("_") else "")


def handwritten(torch_dir):
    """Names that package torch already defines (functions, methods, types, values)."""
    names = set()
    for path in glob.glob(os.path.join(torch_dir, "*.go")):
        if path.endswith("_test.go") or path.endswith("_gen.go"):
            continue
        src = open(path).read()
        names |= set(re.findall(r"^func (?:\([^)]*\) )?([A-Z]\w*)", src, re.M))
        names |= set(re.findall(r"^type ([A-Z]\w*)", src, re.M))
        names |= set(re.findall(r"^\t([A-Z]\w*)\s+(?:[A-Z]\w*\s*)?=", src, re.M))
        names |= set(re.findall(r"^(?:var|const) ([A-Z]\w*)", src, re.M))
    return {squash(n) for n in names}


def main(out_path, torch_dir):
    taken = handwritten(torch_dir)
    d = os.path.join(os.path.dirname(torchgen.__file__), "packaged", "ATen", "native")
    fns = parse_native_yaml(os.path.join(d, "native_functions.yaml"), os.path.join(d, "tags.yaml")).native_functions

    groups = {}
    for f in fns:
        n = f.func.name
        if f.func.is_out_fn() or n.name.base.startswith("_") or n.name.dunder_method:
            continue
        groups.setdefault((n.name.base, n.name.inplace), []).append(f)

    used, decls, skipped = set(), [], 0
    for (base, inplace), fs in sorted(groups.items()):
        overloads = [f.func.name.overload_name for f in fs]
        primary = "" if "" in overloads else overloads[0]
        for f in fs:
            ov = f.func.name.overload_name
            name = camel(base) + ("" if ov == primary else camel(ov)) + ("_" if inplace else "")
            code = wrapper(f, name, taken, used)
            if code is None:
                skipped += 1
                continue
            used.add(squash(name))
            decls.append(code)

    src = ("// Code generated by scripts/gen_aten.py from native_functions.yaml (torch %s). DO NOT EDIT.\n\n"
           % torchgen_version()) + "package torch\n\n" + "\n".join(decls)
    src = subprocess.run(["gofmt"], input=src.encode(), stdout=subprocess.PIPE, check=True).stdout
    with open(out_path, "wb") as w:
        w.write(src)
    print("gen_aten.py: %d wrappers, %d left out" % (len(decls), skipped), file=sys.stderr)


def torchgen_version():
    try:
        import torch
        return torch.__version__.split("+")[0]
    except Exception:
        return "unknown"


def wrapper(f, name, taken, used):
    if squash(name) in taken or squash(name) in used or squash(name + "Opts") in taken:
        return None
    args = list(f.func.arguments.flat_all)
    method = Variant.method in f.variants and args and args[0].name == "self" and str(args[0].type) == "Tensor"
    if not method and Variant.function not in f.variants:
        return None
    rets = [str(r.type) for r in f.func.returns]
    if len(rets) == 1 and rets[0] == "Tensor":
        rtype = "*Tensor"
    elif len(rets) > 1 and all(r == "Tensor" for r in rets):
        rtype = "(" + ", ".join(["*Tensor"] * len(rets)) + ")"
    elif rets == ["Tensor[]"]:
        rtype = "[]*Tensor"
    elif len(rets) == 1 and rets[0] in ("int", "SymInt", "float", "bool", "Scalar"):
        rtype = {"int": "int64", "SymInt": "int64", "float": "float64", "bool": "bool", "Scalar": "any"}[rets[0]]
    elif not rets:
        rtype = ""
    else:
        return None

    params, fields, call = [], [], []
    for i, a in enumerate(args):
        g = go_type(str(a.type))
        if g is None:
            return None
        if method and i == 0:
            call.append("t")
        elif a.default is None:
            p = lower_camel(a.name)
            params.append("%s %s" % (p, g))
            if g.startswith("*") and g not in ("*Tensor", "*Generator"):
                call.append("deref(%s)" % p)
            elif g.startswith("[]") and str(a.type).endswith("?"):
                call.append("optList(%s)" % p)  # nil is None, not []
            else:
                call.append(p)
        else:
            fn = camel(a.name)
            if not nilable(g) and not is_zero_default(a.default, g):
                g = "*" + g
            fields.append((fn, g, a.default))
            call.append(("unsetPtr(o.%s)" if g.startswith("*") and g not in ("*Tensor", "*Generator")
                         else "unsetNil(o.%s)" if nilable(g) else "unset(o.%s)") % fn)
    opts = name + "Opts"  # Addbmm_Opts for the in-place Addbmm_
    if fields:
        params.append("opts ...%s" % opts)

    schema = str(f.func)
    qual = "aten::" + str(f.func.name.name)
    ov = f.func.name.overload_name
    var = "op" + name.replace("_", "I")
    recv = "(t *Tensor) " if method else ""
    py = ("x." if method else "torch.") + str(f.func.name.name)
    lines = ["// %s is %s (%s)." % (name, qual + ("." + ov if ov else ""), py),
             "//",
             "//\t%s" % schema]
    if fields:
        lines.append("//\n// Optional arguments are the fields of %s." % opts)
    lines.append("func %s%s(%s) %s {" % (recv, name, ", ".join(params), rtype))
    if fields:
        lines.append("\tvar o %s" % opts)
        lines.append("\tif len(opts) > 0 {\n\t\to = opts[0]\n\t}")
    invoke = "%s.call(%s)" % (var, ", ".join(call))
    if not rtype:
        lines.append("\t" + invoke)
    elif rtype.startswith("("):
        n = len(rets)
        lines.append("\tr := " + invoke)
        lines.append("\treturn " + ", ".join("r[%d].(*Tensor)" % k for k in range(n)))
    elif rtype == "*Tensor":
        lines.append("\treturn %s.tensor(%s)" % (var, ", ".join(call)))
    else:
        lines.append("\treturn %s[0].(%s)" % (invoke, rtype) if rtype != "any" else "\treturn %s[0]" % invoke)
    lines.append("}")
    lines.append("")
    lines.append('var %s = &lazyOp{name: "%s", overload: "%s"}' % (var, qual, ov))
    lines.append("")
    if fields:
        lines.append("// %s are %s's optional arguments; a zero field takes the schema's default." % (opts, name))
        lines.append("type %s struct {" % opts)
        for fn, g, dflt in fields:
            lines.append("\t%s %s // default %s" % (fn, g, dflt))
        lines.append("}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "aten_gen.go"
    main(out, sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(out)))
