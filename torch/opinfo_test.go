package torch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// PyTorch's own operator test database, op_db (torch.testing._internal.
// common_methods_invocations), replayed through torchgo. Python exports
// each OpInfo's CPU samples for float32, float64, int64 and bool as the
// aten calls they make at the dispatcher, with PyTorch's outputs and
// gradients (scripts/opinfo_export.py, run live); Go makes the same boxed
// calls by schema name and overload, then backward through them, and
// compares every output and gradient byte for byte.
//
// TORCHGO_OPINFO_ONLY=name,name restricts the export (for debugging).
func TestOpInfoMatchesPyTorch(t *testing.T) {
	py := pyref.Python(t)
	out := filepath.Join(t.TempDir(), "opinfo.jsonl")
	args := []string{"../scripts/opinfo_export.py", out}
	if only := os.Getenv("TORCHGO_OPINFO_ONLY"); only != "" {
		args = append(args, "--only", only)
	}
	cmd := exec.Command(py, args...)
	cmd.Dir = "."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), "opinfo_export.py: %s", stderr.String())
	t.Logf("export: %s", strings.TrimSpace(firstLine(stderr.String())))

	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<30)

	var results []oiResult
	for sc.Scan() {
		var line oiLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
		results = append(results, replayOpInfo(&line))
	}
	require.NoError(t, sc.Err())
	report(t, results)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// The export's JSON, as scripts/opinfo_export.py documents it.
type oiLine struct {
	Name    string     `json:"name"`
	Variant string     `json:"variant"`
	Samples []oiSample `json:"samples"`
}

type oiSample struct {
	DType       string     `json:"dtype"`
	Index       int        `json:"index"`
	NA          *string    `json:"na"`
	Inputs      []oiTensor `json:"inputs"`
	Constants   []oiTensor `json:"constants"`
	Calls       []oiCall   `json:"calls"`
	Outputs     []oiOutput `json:"outputs"`
	GradOutputs []oiTensor `json:"grad_outputs"`
	Grads       []oiGrad   `json:"grads"`
	GradError   *string    `json:"grad_error"`
}

type oiTensor struct {
	DType        string  `json:"dtype"`
	Shape        []int64 `json:"shape"`
	Stride       []int64 `json:"stride"`
	Offset       int64   `json:"offset"`
	Contiguous   bool    `json:"contiguous"`
	RequiresGrad bool    `json:"requires_grad"`
	Data         []byte  `json:"data"`
	Storage      []byte  `json:"storage"`
	ID           int     `json:"id"`
	Output       int     `json:"output"`
}

type oiCall struct {
	Op       string                     `json:"op"`
	Overload string                     `json:"overload"`
	Args     []json.RawMessage          `json:"args"`
	Kwargs   map[string]json.RawMessage `json:"kwargs"`
	Out      []*int                     `json:"out"`
	NoGrad   bool                       `json:"no_grad"`
}

type oiOutput struct {
	Ref      *int            `json:"ref"`
	Expect   json.RawMessage `json:"expect"`
	Unstable string          `json:"unstable"`
}

type oiGrad struct {
	ID       int       `json:"id"`
	Grad     *oiTensor `json:"grad"`
	Unstable string    `json:"unstable"`
}

// oiResult is one OpInfo's outcome: counts of samples and the failures.
type oiResult struct {
	name             string
	pass, fail, na   int
	failures, naWhys []string
}

func (r oiResult) status() string {
	switch {
	case r.fail > 0:
		return "fail"
	case r.pass > 0:
		return "pass"
	}
	return "n/a"
}

func replayOpInfo(line *oiLine) oiResult {
	r := oiResult{name: line.Name}
	if line.Variant != "" {
		r.name += "." + line.Variant
	}
	for i := range line.Samples {
		s := &line.Samples[i]
		tag := fmt.Sprintf("%s[%d]", s.DType, s.Index)
		if os.Getenv("TORCHGO_OPINFO_TRACE") != "" {
			fmt.Fprintln(os.Stderr, "opinfo:", r.name, tag)
		}
		if s.NA != nil {
			r.na++
			r.naWhys = append(r.naWhys, tag+": "+*s.NA)
			continue
		}
		var why string
		err := Catch(func() error {
			WithScope(func(*Scope) { why = replaySample(s) })
			return nil
		})
		if err != nil {
			why = oneLine(err.Error())
		}
		if why == "" {
			r.pass++
		} else {
			r.fail++
			r.failures = append(r.failures, tag+": "+why)
		}
	}
	return r
}

func oneLine(s string) string {
	s = strings.SplitN(s, "\n", 2)[0]
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// replaySample makes the sample's calls and returns "" when every output
// and gradient equals PyTorch's, else the first difference.
func replaySample(s *oiSample) string {
	ManualSeed(0)
	vals := map[int]*Tensor{}
	for _, in := range s.Inputs {
		vals[in.ID] = makeTensor(in, true)
	}
	consts := map[int]oiTensor{}
	for _, c := range s.Constants {
		consts[c.ID] = c
	}
	lookup := func(id int) (*Tensor, error) {
		if t, ok := vals[id]; ok {
			return t, nil
		}
		if c, ok := consts[id]; ok {
			t := makeTensor(c, true)
			vals[id] = t
			return t, nil
		}
		return nil, fmt.Errorf("value %d was never made", id)
	}
	rng := map[int]*Tensor{}
	for ci, c := range s.Calls {
		if !strings.Contains(c.Op, "::") {
			if err := pseudoCall(c, rng, lookup); err != nil {
				return fmt.Sprintf("call %d %s: %v", ci, c.Op, err)
			}
			continue
		}
		op, err := FindOp(c.Op, c.Overload)
		if err != nil {
			return fmt.Sprintf("call %d: %v", ci, err)
		}
		args := make([]any, len(c.Args))
		for i, a := range c.Args {
			if args[i], err = decodeValue(a, argOf(op, i), lookup); err != nil {
				return fmt.Sprintf("call %d %s arg %d: %v", ci, op.opName(), i, err)
			}
		}
		kw := Kw{}
		for k, a := range c.Kwargs {
			if kw[k], err = decodeValue(a, argNamed(op, k), lookup); err != nil {
				return fmt.Sprintf("call %d %s kwarg %s: %v", ci, op.opName(), k, err)
			}
		}
		var res []any
		run := func() { res = op.Call(append(args, kw)...) }
		if c.NoGrad {
			NoGrad(run)
		} else {
			run()
		}
		flat := flatten(res)
		for j, id := range c.Out {
			if id == nil || j >= len(flat) {
				continue
			}
			if t, ok := flat[j].(*Tensor); ok && t != nil {
				vals[*id] = t
			}
		}
	}
	var outs []*Tensor
	for j, o := range s.Outputs {
		var want oiTensor
		if json.Unmarshal(o.Expect, &want) != nil || want.Shape == nil && want.Data == nil {
			outs = append(outs, nil) // a non-tensor result: not compared
			continue
		}
		if o.Ref == nil {
			return fmt.Sprintf("output %d: PyTorch returned a tensor that no call made", j)
		}
		got, ok := vals[*o.Ref]
		if !ok {
			return fmt.Sprintf("output %d: value %d was never made", j, *o.Ref)
		}
		outs = append(outs, got)
		if why := compare(want, got, o.Unstable != ""); why != "" {
			return fmt.Sprintf("output %d: %s", j, why)
		}
	}
	if s.GradError != nil || len(s.Grads) == 0 || len(s.GradOutputs) == 0 {
		return ""
	}
	var roots, seeds, ins []*Tensor
	for _, g := range s.GradOutputs {
		if g.Output >= len(outs) || outs[g.Output] == nil {
			return fmt.Sprintf("grad output for output %d, which is not a tensor", g.Output)
		}
		roots = append(roots, outs[g.Output])
		seeds = append(seeds, makeTensor(g, false))
	}
	for _, g := range s.Grads {
		t, err := lookup(g.ID)
		if err != nil {
			return "grads: " + err.Error()
		}
		ins = append(ins, t)
	}
	grads := AutogradGrad(roots, ins, GradOptions{GradOutputs: seeds, AllowUnused: true})
	for i, g := range s.Grads {
		switch {
		case g.Grad == nil && grads[i] != nil:
			return fmt.Sprintf("grad of value %d: PyTorch has none, Go has one", g.ID)
		case g.Grad != nil && grads[i] == nil:
			return fmt.Sprintf("grad of value %d: Go has none", g.ID)
		case g.Grad != nil:
			if why := compare(*g.Grad, grads[i], g.Unstable != ""); why != "" {
				return fmt.Sprintf("grad of value %d: %s", g.ID, why)
			}
		}
	}
	return ""
}

// pseudoCall replays the Python-level RNG handling the export records.
func pseudoCall(c oiCall, states map[int]*Tensor, lookup func(int) (*Tensor, error)) error {
	gen := DefaultGenerator(CPU)
	switch c.Op {
	case "torch.manual_seed":
		var v struct {
			I int64 `json:"i"`
		}
		if len(c.Args) != 1 || json.Unmarshal(c.Args[0], &v) != nil {
			return fmt.Errorf("bad seed")
		}
		ManualSeed(uint64(v.I))
	case "torch.get_rng_state":
		if len(c.Out) == 1 && c.Out[0] != nil {
			states[*c.Out[0]] = gen.State()
		}
	case "torch.set_rng_state":
		var v struct {
			Ref int `json:"ref"`
		}
		if len(c.Args) != 1 || json.Unmarshal(c.Args[0], &v) != nil || states[v.Ref] == nil {
			return fmt.Errorf("no such state")
		}
		return gen.SetState(states[v.Ref])
	default:
		return fmt.Errorf("unknown pseudo-call")
	}
	return nil
}

func argOf(o *Op, i int) OpArg {
	if i < len(o.Args) {
		return o.Args[i]
	}
	return OpArg{}
}

func argNamed(o *Op, name string) OpArg {
	if i := o.argIndex(name); i >= 0 {
		return o.Args[i]
	}
	return OpArg{}
}

func flatten(res []any) []any {
	var out []any
	for _, r := range res {
		if l, ok := r.([]*Tensor); ok {
			for _, t := range l {
				out = append(out, t)
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// makeTensor re-creates an exported tensor: contiguous from its data, or a
// view of its whole storage; leaves get requires_grad as exported.
func makeTensor(d oiTensor, grad bool) *Tensor {
	dt, err := DTypeByName(d.DType)
	if err != nil {
		panic(errorf("opinfo", "dtype %s: %v", d.DType, err))
	}
	if d.Storage == nil {
		t := FromBytes(d.Data, dt, d.Shape)
		if grad && d.RequiresGrad {
			t.SetRequiresGrad(true)
		}
		return t
	}
	es := int64(dt.Size())
	base := FromBytes(d.Storage, dt, []int64{int64(len(d.Storage)) / es})
	if grad && d.RequiresGrad {
		base.SetRequiresGrad(true)
	}
	return base.AsStrided(d.Shape, d.Stride, d.Offset)
}

// decodeValue turns an exported VALUE into what Op.Call takes for arg.
func decodeValue(raw json.RawMessage, arg OpArg, lookup func(int) (*Tensor, error)) (any, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	var v map[string]json.RawMessage
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	if r, ok := v["ref"]; ok {
		var id int
		if err := json.Unmarshal(r, &id); err != nil {
			return nil, err
		}
		return lookup(id)
	}
	if x, ok := v["i"]; ok {
		var i int64
		err := json.Unmarshal(x, &i)
		return i, err
	}
	if x, ok := v["b"]; ok {
		var b bool
		err := json.Unmarshal(x, &b)
		return b, err
	}
	if x, ok := v["f"]; ok {
		var s string
		if json.Unmarshal(x, &s) == nil {
			switch s {
			case "nan":
				return math.NaN(), nil
			case "inf":
				return math.Inf(1), nil
			case "-inf":
				return math.Inf(-1), nil
			}
			return nil, fmt.Errorf("float %q", s)
		}
		var f float64
		err := json.Unmarshal(x, &f)
		return f, err
	}
	if x, ok := v["s"]; ok {
		var s string
		err := json.Unmarshal(x, &s)
		return s, err
	}
	if x, ok := v["dtype"]; ok && v["data"] == nil {
		var s string
		if err := json.Unmarshal(x, &s); err != nil {
			return nil, err
		}
		return DTypeByName(s)
	}
	if x, ok := v["device"]; ok {
		var s string
		if err := json.Unmarshal(x, &s); err != nil || !strings.HasPrefix(s, "cpu") {
			return nil, fmt.Errorf("device %s", x)
		}
		return CPU, nil
	}
	if x, ok := v["layout"]; ok {
		var s string
		if err := json.Unmarshal(x, &s); err != nil || s != "strided" {
			return nil, fmt.Errorf("layout %s", x)
		}
		return Strided, nil
	}
	if x, ok := v["memory_format"]; ok {
		var s string
		_ = json.Unmarshal(x, &s)
		mf, ok := map[string]MemoryFormat{"contiguous_format": ContiguousFormat, "preserve_format": PreserveFormat,
			"channels_last": ChannelsLast, "channels_last_3d": ChannelsLast3d}[s]
		if !ok {
			return nil, fmt.Errorf("memory format %q", s)
		}
		return mf, nil
	}
	if x, ok := v["l"]; ok {
		var items []json.RawMessage
		if err := json.Unmarshal(x, &items); err != nil {
			return nil, err
		}
		return decodeList(items, arg, lookup)
	}
	return nil, fmt.Errorf("unknown value %s", raw)
}

// decodeList builds the Go slice the argument's list type takes.
func decodeList(items []json.RawMessage, arg OpArg, lookup func(int) (*Tensor, error)) (any, error) {
	elem := strings.TrimSuffix(strings.TrimSuffix(arg.box, "?"), "[]")
	vals := make([]any, len(items))
	for i, it := range items {
		var err error
		if vals[i], err = decodeValue(it, OpArg{}, lookup); err != nil {
			return nil, err
		}
	}
	switch elem {
	case "int":
		out := make([]int64, len(vals))
		for i, x := range vals {
			n, ok := x.(int64)
			if !ok {
				return nil, fmt.Errorf("int list holds a %T", x)
			}
			out[i] = n
		}
		return out, nil
	case "float":
		out := make([]float64, len(vals))
		for i, x := range vals {
			switch n := x.(type) {
			case int64:
				out[i] = float64(n)
			case float64:
				out[i] = n
			default:
				return nil, fmt.Errorf("float list holds a %T", x)
			}
		}
		return out, nil
	case "bool":
		out := make([]bool, len(vals))
		for i, x := range vals {
			b, ok := x.(bool)
			if !ok {
				return nil, fmt.Errorf("bool list holds a %T", x)
			}
			out[i] = b
		}
		return out, nil
	case "Tensor", "Tensor?":
		out := make([]*Tensor, len(vals))
		for i, x := range vals {
			if x == nil {
				continue
			}
			t, ok := x.(*Tensor)
			if !ok {
				return nil, fmt.Errorf("tensor list holds a %T", x)
			}
			out[i] = t
		}
		return out, nil
	}
	return nil, fmt.Errorf("a list for argument %q of type %s", arg.Name, arg.Type)
}

// compare checks dtype, shape and (unless unstable) every byte.
func compare(want oiTensor, got *Tensor, unstable bool) string {
	if got == nil {
		return "Go has no tensor"
	}
	if g := got.DType().String(); g != want.DType {
		return fmt.Sprintf("dtype %s, PyTorch %s", g, want.DType)
	}
	if g := got.Shape(); fmt.Sprint(g) != fmt.Sprint(want.Shape) {
		return fmt.Sprintf("shape %v, PyTorch %v", g, want.Shape)
	}
	if unstable {
		return ""
	}
	if g := got.Bytes(); !bytes.Equal(g, want.Data) {
		return fmt.Sprintf("values differ (%s)", firstDiff(want.DType, want.Data, g))
	}
	return ""
}

func firstDiff(dtype string, want, got []byte) string {
	for i := range want {
		if i >= len(got) || want[i] != got[i] {
			return fmt.Sprintf("%s, first differing byte %d of %d", dtype, i, len(want))
		}
	}
	return fmt.Sprintf("%d bytes, PyTorch %d", len(got), len(want))
}

// report prints per-OpInfo totals and every failure, then the pass rate
// over the OpInfos that have CPU samples to replay.
func report(t *testing.T, results []oiResult) {
	var pass, fail, na, samples, samplePass int
	for _, r := range results {
		samples += r.pass + r.fail
		samplePass += r.pass
		switch r.status() {
		case "pass":
			pass++
		case "fail":
			fail++
		default:
			na++
		}
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].status() < results[j].status() })
	var b strings.Builder
	fmt.Fprintf(&b, "%-45s %6s %5s %5s %5s\n", "OpInfo", "status", "pass", "fail", "n/a")
	for _, r := range results {
		fmt.Fprintf(&b, "%-45s %6s %5d %5d %5d\n", r.name, r.status(), r.pass, r.fail, r.na)
	}
	for _, r := range results {
		for _, f := range r.failures {
			fmt.Fprintf(&b, "FAIL %s %s\n", r.name, f)
		}
		if r.status() == "n/a" && len(r.naWhys) > 0 {
			fmt.Fprintf(&b, "N/A  %s %s\n", r.name, r.naWhys[0])
		}
	}
	rate := 100 * float64(pass) / float64(pass+fail)
	fmt.Fprintf(&b, "OpInfo: %d pass, %d fail, %d n/a of %d; pass rate %.1f%% of %d with CPU samples; samples %d of %d pass\n",
		pass, fail, na, len(results), rate, pass+fail, samplePass, samples)
	t.Log("\n" + b.String())
	if os.Getenv("TORCHGO_OPINFO_ONLY") == "" {
		require.GreaterOrEqual(t, rate, 95.0, "OpInfo pass rate")
	}
}
