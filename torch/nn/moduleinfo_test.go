package nn

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// PyTorch's own module test database, module_db (torch.testing._internal.
// common_modules), replayed through package nn. Python builds each
// ModuleInfo's sample modules after torch.manual_seed(0), records their
// state dict, runs them forward after torch.manual_seed(1) and records the
// outputs and the gradients of the inputs and parameters
// (scripts/moduleinfo_export.py, run live). For every ModuleInfo that a Go
// adapter is registered for (registerModuleInfo, below), Go builds the same
// module from the same arguments after torch.ManualSeed(0) and compares
// the state dict, the outputs, the state after forward (running
// statistics) and the gradients byte for byte.
//
// Registering an adapter: in any _test.go file of this package,
//
//	func init() {
//		registerModuleInfo("Hardswish", miAdapter{
//			New: func(c miValues) (Layer, error) {
//				if err := c.Accept("inplace"); err != nil {
//					return nil, err
//				}
//				return NewHardswish(), nil
//			},
//			Forward: miUnary,
//		})
//	}
//
// The name is the PyTorch class name (module_cls.__name__, "Linear",
// "MaxPool2d"); the table the test prints lists them.
//
// TORCHGO_MODULEINFO_ONLY=Name,Name restricts the export (for debugging);
// TORCHGO_MODULEINFO_VERBOSE=1 lists every n/a reason, not only the first
// of each ModuleInfo.

// miValues are a sample's decoded arguments: int64, float64, bool, string, nil,
// []any, *torch.Tensor, torch.DType, or miCallable for a function argument.
type miValues struct {
	Args   []any
	Kwargs map[string]any
}

// miCallable names a function given as an argument (activation=F.gelu, or
// the string "gelu" for a parameter named activation): "gelu", "relu".
type miCallable string

// miAdapter builds a module from constructor arguments and runs its forward pass on forward
// arguments, returning the outputs flattened (nil entries for None).
//
// An error made by miNA (an argument or behaviour the Go module does not
// offer: return_indices=True, momentum=None) makes the sample n/a with its
// message; any other error, or a panic, fails the sample. The module is
// converted to the sample's dtype by the test (Module.To), not by New.
type miAdapter struct {
	New     func(ctor miValues) (Layer, error)
	Forward func(m Layer, fwd miValues) ([]*torch.Tensor, error)
	// ReprNA, when set, says why the module's repr is not compared:
	// PyTorch prints the constructor's arguments in the form given (an int
	// or a tuple), which Go's constructor does not keep.
	ReprNA string
}

// moduleInfoAdapters maps a PyTorch class name to its Go adapter.
var moduleInfoAdapters = map[string]miAdapter{}

// registerModuleInfo registers the adapter for the ModuleInfo whose module
// class is name (call it from an init function). It panics on a duplicate name.
func registerModuleInfo(name string, a miAdapter) {
	if _, dup := moduleInfoAdapters[name]; dup {
		panic("registerModuleInfo: duplicate adapter for " + name)
	}
	if a.New == nil || a.Forward == nil {
		panic("registerModuleInfo: adapter for " + name + " needs New and Forward")
	}
	moduleInfoAdapters[name] = a
}

// miLookup returns name's adapter and "registered", or "" when none is.
func miLookup(name string) (miAdapter, string, bool) {
	if a, ok := moduleInfoAdapters[name]; ok {
		return a, "registered", true
	}
	return miAdapter{}, "", false
}

// miNAError is what miNA makes: the sample is n/a, not failed.
type miNAError struct{ reason string }

func (e *miNAError) Error() string { return e.reason }

// miNA returns an error that makes the sample n/a with the formatted reason.
func miNA(format string, args ...any) error {
	return &miNAError{fmt.Sprintf(format, args...)}
}

// Get returns the argument at position i (when i >= 0 and there are more
// than i positional arguments), else the keyword argument name.
func (v miValues) Get(i int, name string) (any, bool) {
	if i >= 0 && i < len(v.Args) {
		return v.Args[i], true
	}
	x, ok := v.Kwargs[name]
	return x, ok
}

// Has reports whether the argument was given (None counts as given).
func (v miValues) Has(i int, name string) bool {
	_, ok := v.Get(i, name)
	return ok
}

// IsNone reports whether the argument is absent or None.
func (v miValues) IsNone(i int, name string) bool {
	x, ok := v.Get(i, name)
	return !ok || x == nil
}

func miBad(i int, name string, want string, x any) {
	panic(fmt.Sprintf("argument %d/%s: want %s, got %T %v", i, name, want, x, x))
}

// Int is an int argument, dflt when absent or None.
func (v miValues) Int(i int, name string, dflt int64) int64 {
	x, ok := v.Get(i, name)
	if !ok || x == nil {
		return dflt
	}
	n, ok := x.(int64)
	if !ok {
		miBad(i, name, "int", x)
	}
	return n
}

// Float is a float argument (an int is converted), dflt when absent or None.
func (v miValues) Float(i int, name string, dflt float64) float64 {
	x, ok := v.Get(i, name)
	if !ok || x == nil {
		return dflt
	}
	switch f := x.(type) {
	case float64:
		return f
	case int64:
		return float64(f)
	}
	miBad(i, name, "float", x)
	return 0
}

// Bool is a bool argument, dflt when absent or None.
func (v miValues) Bool(i int, name string, dflt bool) bool {
	x, ok := v.Get(i, name)
	if !ok || x == nil {
		return dflt
	}
	b, ok := x.(bool)
	if !ok {
		miBad(i, name, "bool", x)
	}
	return b
}

// String is a str argument, dflt when absent or None.
func (v miValues) String(i int, name string, dflt string) string {
	x, ok := v.Get(i, name)
	if !ok || x == nil {
		return dflt
	}
	s, ok := x.(string)
	if !ok {
		miBad(i, name, "str", x)
	}
	return s
}

// Callable is a function argument (a string is taken as its name), dflt
// when absent or None.
func (v miValues) Callable(i int, name string, dflt miCallable) miCallable {
	x, ok := v.Get(i, name)
	if !ok || x == nil {
		return dflt
	}
	switch f := x.(type) {
	case miCallable:
		return f
	case string:
		return miCallable(f)
	}
	miBad(i, name, "callable", x)
	return ""
}

// Tensor is a tensor argument, nil when absent or None.
func (v miValues) Tensor(i int, name string) *torch.Tensor {
	x, ok := v.Get(i, name)
	if !ok || x == nil {
		return nil
	}
	t, ok := x.(*torch.Tensor)
	if !ok {
		miBad(i, name, "tensor", x)
	}
	return t
}

// Tensors is a list or tuple of tensors (nil entries for None), or a single
// tensor as a list of one; nil when absent or None.
func (v miValues) Tensors(i int, name string) []*torch.Tensor {
	x, ok := v.Get(i, name)
	if !ok || x == nil {
		return nil
	}
	if t, ok := x.(*torch.Tensor); ok {
		return []*torch.Tensor{t}
	}
	l, ok := x.([]any)
	if !ok {
		miBad(i, name, "tensors", x)
	}
	out := make([]*torch.Tensor, len(l))
	for j, e := range l {
		if e == nil {
			continue
		}
		t, ok := e.(*torch.Tensor)
		if !ok {
			miBad(i, name, "tensors", x)
		}
		out[j] = t
	}
	return out
}

// Ints is an int or a list of ints (kernel_size=3 or (3, 3)), as a list;
// dflt when absent or None.
func (v miValues) Ints(i int, name string, dflt ...int64) []int64 {
	x, ok := v.Get(i, name)
	if !ok || x == nil {
		return dflt
	}
	if n, ok := x.(int64); ok {
		return []int64{n}
	}
	l, ok := x.([]any)
	if !ok {
		miBad(i, name, "int or ints", x)
	}
	out := make([]int64, len(l))
	for j, e := range l {
		n, ok := e.(int64)
		if !ok {
			miBad(i, name, "int or ints", x)
		}
		out[j] = n
	}
	return out
}

// Accept returns a miNA error when an argument is given that names does not
// list: names are the parameters in positional order, so a positional
// argument past len(names) or a keyword argument outside names is one the
// adapter does not handle.
func (v miValues) Accept(names ...string) error {
	if len(v.Args) > len(names) {
		return miNA("positional argument %d not supported by the adapter", len(names))
	}
	for k := range v.Kwargs {
		found := false
		for _, n := range names {
			found = found || n == k
		}
		if !found {
			return miNA("argument %s not supported by the adapter", k)
		}
	}
	return nil
}

// miUnary is the Forward of a layer whose forward takes one tensor (input).
func miUnary(m Layer, fwd miValues) ([]*torch.Tensor, error) {
	if err := fwd.Accept("input"); err != nil {
		return nil, err
	}
	u, ok := m.(Unary)
	if !ok {
		return nil, fmt.Errorf("%T has no Forward(*torch.Tensor)", m)
	}
	return []*torch.Tensor{u.Forward(fwd.Tensor(0, "input"))}, nil
}

// The export's JSON, as scripts/moduleinfo_export.py documents it.
type miLine struct {
	Name       string     `json:"name"`
	ModuleInfo string     `json:"module_info"`
	Error      *string    `json:"error"`
	Samples    []miSample `json:"samples"`
}

type miArgs struct {
	Args   []json.RawMessage          `json:"args"`
	Kwargs map[string]json.RawMessage `json:"kwargs"`
}

type miNamed struct {
	Name   string    `json:"name"`
	Tensor *miTensor `json:"tensor"`
}

type miSample struct {
	DType       string      `json:"dtype"`
	Training    bool        `json:"training"`
	Index       int         `json:"index"`
	Desc        string      `json:"desc"`
	NA          *string     `json:"na"`
	Ctor        miArgs      `json:"ctor"`
	Forward     miArgs      `json:"forward"`
	Repr        string      `json:"repr"`
	State       []miNamed   `json:"state"`
	StateAfter  []miNamed   `json:"state_after"`
	Outputs     []*miTensor `json:"outputs"`
	GradOutputs []*miTensor `json:"grad_outputs"`
	InputGrads  []struct {
		Path string    `json:"path"`
		Grad *miTensor `json:"grad"`
	} `json:"input_grads"`
	ParamGrads []struct {
		Name string    `json:"name"`
		Grad *miTensor `json:"grad"`
	} `json:"param_grads"`
	GradError *string `json:"grad_error"`
}

type miTensor struct {
	DType        string  `json:"dtype"`
	Shape        []int64 `json:"shape"`
	Stride       []int64 `json:"stride"`
	Contiguous   bool    `json:"contiguous"`
	RequiresGrad bool    `json:"requires_grad"`
	Data         []byte  `json:"data"`
	Storage      []byte  `json:"storage"`
}

// make re-creates the tensor: from its row-major data, or as a view of its
// storage span when it was not contiguous; requires_grad as exported.
func (d *miTensor) make() (*torch.Tensor, error) {
	dt, err := torch.DTypeByName(d.DType)
	if err != nil {
		return nil, err
	}
	if d.Contiguous || d.Storage == nil {
		t := torch.FromBytes(d.Data, dt, d.Shape)
		if d.RequiresGrad {
			t.SetRequiresGrad(true)
		}
		return t, nil
	}
	base := torch.FromBytes(d.Storage, dt, []int64{int64(len(d.Storage) / dt.Size())})
	if d.RequiresGrad {
		base.SetRequiresGrad(true)
	}
	return base.AsStrided(d.Shape, d.Stride, 0), nil
}

// miDecoder turns exported VALUEs into miValues, noting the tensors that
// require grad under their paths ("args[1][0]", "kwargs.weight").
type miDecoder struct {
	grad map[string]*torch.Tensor
}

func (dec *miDecoder) args(a miArgs) (miValues, error) {
	v := miValues{Kwargs: map[string]any{}}
	for i, raw := range a.Args {
		x, err := dec.value(raw, fmt.Sprintf("args[%d]", i))
		if err != nil {
			return v, err
		}
		v.Args = append(v.Args, x)
	}
	for k, raw := range a.Kwargs {
		x, err := dec.value(raw, "kwargs."+k)
		if err != nil {
			return v, err
		}
		v.Kwargs[k] = x
	}
	return v, nil
}

func (dec *miDecoder) value(raw json.RawMessage, path string) (any, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	var v map[string]json.RawMessage
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	str := func(x json.RawMessage) (string, error) {
		var s string
		err := json.Unmarshal(x, &s)
		return s, err
	}
	if _, ok := v["data"]; ok {
		var d miTensor
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, err
		}
		t, err := d.make()
		if err != nil {
			return nil, err
		}
		if d.RequiresGrad && dec.grad != nil {
			dec.grad[path] = t
		}
		return t, nil
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
		if s, err := str(x); err == nil {
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
		return str(x)
	}
	if x, ok := v["callable"]; ok {
		s, err := str(x)
		return miCallable(s), err
	}
	if x, ok := v["dtype"]; ok {
		s, err := str(x)
		if err != nil {
			return nil, err
		}
		return torch.DTypeByName(s)
	}
	if x, ok := v["l"]; ok {
		var items []json.RawMessage
		if err := json.Unmarshal(x, &items); err != nil {
			return nil, err
		}
		out := make([]any, len(items))
		for i, it := range items {
			var err error
			if out[i], err = dec.value(it, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown value %s", raw)
}

// miCompared counts the tensors miCompare found equal, by kind, for the
// report: evidence that a pass compared something.
var miCompared = map[string]int{}

// miCompare checks dtype, shape and every byte of got against want.
func miCompare(want *miTensor, got *torch.Tensor) string {
	switch {
	case want == nil && got == nil:
		return ""
	case want == nil:
		return "PyTorch has None, Go a tensor"
	case got == nil:
		return "Go has no tensor"
	}
	if g := got.DType().String(); g != want.DType {
		return fmt.Sprintf("dtype %s, PyTorch %s", g, want.DType)
	}
	if g := got.Shape(); fmt.Sprint(g) != fmt.Sprint(want.Shape) {
		return fmt.Sprintf("shape %v, PyTorch %v", g, want.Shape)
	}
	if g := got.Bytes(); !bytes.Equal(g, want.Data) {
		return "values differ (" + miFirstDiff(want.DType, want.Data, g) + ")"
	}
	return ""
}

// miFirstDiff describes the first differing element and how many differ.
func miFirstDiff(dtype string, want, got []byte) string {
	if len(want) != len(got) {
		return fmt.Sprintf("%d bytes, PyTorch %d", len(got), len(want))
	}
	dt, err := torch.DTypeByName(dtype)
	if err != nil || dt.Size() == 0 {
		return "bytes differ"
	}
	es := dt.Size()
	first, n := -1, 0
	for i := 0; i+es <= len(want); i += es {
		if !bytes.Equal(want[i:i+es], got[i:i+es]) {
			if first < 0 {
				first = i / es
			}
			n++
		}
	}
	if first < 0 {
		return "bytes differ"
	}
	w := torch.FromBytes(want[first*es:(first+1)*es], dt, nil).Item()
	g := torch.FromBytes(got[first*es:(first+1)*es], dt, nil).Item()
	return fmt.Sprintf("%d of %d elements; first at %d: %v, PyTorch %v", n, len(want)/es, first, g, w)
}

func miCompareState(what string, want []miNamed, got []Named) string {
	if len(want) != len(got) {
		var names []string
		for _, n := range got {
			names = append(names, n.Name)
		}
		var wnames []string
		for _, n := range want {
			wnames = append(wnames, n.Name)
		}
		return fmt.Sprintf("%s: keys %v, PyTorch %v", what, names, wnames)
	}
	for i, n := range got {
		if n.Name != want[i].Name {
			return fmt.Sprintf("%s: key %d is %q, PyTorch %q", what, i, n.Name, want[i].Name)
		}
		if msg := miCompare(want[i].Tensor, n.Tensor); msg != "" {
			return fmt.Sprintf("%s %s: %s", what, n.Name, msg)
		}
		miCompared["state"]++
	}
	return ""
}

// miResult is one ModuleInfo's outcome.
type miResult struct {
	name, moduleInfo, adapter string
	pass, fail, na            int
	failures, naWhys          []string
}

func (r *miResult) status() string {
	switch {
	case r.fail > 0:
		return "fail"
	case r.pass > 0:
		return "pass"
	}
	return "n/a"
}

func miSampleLabel(s *miSample) string {
	mode := "train"
	if !s.Training {
		mode = "eval"
	}
	l := fmt.Sprintf("%s %s #%d", s.DType, mode, s.Index)
	if s.Desc != "" {
		l += " (" + s.Desc + ")"
	}
	return l
}

// miRun replays one sample; it returns "" on a pass, or the n/a reason
// (na true) or the failure.
func miRun(a miAdapter, s *miSample) (msg string, na bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, na = fmt.Sprintf("panic: %v", r), false
		}
	}()
	classify := func(stage string, err error) (string, bool) {
		var e *miNAError
		if errors.As(err, &e) {
			return e.reason, true
		}
		return stage + ": " + err.Error(), false
	}
	dt, err := torch.DTypeByName(s.DType)
	if err != nil {
		return err.Error(), false
	}
	torch.WithScope(func(*torch.Scope) {
		ctorDec := &miDecoder{}
		ctor, err := ctorDec.args(s.Ctor)
		if err != nil {
			msg = "decoding constructor arguments: " + err.Error()
			return
		}
		fwdDec := &miDecoder{grad: map[string]*torch.Tensor{}}
		fwd, err := fwdDec.args(s.Forward)
		if err != nil {
			msg = "decoding forward arguments: " + err.Error()
			return
		}

		torch.ManualSeed(0)
		m, err := a.New(ctor)
		if err != nil {
			msg, na = classify("New", err)
			return
		}
		mod := m.module()
		if dt != torch.Float32 {
			mod.To(dt)
		}
		if msg = miCompareState("state", s.State, mod.StateDict()); msg != "" {
			return
		}
		if a.ReprNA == "" {
			if r := Repr(m); r != s.Repr {
				msg = fmt.Sprintf("repr is %q; PyTorch's is %q", r, s.Repr)
				return
			}
			miCompared["reprs"]++
		}
		mod.Train(s.Training)

		torch.ManualSeed(1)
		outs, err := a.Forward(m, fwd)
		if err != nil {
			msg, na = classify("Forward", err)
			return
		}
		if len(outs) != len(s.Outputs) {
			msg = fmt.Sprintf("%d outputs, PyTorch %d", len(outs), len(s.Outputs))
			return
		}
		for i, o := range outs {
			if d := miCompare(s.Outputs[i], o); d != "" {
				msg = fmt.Sprintf("output %d: %s", i, d)
				return
			}
			miCompared["outputs"]++
		}
		if msg = miCompareState("state after forward", s.StateAfter, mod.StateDict()); msg != "" {
			return
		}
		if s.GradError != nil {
			msg, na = "PyTorch's autograd.grad raised: "+*s.GradError, true
			return
		}

		// Gradients of the inputs and parameters.
		params := mod.NamedParameters()
		if len(params) != len(s.ParamGrads) {
			msg = fmt.Sprintf("%d parameters, PyTorch %d", len(params), len(s.ParamGrads))
			return
		}
		var wrt []*torch.Tensor
		for _, ig := range s.InputGrads {
			t := fwdDec.grad[ig.Path]
			if t == nil {
				msg = "no Go tensor for input " + ig.Path
				return
			}
			wrt = append(wrt, t)
		}
		for i, p := range params {
			if p.Name != s.ParamGrads[i].Name {
				msg = fmt.Sprintf("parameter %d is %q, PyTorch %q", i, p.Name, s.ParamGrads[i].Name)
				return
			}
			wrt = append(wrt, p.Tensor)
		}
		var diff, gouts []*torch.Tensor
		if len(s.GradOutputs) != len(outs) {
			msg = fmt.Sprintf("%d grad outputs for %d outputs", len(s.GradOutputs), len(outs))
			return
		}
		for i, g := range s.GradOutputs {
			if g == nil {
				continue
			}
			gt, err := g.make()
			if err != nil {
				msg = err.Error()
				return
			}
			diff = append(diff, outs[i])
			gouts = append(gouts, gt)
		}
		grads := make([]*torch.Tensor, len(wrt))
		if len(diff) > 0 && len(wrt) > 0 {
			grads = torch.AutogradGrad(diff, wrt, torch.GradOptions{GradOutputs: gouts, AllowUnused: true})
		}
		for i, ig := range s.InputGrads {
			if d := miCompare(ig.Grad, grads[i]); d != "" {
				msg = fmt.Sprintf("gradient of %s: %s", ig.Path, d)
				return
			}
			if ig.Grad != nil {
				miCompared["gradients"]++
			}
		}
		for i, pg := range s.ParamGrads {
			if d := miCompare(pg.Grad, grads[len(s.InputGrads)+i]); d != "" {
				msg = fmt.Sprintf("gradient of %s: %s", pg.Name, d)
				return
			}
			if pg.Grad != nil {
				miCompared["gradients"]++
			}
		}
	})
	return msg, na
}

func miReplay(line *miLine) miResult {
	r := miResult{name: line.Name, moduleInfo: line.ModuleInfo}
	a, from, ok := miLookup(line.Name)
	r.adapter = from
	if line.Error != nil {
		r.naWhys = append(r.naWhys, *line.Error)
	}
	for i := range line.Samples {
		s := &line.Samples[i]
		label := miSampleLabel(s)
		switch {
		case s.NA != nil:
			r.na++
			r.naWhys = append(r.naWhys, label+": "+*s.NA)
			continue
		case !ok:
			r.na++
			r.naWhys = append(r.naWhys, label+": no Go module registered")
			continue
		}
		msg, na := miRun(a, s)
		switch {
		case msg == "":
			r.pass++
		case na:
			r.na++
			r.naWhys = append(r.naWhys, label+": "+msg)
		default:
			r.fail++
			r.failures = append(r.failures, label+": "+msg)
		}
	}
	return r
}

func TestModuleInfoMatchesPyTorch(t *testing.T) {
	// libtorch numbers autograd nodes per OS thread and accumulates
	// gradients in that order: a graph built across threads sums in
	// another order than Python's.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	py := pyref.Python(t)
	out := filepath.Join(t.TempDir(), "moduleinfo.jsonl")
	args := []string{"../../scripts/moduleinfo_export.py", out}
	only := os.Getenv("TORCHGO_MODULEINFO_ONLY")
	if only != "" {
		args = append(args, "--only", only)
	}
	cmd := exec.Command(py, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), "moduleinfo_export.py: %s", stderr.String())
	first, _, _ := strings.Cut(stderr.String(), "\n")
	t.Logf("export: %s", strings.TrimSpace(first))

	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	var results []miResult
	seen := map[string]bool{}
	for sc.Scan() {
		var line miLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
		seen[line.Name] = true
		results = append(results, miReplay(&line))
	}
	require.NoError(t, sc.Err())
	miReport(t, results)

	// The floor: every module that has a Go adapter passes all its samples
	// that are not n/a, and every adapter names a ModuleInfo.
	for _, r := range results {
		if r.adapter != "" && r.fail > 0 {
			t.Errorf("%s (%s adapter): %d of %d samples differ from PyTorch", r.name, r.adapter, r.fail, r.pass+r.fail)
		}
	}
	if only == "" {
		for name := range moduleInfoAdapters {
			if !seen[name] {
				t.Errorf("adapter %q names no ModuleInfo of module_db", name)
			}
		}
	}
}

// miReport prints a table of the ModuleInfos, every failure, the n/a
// reasons, and the totals.
func miReport(t *testing.T, results []miResult) {
	var pass, fail, na, sp, sf, sn int
	for _, r := range results {
		sp, sf, sn = sp+r.pass, sf+r.fail, sn+r.na
		switch r.status() {
		case "pass":
			pass++
		case "fail":
			fail++
		default:
			na++
		}
	}
	order := append([]miResult(nil), results...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].status() < order[j].status() })
	verbose := os.Getenv("TORCHGO_MODULEINFO_VERBOSE") != ""
	var b strings.Builder
	fmt.Fprintf(&b, "%-26s %-11s %6s %5s %5s %5s\n", "ModuleInfo", "adapter", "status", "pass", "fail", "n/a")
	for _, r := range order {
		ad := r.adapter
		if ad == "" {
			ad = "-"
		}
		fmt.Fprintf(&b, "%-26s %-11s %6s %5d %5d %5d\n", r.name, ad, r.status(), r.pass, r.fail, r.na)
	}
	for _, r := range order {
		for _, f := range r.failures {
			fmt.Fprintf(&b, "FAIL %s %s\n", r.name, f)
		}
	}
	for _, r := range order {
		whys := r.naWhys
		if !verbose {
			whys = miDistinct(whys)
		}
		for _, w := range whys {
			fmt.Fprintf(&b, "N/A  %s %s\n", r.name, w)
		}
	}
	fmt.Fprintf(&b, "samples: %d pass, %d fail, %d n/a; equal to PyTorch's: %d reprs, tensors: %d of state, %d outputs, %d gradients\n",
		sp, sf, sn, miCompared["reprs"], miCompared["state"], miCompared["outputs"], miCompared["gradients"])
	fmt.Fprintf(&b, "ModuleInfo: %d pass, %d fail, %d n/a of %d (float32 and float64)\n", pass, fail, na, len(results))
	t.Log("\n" + b.String())
}

// miDistinct keeps the first sample of each distinct reason (the text after
// the sample label), with a count of the others.
func miDistinct(whys []string) []string {
	var out []string
	idx := map[string]int{}
	count := map[string]int{}
	for _, w := range whys {
		key := w
		if _, reason, ok := strings.Cut(w, ": "); ok {
			key = reason
		}
		if _, ok := idx[key]; !ok {
			idx[key] = len(out)
			out = append(out, w)
		}
		count[key]++
	}
	for key, i := range idx {
		if n := count[key]; n > 1 {
			out[i] += fmt.Sprintf(" (and %d more)", n-1)
		}
	}
	return out
}
