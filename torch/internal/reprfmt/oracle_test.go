package reprfmt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// oraclePython is the interpreter with torch; override with REPRFMT_PYTHON.
// Plain "python3" on PATH may lack torch, so the Debian one is the default.
func oraclePython() string {
	if p := os.Getenv("REPRFMT_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// oracleCase is one case as testdata/oracle.py reads it.
type oracleCase struct {
	DType        string  `json:"dtype"`
	Shape        []int64 `json:"shape"`
	Values       []any   `json:"values"`
	RequiresGrad bool    `json:"requires_grad"`
	GradFn       string  `json:"grad_fn"`
}

// oracleResult is one result as testdata/oracle.py writes it.
type oracleResult struct {
	Repr   string            `json:"repr"`
	Values []json.RawMessage `json:"values"`
	Error  string            `json:"error"`
}

// pyFloat spells v so that Python's float() parses it exactly.
func pyFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// toOracleCase converts a test tensor to the oracle's input format.
func toOracleCase(tt Tensor) oracleCase {
	c := oracleCase{DType: tt.DType, Shape: tt.Shape, RequiresGrad: tt.RequiresGrad, GradFn: tt.GradFn, Values: []any{}}
	if c.DType == "" {
		c.DType = "float32"
	}
	if c.Shape == nil {
		c.Shape = []int64{}
	}
	for _, v := range tt.Floats {
		c.Values = append(c.Values, pyFloat(v))
	}
	for _, v := range tt.Complex {
		c.Values = append(c.Values, []string{pyFloat(real(v)), pyFloat(imag(v))})
	}
	for _, v := range tt.Ints {
		c.Values = append(c.Values, v)
	}
	for _, v := range tt.Bools {
		c.Values = append(c.Values, v)
	}
	return c
}

// runOracle runs testdata/oracle.py once for all tensors and returns one
// result per tensor. It skips the test when Python or torch is missing.
func runOracle(t *testing.T, tensors []Tensor) []oracleResult {
	t.Helper()
	py := oraclePython()
	if _, err := exec.LookPath(py); err != nil {
		t.Skipf("SKIP live PyTorch comparison: python %q not found: %v", py, err)
	}
	cases := make([]oracleCase, len(tensors))
	for i, tt := range tensors {
		cases[i] = toOracleCase(tt)
	}
	in, err := json.Marshal(cases)
	require.NoError(t, err)
	cmd := exec.Command(py, filepath.Join("testdata", "oracle.py"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "oracle failed: %s", stderr.String())
	var resp struct {
		Skip    string         `json:"skip"`
		Results []oracleResult `json:"results"`
	}
	require.NoError(t, json.Unmarshal(out, &resp), "oracle output: %.500s", out)
	if resp.Skip != "" {
		t.Skipf("SKIP live PyTorch comparison (%s): %s", py, resp.Skip)
	}
	require.Len(t, resp.Results, len(tensors))
	return resp.Results
}

// parsePyFloat parses a float exported by the oracle ("nan", "-inf", ...).
func parsePyFloat(raw json.RawMessage) (float64, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, err
	}
	return strconv.ParseFloat(s, 64)
}

// withOracleValues returns tt with its floating values replaced by the exact
// values PyTorch stored, after checking that they equal this package's own
// rounding of the values that were sent.
func withOracleValues(tt Tensor, res oracleResult) (Tensor, error) {
	info := dtypes[tt.DType]
	if tt.DType == "" {
		info = dtypes["float32"]
	}
	sameBits := func(sent, got float64) error {
		want := info.round(sent)
		if math.Float64bits(want) != math.Float64bits(got) && !(math.IsNaN(want) && math.IsNaN(got)) {
			return fmt.Errorf("rounding %v to %s: torch stored %v, reprfmt rounds to %v", sent, tt.DType, got, want)
		}
		return nil
	}
	switch {
	case len(tt.Floats) > 0:
		out := make([]float64, len(res.Values))
		for i, raw := range res.Values {
			v, err := parsePyFloat(raw)
			if err != nil {
				return tt, err
			}
			if err := sameBits(tt.Floats[i], v); err != nil {
				return tt, err
			}
			out[i] = v
		}
		tt.Floats = out
	case len(tt.Complex) > 0:
		out := make([]complex128, len(res.Values))
		for i, raw := range res.Values {
			var pair [2]json.RawMessage
			if err := json.Unmarshal(raw, &pair); err != nil {
				return tt, err
			}
			re, err := parsePyFloat(pair[0])
			if err != nil {
				return tt, err
			}
			im, err := parsePyFloat(pair[1])
			if err != nil {
				return tt, err
			}
			if err := sameBits(real(tt.Complex[i]), re); err != nil {
				return tt, err
			}
			if err := sameBits(imag(tt.Complex[i]), im); err != nil {
				return tt, err
			}
			out[i] = complex(re, im)
		}
		tt.Complex = out
	}
	return tt, nil
}
