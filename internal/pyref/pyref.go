// Package pyref runs reference computations in real PyTorch for tests.
//
// The Python is $TORCHGO_PYTHON (default /usr/bin/python3, which has Debian's
// python3-torch, the same libtorch as the Go build). A test that needs it and
// finds no torch is skipped with the reason, except under CI (CI=true), where
// a missing peer is a failure: CI installs it, so a skip there would hide a
// broken set-up.
package pyref

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Python returns the interpreter's path, or skips (fails under CI) t when it
// cannot import torch.
func Python(t testing.TB) string {
	t.Helper()
	py, err := available()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pyref: PyTorch peer unavailable under CI: %v", err)
		}
		t.Skipf("pyref: PyTorch peer unavailable (%v); install python3-torch or set TORCHGO_PYTHON", err)
	}
	return py
}

var (
	probeOnce    sync.Once
	probePath    string
	probeErr     error
	probeVersion string // "torch torchvision", e.g. "1.13.0a0 0.14.1a0"
)

// RequireVersion skips t, saying why, unless the peer's torch version starts
// with torchPrefix (and, when visionPrefix is not "", torchvision's with
// visionPrefix). For tests whose expected values are one release's
// behaviour: optimizer state layouts, torchvision defaults. They still run
// in the main suite against Debian 12's 1.13; the libtorch 2.6 check lists
// them as skipped.
func RequireVersion(t testing.TB, torchPrefix, visionPrefix, why string) {
	t.Helper()
	Python(t)
	torchV, visionV, _ := strings.Cut(probeVersion, " ")
	if !strings.HasPrefix(torchV, torchPrefix) || (visionPrefix != "" && !strings.HasPrefix(visionV, visionPrefix)) {
		t.Skipf("pyref: expected values follow torch %s / torchvision %s (%s); the peer is torch %s / torchvision %s",
			torchPrefix, visionPrefix, why, torchV, visionV)
	}
}

func available() (string, error) {
	probeOnce.Do(func() {
		probePath = os.Getenv("TORCHGO_PYTHON")
		if probePath == "" {
			probePath = "/usr/bin/python3"
		}
		out, err := exec.Command(probePath, "-c", `import torch
try:
    import torchvision
    v = torchvision.__version__
except ImportError:
    v = "none"
print(torch.__version__, v)`).CombinedOutput()
		if err != nil {
			probeErr = &probeError{path: probePath, out: string(out), err: err}
		}
		probeVersion = strings.TrimSpace(string(out))
	})
	return probePath, probeErr
}

type probeError struct {
	path, out string
	err       error
}

func (e *probeError) Error() string {
	return e.path + " -c 'import torch': " + e.err.Error() + ": " + e.out
}

// Prelude is prepended to every script: helpers to exchange tensors exactly.
//
//	enc(t)  -> {"dtype": "float32", "shape": [...], "hex": little-endian bytes}
//	dec(d)  -> the tensor enc produced
//	IN      -> the JSON input given to Run
//	scripts/ is on the path: `from seednet import Net` is the seed's network
//	out(v)  -> print v as the JSON result (call once)
const Prelude = `
import os, sys, json, torch
torch.set_printoptions(profile="default")
# The same intra-op thread count as the Go side (see torch's init): PyTorch's
# default unless TORCHGO_NUM_THREADS sets it, since some kernels' rounding
# depends on it.
if os.environ.get("TORCHGO_NUM_THREADS"):
    torch.set_num_threads(int(os.environ["TORCHGO_NUM_THREADS"]))
def enc(t):
    t = t.detach().cpu().contiguous()
    raw = t.view(torch.int16) if t.dtype == torch.bfloat16 else t
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "hex": raw.numpy().tobytes().hex()}
_dt = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "bfloat16": torch.bfloat16,
       "int8": torch.int8, "int16": torch.int16, "int32": torch.int32, "int64": torch.int64, "uint8": torch.uint8, "bool": torch.bool}
def dec(d):
    dt = _dt[d["dtype"]]
    raw = bytearray.fromhex(d["hex"])
    if len(raw) == 0:
        return torch.empty(d["shape"], dtype=dt)
    return torch.frombuffer(raw, dtype=dt).clone().reshape(d["shape"])
IN = json.load(sys.stdin)
def out(v):
    json.dump(v, sys.stdout)
`

// Run executes script (after Prelude) with input as JSON on stdin and
// decodes the JSON it prints into result. It fails t on any error, showing
// Python's stderr.
func Run(t testing.TB, script string, input, result any) {
	t.Helper()
	py := Python(t)
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatalf("pyref: encoding input: %v", err)
	}
	cmd := exec.Command(py, "-c", Prelude+script)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+scriptsDir())
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pyref: python failed: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), result); err != nil {
		t.Fatalf("pyref: decoding python output: %v\n%s", err, stdout.String())
	}
}

// scriptsDir is the repository's scripts folder, put on Python's path so
// that scripts can import shared definitions (seednet.Net).
func scriptsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts")
}

// Tensor is a tensor as exchanged with Python: dtype name, shape and the
// little-endian bytes of its contiguous elements as hex.
type Tensor struct {
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"`
	Hex   string  `json:"hex"`
}
