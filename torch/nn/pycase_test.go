package nn

import (
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// pyCase is one layer configuration built in Go and in Python after the
// same torch.manual_seed, run forward on the same inputs (made by Python)
// and backward from the same random output gradients; the test compares
// the state dict after construction and after the forward pass, every
// output, and the gradients of the inputs and parameters, byte for byte.
type pyCase struct {
	name string
	// py is the Python module expression (nn, F, torch and math are in scope).
	py string
	// in are the Python expressions of the forward inputs, using the
	// generator g; those prefixed "~" require grad (as leaves).
	in []string
	// pyFwd is the Python forward call of layer on xs; "" is layer(*xs).
	pyFwd string
	// build makes the Go layer; forward runs it (nil: Unary's Forward on
	// the one input, or a two-input Forward).
	build   func() Layer
	forward func(l Layer, xs []*torch.Tensor) []*torch.Tensor
	eval    bool // run in evaluation mode
	double  bool // convert the module to float64 (inputs are made in float64 by their expressions)
}

type pyNamed struct {
	Name   string        `json:"name"`
	Tensor *pyref.Tensor `json:"t"`
}

type pyCaseResult struct {
	Error     string          `json:"error"`
	Inputs    []pyref.Tensor  `json:"inputs"`
	State     []pyNamed       `json:"state"`
	After     []pyNamed       `json:"after"`
	Outputs   []*pyref.Tensor `json:"outputs"`
	GradOuts  []*pyref.Tensor `json:"gouts"`
	InGrads   []*pyref.Tensor `json:"ingrads"`
	ParamGrad []pyNamed       `json:"pgrads"`
}

const pyCaseScript = `
import math, torch.nn as nn, torch.nn.functional as F
res = {}
def flat(v, out):
    if isinstance(v, (tuple, list)):
        for x in v: flat(x, out)
    else:
        out.append(v)
    return out
def encopt(t):
    return None if t is None else enc(t)
for i, c in enumerate(IN):
    r = {}
    try:
        torch.manual_seed(i)
        layer = eval(c["py"])
        if c["double"]: layer = layer.double()
        if c["eval"]: layer.eval()
        r["state"] = [{"name": k, "t": enc(v)} for k, v in layer.state_dict().items()]
        g = torch.Generator().manual_seed(100 + i)
        xs = []
        for e in c["in"]:
            x = eval(e.lstrip("~"), {"torch": torch, "g": g, "math": math})
            if e.startswith("~"): x = x.detach().requires_grad_()
            xs.append(x)
        r["inputs"] = [enc(x) for x in xs]
        torch.manual_seed(1000 + i)
        y = eval(c["fwd"]) if c["fwd"] else layer(*xs)
        outs = flat(y, [])
        r["outputs"] = [encopt(o) for o in outs]
        r["after"] = [{"name": k, "t": enc(v)} for k, v in layer.state_dict().items()]
        gg = torch.Generator().manual_seed(7)
        diff = [o for o in outs if o is not None and o.requires_grad]
        gouts = [torch.randn(o.shape, generator=gg, dtype=o.dtype) if o is not None and o.requires_grad else None for o in outs]
        r["gouts"] = [encopt(x) for x in gouts]
        wrt = [x for x, e in zip(xs, c["in"]) if e.startswith("~")]
        params = [(k, p) for k, p in layer.named_parameters() if p.requires_grad]
        grads = [None] * (len(wrt) + len(params))
        if diff and (wrt or params):
            grads = torch.autograd.grad(diff, wrt + [p for _, p in params], [x for x in gouts if x is not None], allow_unused=True)
        r["ingrads"] = [encopt(x) for x in grads[:len(wrt)]]
        r["pgrads"] = [{"name": k, "t": encopt(x)} for (k, _), x in zip(params, grads[len(wrt):])]
    except Exception as e:
        r = {"error": "%s: %s" % (type(e).__name__, e)}
    res[c["name"]] = r
out(res)
`

func pcDecode(t *testing.T, p pyref.Tensor) *torch.Tensor {
	t.Helper()
	dt, err := torch.DTypeByName(p.DType)
	require.NoError(t, err)
	b, err := hex.DecodeString(p.Hex)
	require.NoError(t, err)
	shape := p.Shape
	if shape == nil {
		shape = []int64{}
	}
	return torch.FromBytes(b, dt, shape)
}

func pcSame(t *testing.T, want *pyref.Tensor, got *torch.Tensor, what string) {
	t.Helper()
	if want == nil {
		require.Nil(t, got, "%s: PyTorch has None", what)
		return
	}
	w := *want
	if w.Shape == nil {
		w.Shape = []int64{}
	}
	requireSame(t, w, got, what)
}

func pcState(t *testing.T, want []pyNamed, got []Named, what string) {
	t.Helper()
	var wn, gn []string
	for _, n := range want {
		wn = append(wn, n.Name)
	}
	for _, n := range got {
		gn = append(gn, n.Name)
	}
	require.Equal(t, wn, gn, "%s keys", what)
	for i, n := range got {
		pcSame(t, want[i].Tensor, n.Tensor, what+" "+n.Name)
	}
}

// runPyCases runs the cases in one Python process, then each in Go as a subtest.
func runPyCases(t *testing.T, cases []pyCase) {
	type pyIn struct {
		Name   string   `json:"name"`
		Py     string   `json:"py"`
		In     []string `json:"in"`
		Fwd    string   `json:"fwd"`
		Eval   bool     `json:"eval"`
		Double bool     `json:"double"`
	}
	var in []pyIn
	seen := map[string]bool{}
	for _, c := range cases {
		require.False(t, seen[c.name], "duplicate case %s", c.name)
		seen[c.name] = true
		in = append(in, pyIn{c.name, c.py, c.in, c.pyFwd, c.eval, c.double})
	}
	var want map[string]pyCaseResult
	pyref.Run(t, pyCaseScript, in, &want)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, ok := want[c.name]
			require.True(t, ok)
			require.Empty(t, w.Error, "python")
			torch.WithScope(func(*torch.Scope) { runPyCase(t, i, c, w) })
		})
	}
}

func runPyCase(t *testing.T, i int, c pyCase, w pyCaseResult) {
	torch.ManualSeed(uint64(i))
	l := c.build()
	m := l.module()
	if c.double {
		m.To(torch.Float64)
	}
	if c.eval {
		m.Eval()
	}
	pcState(t, w.State, m.StateDict(), "state")
	xs := make([]*torch.Tensor, len(w.Inputs))
	var wrt []*torch.Tensor
	for j, p := range w.Inputs {
		xs[j] = pcDecode(t, p)
		if c.in[j][0] == '~' {
			xs[j].SetRequiresGrad(true)
			wrt = append(wrt, xs[j])
		}
	}
	torch.ManualSeed(uint64(1000 + i))
	var outs []*torch.Tensor
	switch {
	case c.forward != nil:
		outs = c.forward(l, xs)
	case len(xs) == 1:
		outs = []*torch.Tensor{l.(Unary).Forward(xs[0])}
	case len(xs) == 2:
		outs = []*torch.Tensor{l.(interface {
			Forward(x, y *torch.Tensor) *torch.Tensor
		}).Forward(xs[0], xs[1])}
	case len(xs) == 3:
		outs = []*torch.Tensor{l.(interface {
			Forward(x, y, z *torch.Tensor) *torch.Tensor
		}).Forward(xs[0], xs[1], xs[2])}
	default:
		t.Fatalf("no forward for %d inputs", len(xs))
	}
	require.Len(t, outs, len(w.Outputs), "outputs")
	for j, o := range outs {
		pcSame(t, w.Outputs[j], o, fmt.Sprintf("output %d", j))
	}
	pcState(t, w.After, m.StateDict(), "state after forward")
	var diff, gouts []*torch.Tensor
	for j, g := range w.GradOuts {
		if g != nil {
			require.True(t, outs[j].RequiresGrad(), "output %d requires grad in PyTorch", j)
			diff = append(diff, outs[j])
			gouts = append(gouts, pcDecode(t, *g))
		} else if outs[j] != nil {
			require.False(t, outs[j].RequiresGrad(), "output %d does not require grad in PyTorch", j)
		}
	}
	var pnames []string
	for _, p := range m.NamedParameters() {
		if p.Tensor.RequiresGrad() {
			wrt = append(wrt, p.Tensor)
			pnames = append(pnames, p.Name)
		}
	}
	grads := make([]*torch.Tensor, len(wrt))
	if len(diff) > 0 && len(wrt) > 0 {
		grads = torch.AutogradGrad(diff, wrt, torch.GradOptions{GradOutputs: gouts, AllowUnused: true})
	}
	nin := len(wrt) - len(pnames)
	require.Len(t, w.InGrads, nin)
	for j := 0; j < nin; j++ {
		pcSame(t, w.InGrads[j], grads[j], fmt.Sprintf("gradient of input %d", j))
	}
	require.Len(t, w.ParamGrad, len(pnames))
	for j, n := range pnames {
		require.Equal(t, w.ParamGrad[j].Name, n)
		pcSame(t, w.ParamGrad[j].Tensor, grads[nin+j], "gradient of "+n)
	}
}

// fp and ip return pointers, for the options whose zero value is not PyTorch's default.
func fp(v float64) *float64 { return &v }
func ip(v int64) *int64     { return &v }
