#!/usr/bin/python3
"""Regenerate the fixtures of the Go package torch/pt.

Run with the Python that has PyTorch (Debian's python3-torch):

    /usr/bin/python3 scripts/gen_pt_fixtures.py [OUTDIR]

OUTDIR defaults to torch/pt/testdata next to this script's repository root.
For every fixture NAME.pt (or NAME.safetensors) the script writes NAME.json:

    {"file": "NAME.pt", "format": "zip" | "legacy" | "safetensors",
     "tensors": [{"key": dotted path, "dtype": "float32", "shape": [..],
                  "sha256": hex digest of tensor.contiguous() bytes}, ...],
     "values": {dotted path: JSON form of each non-tensor leaf}}

or, for files that must be refused, {"file": ..., "error_contains": text}.
The Go tests compare against these files, never against hand-typed numbers.

Key paths and value encodings follow pt.Flatten and pt.JSONValue: dict keys
and list indices joined with "."; empty containers, sets and torch.Size are
leaves; bytes -> {"bytes": hex}, complex -> {"complex": [re, im]},
non-finite floats -> "nan" / "inf" / "-inf", dtypes -> "float32",
devices -> "cuda:0".

Output is deterministic (torch.manual_seed) except for the legacy files:
torch's legacy writer names storages after their memory addresses, so their
bytes change from run to run while their contents and JSON stay the same.

Debian has no python3-safetensors package, so the safetensors fixtures are
written here by hand with struct and json (the format is an 8-byte
little-endian header length, a JSON header and the raw data).
"""

import collections
import hashlib
import io
import json
import math
import os
import struct
import sys
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "torch", "pt", "testdata")


# ---------------------------------------------------------------- expected

def dtype_name(dt):
    return str(dt)[len("torch."):]


def tensor_sha256(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return hashlib.sha256(t.numpy().tobytes()).hexdigest()


def json_value(v):
    """Mirror of pt.JSONValue for a non-tensor leaf."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(v, complex):
        return {"complex": [json_value(v.real), json_value(v.imag)]}
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": bytes(v).hex()}
    if isinstance(v, torch.dtype):
        return dtype_name(v)
    if isinstance(v, torch.device):
        return str(v)
    if isinstance(v, torch.Size):
        return list(v)
    if isinstance(v, (set, frozenset)):
        return [json_value(x) for x in v]
    if isinstance(v, (list, tuple)):
        return [json_value(x) for x in v]
    if isinstance(v, dict):
        return {key_string(k): json_value(x) for k, x in v.items()}
    raise TypeError(type(v))


def key_string(k):
    if isinstance(k, bool) or k is None:
        return repr(k)
    return str(k)


def flatten(v, name, tensors, values):
    """Mirror of pt.Flatten."""
    join = (lambda k: k) if name == "" else (lambda k: name + "." + k)
    if isinstance(v, torch.Tensor):
        tensors.append({
            "key": name,
            "dtype": dtype_name(v.dtype),
            "shape": list(v.shape),
            "sha256": tensor_sha256(v),
        })
    elif isinstance(v, dict) and len(v) > 0:
        for k, x in v.items():
            flatten(x, join(key_string(k)), tensors, values)
    elif isinstance(v, (list, tuple)) and not isinstance(v, torch.Size) and len(v) > 0:
        for i, x in enumerate(v):
            flatten(x, join(str(i)), tensors, values)
    else:
        values[name] = json_value(v)


def write_expected(name, fmt, obj):
    tensors, values = [], {}
    flatten(obj, "", tensors, values)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"file": name + (".safetensors" if fmt == "safetensors" else ".pt"),
                   "format": fmt, "tensors": tensors, "values": values}, f, indent=1)
        f.write("\n")


def write_error(filename, error_contains):
    base = os.path.splitext(filename)[0]
    with open(os.path.join(OUT, base + ".json"), "w") as f:
        json.dump({"file": filename, "error_contains": error_contains}, f, indent=1)
        f.write("\n")


def save(name, obj, legacy=False, **kw):
    path = os.path.join(OUT, name + ".pt")
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy, **kw)
    # Check that what we describe is what torch reads back.
    back = torch.load(path)
    t1, v1, t2, v2 = [], {}, [], {}
    flatten(obj, "", t1, v1)
    flatten(back, "", t2, v2)
    assert t1 == t2 and json.dumps(v1) == json.dumps(v2), name
    write_expected(name, "legacy" if legacy else "zip", obj)
    return path


# ---------------------------------------------------------------- models

def mlp():
    torch.manual_seed(0)
    m = torch.nn.Sequential(
        torch.nn.Linear(4, 8),
        torch.nn.ReLU(),
        torch.nn.BatchNorm1d(8),
        torch.nn.Linear(8, 3),
    )
    # One training step so that the BatchNorm buffers are not trivial.
    m.train()
    m(torch.randn(5, 4))
    return m


def convnet():
    torch.manual_seed(1)
    m = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3),
        torch.nn.BatchNorm2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(8, 2, bias=False),
    )
    m.train()
    m(torch.randn(3, 1, 4, 4))
    return m


def every_dtype():
    torch.manual_seed(2)
    base = torch.randn(2, 3)
    d = collections.OrderedDict()
    d["float32"] = base.clone()
    d["float64"] = base.double()
    d["float16"] = base.half()
    d["bfloat16"] = base.bfloat16()
    d["int8"] = torch.tensor([-128, -1, 0, 1, 127], dtype=torch.int8)
    d["int16"] = torch.tensor([-32768, -2, 0, 3, 32767], dtype=torch.int16)
    d["int32"] = torch.tensor([[-2**31, 0], [7, 2**31 - 1]], dtype=torch.int32)
    d["int64"] = torch.tensor([-2**63, -1, 0, 2**40, 2**63 - 1], dtype=torch.int64)
    d["uint8"] = torch.arange(0, 256, 51, dtype=torch.uint8)
    d["bool"] = torch.tensor([[True, False, True], [False, False, True]])
    d["complex64"] = torch.complex(base, -base)
    d["complex128"] = torch.complex(base.double(), base.double() * 2)
    d["special"] = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0, 1e-45])
    return d


def views():
    torch.manual_seed(3)
    base = torch.randn(4, 5)
    cube = torch.arange(24, dtype=torch.int32).reshape(2, 3, 4)
    d = collections.OrderedDict()
    d["base"] = base
    d["transposed"] = base.t()
    d["rows_1_3"] = base[1:3]                      # storage offset 5
    d["col_2"] = base[:, 2]                        # offset 2, stride 5
    d["every_other"] = base[::2, 1::2]             # offset 1, strides (10, 2)
    d["narrow_tail"] = base.view(-1)[13:]          # offset 13
    d["expanded"] = torch.tensor([1.5, 2.5]).expand(3, 2)   # stride 0
    d["cube_permuted"] = cube.permute(2, 0, 1)     # non-contiguous 3-d
    d["cube_slice"] = cube[1, :, 1:3]              # offset 13
    d["scalar_of_view"] = base[2, 3]               # 0-dim view, offset 13
    return d


def checkpoint():
    m = mlp()
    torch.manual_seed(4)
    sgd = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    adam = torch.optim.Adam(m.parameters(), lr=1e-3, betas=(0.9, 0.999))
    for opt in (sgd, adam):
        opt.zero_grad()
        m(torch.randn(6, 4)).pow(2).mean().backward()
        opt.step()
    return {
        "epoch": 3,
        "global_step": 120,
        "state_dict": m.state_dict(),
        "optimizer_sgd": sgd.state_dict(),
        "optimizer_adam": adam.state_dict(),
        "hyper_parameters": {
            "lr": 0.01,
            "name": "mlp",
            "layers": [4, 8, 3],
            "use_bn": True,
            "dropout": None,
            "betas": (0.9, 0.999),
            "weight_decay": 0.0,
            "eps": 1e-8,
            "big": 2**40,
            "negative": -7,
            "int64_min": -2**63,
        },
        "scalar": torch.tensor(3.5),
        "empty": torch.empty(0, 3),
        "empty_dict": {},
        "empty_list": [],
        "dtype": torch.float16,
        "size": torch.Size([2, 3]),
        "device": torch.device("cpu"),
        "complex": complex(1.5, -2.0),
        "bytes": b"\x00\x01\xfe",
        "bytearray": bytearray(b"ab"),
        "set": {1, 2, 3},
        "frozenset": frozenset(["a"]),
        "nan": float("nan"),
        "param": torch.nn.Parameter(torch.ones(2)),
        3: "int key",
    }


# ---------------------------------------------------------------- refused files

class Reduce:
    """An object that pickles as func(*args)."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def safetensors_bytes(entries, metadata=None, raw_offsets=None):
    """Build a safetensors file by hand. entries: list of (name, tensor)."""
    tags = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16",
            torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
            torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data = b""
    for name, t in entries:
        t = t.contiguous()
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        offsets = [len(data), len(data) + len(raw)]
        if raw_offsets and name in raw_offsets:
            offsets = raw_offsets[name]
        header[name] = {"dtype": tags[t.dtype], "shape": list(t.shape), "data_offsets": offsets}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith((".pt", ".json", ".safetensors")):
            os.remove(os.path.join(OUT, f))

    save("mlp_state_dict", mlp().state_dict())
    save("conv_state_dict", convnet().state_dict())
    save("dtypes", every_dtype())
    save("views", views())
    base = torch.randn(3, 2)
    save("shared", collections.OrderedDict([
        ("embedding.weight", base),
        ("decoder.weight", base),           # the same tensor twice
        ("decoder.weight_t", base.t()),     # another view of its storage
        ("first_row", base[0]),
    ]))
    save("tensor_top", torch.arange(12, dtype=torch.float64).reshape(3, 4).t()[1:])
    save("scalar_top", torch.tensor(7, dtype=torch.int64))
    save("checkpoint", checkpoint())
    save("checkpoint_protocol4", checkpoint(), pickle_protocol=4)
    save("checkpoint_protocol5", checkpoint(), pickle_protocol=5)
    save("legacy_state_dict", mlp().state_dict(), legacy=True)
    save("legacy_views", views(), legacy=True)
    save("legacy_checkpoint", checkpoint(), legacy=True)

    # Safetensors, written by hand (no python3-safetensors in Debian).
    torch.manual_seed(5)
    st_entries = [
        ("a.weight", torch.randn(3, 4)),
        ("a.bias", torch.randn(4).double()),
        ("half", torch.randn(2, 2).half()),
        ("bf16", torch.randn(3).bfloat16()),
        ("long", torch.tensor([1, -2, 3], dtype=torch.int64)),
        ("int", torch.tensor([[5]], dtype=torch.int32)),
        ("short", torch.tensor([-7, 8], dtype=torch.int16)),
        ("char", torch.tensor([-1, 1], dtype=torch.int8)),
        ("byte", torch.tensor([0, 255, 3], dtype=torch.uint8)),
        ("mask", torch.tensor([True, False, True])),
        ("scalar", torch.tensor(2.0)),
        ("empty", torch.empty(0, 2)),
    ]
    with open(os.path.join(OUT, "model.safetensors"), "wb") as f:
        f.write(safetensors_bytes(st_entries, {"format": "pt", "note": "hand-written"}))
    write_expected("model", "safetensors", collections.OrderedDict(st_entries))

    with open(os.path.join(OUT, "bad_overlap.safetensors"), "wb") as f:
        f.write(safetensors_bytes([("x", torch.ones(2)), ("y", torch.ones(2))],
                                  raw_offsets={"y": [4, 12]}))
    write_error("bad_overlap.safetensors", "overlaps")

    # A pickle naming a forbidden global: torch.load(weights_only=False)
    # would run eval / os.system.
    torch.save({"x": Reduce(eval, ("print('pwned')",))}, os.path.join(OUT, "bad_eval.pt"))
    write_error("bad_eval.pt", 'forbidden global "builtins.eval"')
    torch.save([Reduce(os.system, ("echo pwned",))], os.path.join(OUT, "bad_system.pt"))
    write_error("bad_system.pt", 'forbidden global "%s.system"' % os.system.__module__)

    # Truncated archives.
    good = open(os.path.join(OUT, "mlp_state_dict.pt"), "rb").read()
    with open(os.path.join(OUT, "bad_truncated.pt"), "wb") as f:
        f.write(good[: len(good) // 2])
    write_error("bad_truncated.pt", "corrupt or truncated zip archive")
    legacy = open(os.path.join(OUT, "legacy_state_dict.pt"), "rb").read()
    with open(os.path.join(OUT, "bad_legacy_truncated.pt"), "wb") as f:
        f.write(legacy[:-10])
    write_error("bad_legacy_truncated.pt", "unexpected end of data")

    # A tensor whose extent (offset + sum((size-1)*stride) + 1) exceeds its
    # storage: torch itself would read past the storage.
    small = torch.arange(4, dtype=torch.float32)
    torch.save({"w": Reduce(torch._utils._rebuild_tensor_v2,
                            (small.storage(), 2, (3,), (1,), False, collections.OrderedDict()))},
               os.path.join(OUT, "bad_extent.pt"))
    write_error("bad_extent.pt", "needs 5 storage elements, storage has 4")

    # A storage record shorter than its persistent id declares.
    buf = io.BytesIO()
    torch.save({"w": torch.arange(6, dtype=torch.float32)}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(os.path.join(OUT, "bad_short_record.pt"), "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("/data/0"):
                data = data[:-8]
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), data)
    write_error("bad_short_record.pt", "holds 16 bytes, but its persistent id declares 6 float32 elements (24 bytes)")

    # An int that does not fit in int64.
    torch.save({"huge": 2**70}, os.path.join(OUT, "bad_bigint.pt"))
    write_error("bad_bigint.pt", "does not fit in int64")

    # A TorchScript archive.
    scripted = torch.jit.script(torch.nn.Linear(2, 1))
    torch.jit.save(scripted, os.path.join(OUT, "bad_torchscript.pt"))
    write_error("bad_torchscript.pt", "TorchScript archive")

    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print("wrote %d files, %d bytes, to %s" % (len(os.listdir(OUT)), total, os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
