package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const testdata = "../../torch/pt/testdata"

// expected is the description scripts/gen_pt_fixtures.py wrote, with the
// SHA-256 values Python computed.
type expected struct {
	File          string                     `json:"file"`
	Tensors       []tensorInfo               `json:"tensors"`
	Values        map[string]json.RawMessage `json:"values"`
	ErrorContains string                     `json:"error_contains"`
}

func decodeNumbers(t *testing.T, b []byte) any {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return norm(v)
}

// norm makes ints int64 and floats (written with "." or an exponent)
// float64, so 1e-08 and 1e-8 compare equal but 2 and 2.0 do not.
func norm(v any) any {
	switch x := v.(type) {
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			if i, err := x.Int64(); err == nil {
				return i
			}
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = norm(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = norm(x[k])
		}
	}
	return v
}

func TestJSONMatchesPython(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(testdata, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		var e expected
		require.NoError(t, json.Unmarshal(raw, &e))
		t.Run(e.File, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{filepath.Join(testdata, e.File), "--json"}, &stdout, &stderr)
			if e.ErrorContains != "" {
				require.Equal(t, 1, code)
				require.Empty(t, stdout.String())
				msg := stderr.String()
				require.Equal(t, 1, strings.Count(msg, "\n"), msg)
				require.True(t, strings.HasPrefix(msg, "ptinfo: "), msg)
				require.Contains(t, msg, e.ErrorContains)
				return
			}
			require.Equal(t, 0, code, stderr.String())
			var got struct {
				Tensors []tensorInfo    `json:"tensors"`
				Values  json.RawMessage `json:"values"`
			}
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
			if e.Tensors == nil {
				e.Tensors = []tensorInfo{}
			}
			require.Equal(t, e.Tensors, got.Tensors)
			want := map[string]any{}
			for k, v := range e.Values {
				want[k] = decodeNumbers(t, v)
			}
			gotVals := decodeNumbers(t, got.Values).(map[string]any)
			for k := range gotVals {
				if strings.HasPrefix(k, "__metadata__.") {
					delete(gotVals, k)
				}
			}
			require.Equal(t, want, gotVals)
		})
	}
}

func TestTextOutput(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{filepath.Join(testdata, "checkpoint.pt")}, &stdout, &stderr), stderr.String())
	out := stdout.String()
	require.Contains(t, out, "zip format")
	require.Regexp(t, `(?m)^state_dict\.2\.num_batches_tracked\s+int64\s+\[\]\s+[0-9a-f]{64}$`, out)
	require.Regexp(t, `(?m)^hyper_parameters\.lr\s+0\.01\s*$`, out)

	stdout.Reset()
	require.Equal(t, 0, run([]string{filepath.Join(testdata, "model.safetensors")}, &stdout, &stderr))
	require.Contains(t, stdout.String(), "safetensors format")
	require.Regexp(t, `(?m)^__metadata__\.note\s+"hand-written"\s*$`, stdout.String())

	stdout.Reset()
	require.Equal(t, 0, run([]string{filepath.Join(testdata, "tensor_top.pt")}, &stdout, &stderr))
	require.Contains(t, stdout.String(), "(top level)")
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"a", "b"}, {"--bogus", "x"}} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 2, run(args, &stdout, &stderr), args)
		require.Equal(t, 1, strings.Count(stderr.String(), "\n"))
	}
	var stdout, stderr bytes.Buffer
	require.Equal(t, 1, run([]string{"/nonexistent/file.pt"}, &stdout, &stderr))
	require.Equal(t, 1, run([]string{testdata}, &stdout, &stderr))
}

// TestCommand runs the real binary on a refused file: exit status 1, one
// line on stderr, no stack trace.
func TestCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "ptinfo")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	cmd := exec.Command(bin, filepath.Join(testdata, "bad_system.pt"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	require.Equal(t, 1, exit.ExitCode())
	require.Empty(t, stdout.String())
	require.Regexp(t, `^ptinfo: pt: forbidden global "posix\.system" in data\.pkl \(byte \d+\)\n$`, stderr.String())

	out, err = exec.Command(bin, "--json", filepath.Join(testdata, "shared.pt")).Output()
	require.NoError(t, err)
	require.Contains(t, string(out), `"key": "decoder.weight_t"`)
}
