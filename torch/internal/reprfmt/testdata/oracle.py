"""Oracle for the reprfmt tests: prints PyTorch's repr of tensors.

Reads a JSON list of cases on stdin, each
  {"dtype": "float16", "shape": [2, 3], "values": [...],
   "requires_grad": false, "grad_fn": ""}
where floating values are strings accepted by float() ("0.1", "NaN", "-Inf"),
complex values are [real, imag] pairs of such strings, integer values are
JSON integers and bool values JSON booleans.

Writes one JSON object {"results": [...]} (or {"skip": reason} when torch
cannot be imported), with one {"repr": ..., "values": [...], "error": ...}
per case. "values" are the tensor's stored elements after conversion to its
dtype, exported exactly (floats as repr() strings, complex as pairs).
"""
import json
import sys

try:
    import torch
except Exception as exc:  # noqa: BLE001 - any import failure means skip
    print(json.dumps({"skip": "cannot import torch: %r" % (exc,)}))
    sys.exit(0)

GRAD_OPS = {
    # Add and Mul keep real values bit-exact (x + -0.0 == x, also for +0.0)
    # but not complex ones (inf * 1 gives nan parts): use Clone or View there.
    "AddBackward0": lambda x: x + (-0.0),
    "MulBackward0": lambda x: x * 1,
    "CloneBackward0": lambda x: x.clone(),
    "ViewBackward0": lambda x: x.view(x.shape),
}


def build(case):
    dtype = getattr(torch, case["dtype"])
    vals = case["values"]
    if dtype.is_floating_point:
        vals = [float(v) for v in vals]
    elif dtype.is_complex:
        vals = [complex(float(r), float(i)) for r, i in vals]
    t = torch.tensor(vals, dtype=dtype).reshape(case["shape"])
    grad_fn = case.get("grad_fn") or ""
    if case.get("requires_grad") or grad_fn:
        t.requires_grad_(True)
    if grad_fn:
        t = GRAD_OPS[grad_fn](t)
        got = type(t.grad_fn).__name__
        if got != grad_fn:
            raise ValueError("built grad_fn %s, want %s" % (got, grad_fn))
    return t


def export(t):
    t = t.detach().reshape(-1)
    if t.dtype.is_floating_point:
        return [repr(v) for v in t.double().tolist()]
    if t.dtype.is_complex:
        return [[repr(v.real), repr(v.imag)] for v in t.to(torch.complex128).tolist()]
    return t.tolist()


def main():
    results = []
    for case in json.load(sys.stdin):
        try:
            t = build(case)
            r = repr(t)
            if str(t) != r:
                raise ValueError("str and repr differ")
            results.append({"repr": r, "values": export(t)})
        except Exception as exc:  # noqa: BLE001 - reported per case
            results.append({"error": "%s: %s" % (type(exc).__name__, exc)})
    json.dump({"results": results}, sys.stdout)


main()
