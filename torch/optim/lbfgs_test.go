package optim_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/torch/pt"
)

// lbfgsProblem is a small objective built identically in Go and Python:
// "rosen" is the Rosenbrock function of a float64 pair, "linreg" a float32
// least-squares fit of a weight vector and a bias.
type lbfgsCase struct {
	name, problem, py string
	o                 optim.LBFGSOptions
	steps             int
}

var lbfgsCases = []lbfgsCase{
	{"RosenFixedStep", "rosen", "O.LBFGS(P)", optim.LBFGSOptions{}, 3},
	{"RosenStrongWolfe", "rosen", "O.LBFGS(P, line_search_fn='strong_wolfe')", optim.LBFGSOptions{LineSearchFn: "strong_wolfe"}, 3},
	{"RosenStrongWolfeShortHistory", "rosen", "O.LBFGS(P, lr=0.5, max_iter=7, history_size=3, line_search_fn='strong_wolfe')",
		optim.LBFGSOptions{LR: new(0.5), MaxIter: 7, HistorySize: 3, LineSearchFn: "strong_wolfe"}, 4},
	// A small lr makes the search extrapolate (cubic interpolation within
	// bounds) before zooming, and leaves a tensor "t" after the second step.
	{"RosenStrongWolfeSmallLR", "rosen", "O.LBFGS(P, lr=0.01, max_iter=10, line_search_fn='strong_wolfe')",
		optim.LBFGSOptions{LR: new(0.01), MaxIter: 10, LineSearchFn: "strong_wolfe"}, 3},
	{"LinRegStrongWolfeSmallLR", "linreg", "O.LBFGS(P, lr=0.01, max_iter=10, line_search_fn='strong_wolfe')",
		optim.LBFGSOptions{LR: new(0.01), MaxIter: 10, LineSearchFn: "strong_wolfe"}, 3},
	{"LinRegFixedStep", "linreg", "O.LBFGS(P, lr=0.8, max_iter=6, max_eval=9, history_size=4)",
		optim.LBFGSOptions{LR: new(0.8), MaxIter: 6, MaxEval: 9, HistorySize: 4}, 4},
	{"LinRegStrongWolfe", "linreg", "O.LBFGS(P, line_search_fn='strong_wolfe', tolerance_grad=1e-5)",
		optim.LBFGSOptions{LineSearchFn: "strong_wolfe", ToleranceGrad: new(1e-5)}, 3},
}

const lbfgsPy = `
import torch.optim as O
import torch.optim.lr_scheduler as S
g = torch.Generator().manual_seed(3)
if IN["problem"] == "rosen":
    x = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    P = [x]
    def f():
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
else:
    X = torch.randn(16, 3, generator=g)
    y = torch.randn(16, generator=g)
    w = torch.zeros(3, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    P = [w, b]
    def f():
        return ((X @ w + b - y) ** 2).mean()
def closure():
    opt.zero_grad(set_to_none=True)
    loss = f()
    loss.backward()
    return loss
`

// lbfgsSetup builds the problem in Go: its parameters and loss function.
func lbfgsSetup(problem string) ([]*torch.Tensor, func() *torch.Tensor) {
	if problem == "rosen" {
		x := torch.FromSlice([]float64{-1.5, 2.0}, []int64{2}).SetRequiresGrad(true)
		return []*torch.Tensor{x}, func() *torch.Tensor {
			x0, x1 := x.Select(0, 0), x.Select(0, 1)
			a := torch.RsubScalar(x0, 1).PowScalar(2)
			c := x1.Sub(x0.PowScalar(2)).PowScalar(2).MulScalar(100)
			return a.Add(c)
		}
	}
	g := torch.NewGenerator(3)
	X := torch.Randn([]int64{16, 3}, g)
	y := torch.Randn([]int64{16}, g)
	w := torch.Zeros([]int64{3}).SetRequiresGrad(true)
	b := torch.Zeros([]int64{1}).SetRequiresGrad(true)
	return []*torch.Tensor{w, b}, func() *torch.Tensor {
		return X.MatMul(w).Add(b).Sub(y).PowScalar(2).Mean()
	}
}

func lbfgsClosure(opt *optim.LBFGS, f func() *torch.Tensor) func() float64 {
	return func() float64 {
		opt.ZeroGrad()
		loss := f()
		loss.Backward()
		return loss.Item()
	}
}

// TestLBFGSMatchesPyTorch takes LBFGS steps in Go and PyTorch on the same
// problems, with and without the strong-Wolfe line search, and compares the
// returned losses and parameters after each step and the state dict at the
// end, bit for bit (including which numbers are ints, floats or tensors).
func TestLBFGSMatchesPyTorch(t *testing.T) {
	pyref.RequireVersion(t, "1.13.", "", "LBFGS follows PyTorch 1.13's arithmetic and state layout")
	for _, c := range lbfgsCases {
		t.Run(c.name, func(t *testing.T) {
			var want struct {
				Losses []any   `json:"losses"`
				Params [][]any `json:"params"`
				State  any     `json:"state"`
				Groups any     `json:"groups"`
			}
			pyref.Run(t, lbfgsPy+pyTyped+`
opt = `+c.py+`
losses, params = [], []
for s in range(IN["steps"]):
    losses.append(typed(float(opt.step(closure))))
    params.append([enc(p) for p in P])
sd = opt.state_dict()
out({"losses": losses, "params": params, "state": typed(sd["state"]), "groups": typed(sd["param_groups"])})
`, map[string]any{"problem": c.problem, "steps": c.steps}, &want)

			P, f := lbfgsSetup(c.problem)
			opt, err := optim.NewLBFGS(P, c.o)
			require.NoError(t, err)
			closure := lbfgsClosure(opt, f)
			for s := 0; s < c.steps; s++ {
				loss := opt.Step(closure)
				require.Equal(t, normalizeJSON(t, want.Losses[s]), normalizeJSON(t, goTyped(t, loss)), "loss of step %d", s+1)
				var got []any
				for _, p := range P {
					got = append(got, enc(p))
				}
				require.Equal(t, normalizeJSON(t, want.Params[s]), normalizeJSON(t, got), "params after step %d", s+1)
			}
			sd := opt.StateDict()
			st, _ := sd.Get("state")
			gr, _ := sd.Get("param_groups")
			require.Equal(t, want.State, normalizeJSON(t, goTyped(t, st)), "state")
			require.Equal(t, want.Groups, normalizeJSON(t, goTyped(t, gr)), "param_groups")
		})
	}
}

// TestLBFGSStateDictRoundTripsThroughPython saves PyTorch's LBFGS state
// after a step, continues from it in Go, and has PyTorch continue from
// Go's saved state, comparing the parameters each time.
func TestLBFGSStateDictRoundTripsThroughPython(t *testing.T) {
	pyref.RequireVersion(t, "1.13.", "", "LBFGS follows PyTorch 1.13's arithmetic and state layout")
	for _, c := range lbfgsCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			pyFile, goFile := filepath.Join(dir, "py.pt"), filepath.Join(dir, "go.pt")
			var first struct {
				Params []pyref.Tensor `json:"params"`
				Next   [][]any        `json:"next"`
			}
			pyref.Run(t, lbfgsPy+`
opt = `+c.py+`
opt.step(closure)
torch.save(opt.state_dict(), IN["path"])
params = [enc(p) for p in P]
nxt = []
for s in range(2):
    opt.step(closure)
    nxt.append([enc(p) for p in P])
out({"params": params, "next": nxt})
`, map[string]any{"problem": c.problem, "path": pyFile}, &first)

			P, f := lbfgsSetup(c.problem)
			opt, err := optim.NewLBFGS(P, c.o)
			require.NoError(t, err)
			torch.NoGrad(func() {
				for i, p := range P {
					p.Copy_(decT(t, first.Params[i]))
				}
			})
			raw, err := pt.Load(pyFile)
			require.NoError(t, err)
			require.NoError(t, opt.LoadStateDict(raw.(*pt.OrderedDict)))
			closure := lbfgsClosure(opt, f)
			for s := 0; s < 2; s++ {
				opt.Step(closure)
				var got []any
				for _, p := range P {
					got = append(got, enc(p))
				}
				require.Equal(t, normalizeJSON(t, first.Next[s]), normalizeJSON(t, got), "params after step %d from Python's state", s+2)
			}
			require.NoError(t, pt.Save(goFile, opt.StateDict()))
			mid := make([]pyref.Tensor, len(P))
			for i, p := range P {
				mid[i] = enc(p)
			}
			var second struct {
				Final []pyref.Tensor `json:"final"`
			}
			pyref.Run(t, lbfgsPy+`
opt = `+c.py+`
with torch.no_grad():
    for p, d in zip(P, IN["params"]):
        p.copy_(dec(d))
opt.load_state_dict(torch.load(IN["go"]))
opt.step(closure)
out({"final": [enc(p) for p in P]})
`, map[string]any{"problem": c.problem, "go": goFile, "params": mid}, &second)
			opt.Step(closure)
			for i, p := range P {
				require.Equal(t, second.Final[i], enc(p), "param %d after PyTorch loaded Go's state", i)
			}
		})
	}
}

// TestLBFGSLeaksNothing steps LBFGS with the line search repeatedly and
// checks that the live tensor count stays flat: the loops free their
// temporaries and the state replaced by a step is freed.
func TestLBFGSLeaksNothing(t *testing.T) {
	for _, ls := range []string{"", "strong_wolfe"} {
		P, f := lbfgsSetup("linreg")
		opt, err := optim.NewLBFGS(P, optim.LBFGSOptions{LineSearchFn: ls, MaxIter: 4, HistorySize: 3, ToleranceGrad: new(0.0), ToleranceChange: new(0.0)})
		require.NoError(t, err)
		closure := lbfgsClosure(opt, f)
		var counts []int64
		for s := 0; s < 8; s++ {
			opt.Step(closure)
			counts = append(counts, settledLiveTensors())
		}
		for i := 4; i < len(counts); i++ {
			require.Equal(t, counts[3], counts[i], "%q: live tensors per step: %v", ls, counts)
		}
		opt.Close()
	}
}

// TestLBFGSWithScheduler drives LBFGS's lr with a scheduler (LBFGS is a
// ParamGrouper) and compares the parameters with PyTorch's after each step.
func TestLBFGSWithScheduler(t *testing.T) {
	pyref.RequireVersion(t, "1.13.", "", "LBFGS follows PyTorch 1.13's arithmetic")
	var want struct {
		Params [][]any `json:"params"`
	}
	pyref.Run(t, lbfgsPy+`
opt = O.LBFGS(P, max_iter=5, line_search_fn="strong_wolfe")
sch = S.ExponentialLR(opt, gamma=0.5)
params = []
for s in range(4):
    opt.step(closure)
    sch.step()
    params.append([enc(p) for p in P])
out({"params": params})
`, map[string]any{"problem": "linreg"}, &want)
	P, f := lbfgsSetup("linreg")
	opt, err := optim.NewLBFGS(P, optim.LBFGSOptions{MaxIter: 5, LineSearchFn: "strong_wolfe"})
	require.NoError(t, err)
	sch, err := optim.NewExponentialLR(opt, 0.5)
	require.NoError(t, err)
	closure := lbfgsClosure(opt, f)
	for s := 0; s < 4; s++ {
		opt.Step(closure)
		sch.Step()
		var got []any
		for _, p := range P {
			got = append(got, enc(p))
		}
		require.Equal(t, normalizeJSON(t, want.Params[s]), normalizeJSON(t, got), "params after step %d", s+1)
	}
}
