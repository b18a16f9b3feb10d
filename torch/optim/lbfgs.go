package optim

import (
	"fmt"
	"math"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// LBFGSOptions are the options of LBFGS, as torch.optim.LBFGS's arguments.
// The zero value is PyTorch's default: a nil pointer or a zero int means
// PyTorch's default value.
type LBFGSOptions struct {
	// LR is the learning rate (lr), >= 0; nil means PyTorch's default, the
	// int 1.
	LR *float64
	// MaxIter is the maximal number of iterations per Step (max_iter); 0
	// means 20.
	MaxIter int
	// MaxEval is the maximal number of function evaluations per Step
	// (max_eval); 0 means MaxIter*5/4, as PyTorch's None does.
	MaxEval int
	// ToleranceGrad is the termination tolerance on first-order optimality
	// (tolerance_grad); nil means 1e-7.
	ToleranceGrad *float64
	// ToleranceChange is the termination tolerance on function value and
	// parameter changes (tolerance_change); nil means 1e-9.
	ToleranceChange *float64
	// HistorySize is the update history size (history_size), >= 1; 0 means
	// 100.
	HistorySize int
	// LineSearchFn is "" (PyTorch's None: a fixed step of LR) or
	// "strong_wolfe" (line_search_fn).
	LineSearchFn string
}

var lbfgsSpecs = []spec{
	num("lr"), intOpt("max_iter", 0), intOpt("max_eval", 0), num("tolerance_grad"), num("tolerance_change"),
	intOpt("history_size", 1), choiceOpt("line_search_fn", "strong_wolfe"),
}

// LBFGS is the L-BFGS optimizer, exactly as torch.optim.LBFGS (1.13),
// including its strong-Wolfe line search. Like PyTorch's it has one
// parameter group and keeps its whole state as the state of the first
// parameter: "func_evals" and "n_iter" (ints) and, once a Step has
// iterated, "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
// "prev_flat_grad", "prev_loss" and, from the second iteration, "al" (its
// lists are Python lists; "t" and "H_diag" are ints, floats or 0-dim
// tensors as the Python code leaves them).
//
// Its Step re-evaluates the model through a closure, so it is not an
// Optimizer; it is a ParamGrouper, which the LR schedulers drive.
type LBFGS struct{ base }

var _ ParamGrouper = (*LBFGS)(nil)

// NewLBFGS returns an LBFGS optimizer of params with options o, or an
// error naming the first invalid option.
func NewLBFGS(params []*torch.Tensor, o LBFGSOptions) (*LBFGS, error) {
	if len(params) == 0 {
		return nil, fmt.Errorf("optim: LBFGS: optimizer got an empty parameter list")
	}
	l := &LBFGS{}
	l.anyShape = true
	l.checkState = checkLBFGSState
	var lr any = int64(1)
	if o.LR != nil {
		lr = *o.LR
	}
	maxIter := int64(o.MaxIter)
	if o.MaxIter == 0 {
		maxIter = 20
	}
	maxEval := int64(o.MaxEval)
	if o.MaxEval == 0 {
		maxEval = floorDiv(maxIter*5, 4)
	}
	hist := int64(o.HistorySize)
	if o.HistorySize == 0 {
		hist = 100
	}
	var ls any
	if o.LineSearchFn != "" {
		ls = o.LineSearchFn
	}
	d := optionDict(lbfgsSpecs, lr, maxIter, maxEval, or(o.ToleranceGrad, 1e-7), or(o.ToleranceChange, 1e-9), hist, ls)
	if err := l.init("LBFGS", lbfgsSpecs, d, []Group{{Params: params}}); err != nil {
		return nil, err
	}
	return l, nil
}

// AddParamGroup refuses: LBFGS, like PyTorch's, has one parameter group.
func (l *LBFGS) AddParamGroup(Group) error {
	return fmt.Errorf("optim: LBFGS doesn't support per-parameter options (parameter groups)")
}

func checkLBFGSState(_ *pt.OrderedDict, _ *torch.Tensor, st *pt.OrderedDict) error {
	for _, k := range []string{"func_evals", "n_iter"} {
		if v, ok := st.Get(k); ok {
			if _, isInt := v.(int64); !isInt {
				return fmt.Errorf("%q is %s, not an int", k, typeName(v))
			}
		}
	}
	for _, k := range []string{"d", "prev_flat_grad"} {
		if v, ok := st.Get(k); ok && v != nil {
			if err := needTensors(st, k); err != nil {
				return err
			}
		}
	}
	for _, k := range []string{"t", "H_diag", "prev_loss"} {
		if v, ok := st.Get(k); ok && v != nil && !isPyNum(v) {
			return fmt.Errorf("%q is %s, not a number or a tensor", k, typeName(v))
		}
	}
	for _, k := range []string{"old_dirs", "old_stps", "ro", "al"} {
		v, ok := st.Get(k)
		if !ok || v == nil {
			continue
		}
		list, isList := v.([]any)
		if !isList {
			return fmt.Errorf("%q is %s, not a list", k, typeName(v))
		}
		for i, it := range list {
			if _, isT := it.(*torch.Tensor); !isT && !(k == "al" && it == nil) {
				return fmt.Errorf("%q[%d] is %s, not a tensor", k, i, typeName(it))
			}
		}
	}
	return nil
}

func isPyNum(v any) bool {
	switch v.(type) {
	case int64, float64, *torch.Tensor:
		return true
	}
	return false
}

// intOf returns the int option name of g.
func intOf(g *ParamGroup, name string) int64 {
	v, _ := g.Get(name)
	n, _ := v.(int64)
	return n
}

// keeper tracks the tensors that LBFGS's Step has made persistent, so that
// its loops, each run in a scope of its own, free their temporaries while
// the values Python would still reference survive: sweep persists what the
// roots reach and closes what they no longer do.
type keeper struct{ live map[*torch.Tensor]bool }

func (k *keeper) collect(into map[*torch.Tensor]bool, v any) {
	switch x := v.(type) {
	case *torch.Tensor:
		if x != nil {
			into[x] = true
		}
	case []any:
		for _, it := range x {
			k.collect(into, it)
		}
	case []*torch.Tensor:
		for _, it := range x {
			k.collect(into, it)
		}
	case *pt.OrderedDict:
		for _, it := range x.Values() {
			k.collect(into, it)
		}
	}
}

func (k *keeper) sweep(roots ...any) {
	next := map[*torch.Tensor]bool{}
	for _, r := range roots {
		k.collect(next, r)
	}
	for t := range next {
		if !k.live[t] {
			t.Persist()
		}
	}
	for t := range k.live {
		if !next[t] {
			t.Close()
		}
	}
	k.live = next
}

// Step performs one LBFGS optimization step (up to max_iter iterations) and
// returns the loss closure gave first. closure re-evaluates the model: it
// clears the gradients (ZeroGrad), computes the loss, calls Backward and
// returns the loss as a float64 (loss.Item()); Step runs it with autograd
// enabled, in a scope of its own. Like Optimizer.Step it runs without
// autograd and frees its temporaries, and panics with a *torch.Error when
// libtorch rejects an operation.
func (l *LBFGS) Step(closure func() float64) float64 {
	var out float64
	torch.NoGrad(func() {
		torch.WithScope(func(*torch.Scope) { out = l.run(closure) })
	})
	return out
}

func (l *LBFGS) evaluate(closure func() float64) float64 {
	var v float64
	torch.EnableGrad(func() {
		torch.WithScope(func(*torch.Scope) { v = closure() })
	})
	return v
}

func (l *LBFGS) params() []*torch.Tensor { return l.groups[0].Params }

// gatherFlatGrad is _gather_flat_grad: the gradients, flattened and
// concatenated (zeros for a parameter without one).
func (l *LBFGS) gatherFlatGrad() *torch.Tensor {
	var views []*torch.Tensor
	for _, p := range l.params() {
		if gr := p.Grad(); gr != nil {
			views = append(views, gr.View(-1))
		} else {
			views = append(views, torch.ZerosLike(p).View(-1))
		}
	}
	return torch.Cat(views, 0)
}

// addGrad is _add_grad: p += stepSize * update's slice for p.
func (l *LBFGS) addGrad(stepSize pyNum, update *torch.Tensor) {
	alpha := stepSize
	if t, ok := stepSize.(*torch.Tensor); ok {
		alpha = t.Item() // a tensor passed as a Scalar is its item()
	}
	var offset int64
	for _, p := range l.params() {
		n := p.Numel()
		p.AddScaled_(update.Narrow(0, offset, n).View(p.Shape()...), alpha)
		offset += n
	}
}

func (l *LBFGS) cloneParams() []*torch.Tensor {
	var out []*torch.Tensor
	for _, p := range l.params() {
		out = append(out, p.Clone())
	}
	return out
}

func (l *LBFGS) setParams(x []*torch.Tensor) {
	for i, p := range l.params() {
		p.Copy_(x[i])
	}
}

// directionalEvaluate is _directional_evaluate: the loss and flat gradient
// at x + t*d, leaving the parameters at x.
func (l *LBFGS) directionalEvaluate(closure func() float64, x []*torch.Tensor, t pyNum, d *torch.Tensor) (float64, *torch.Tensor) {
	l.addGrad(t, d)
	loss := l.evaluate(closure)
	fg := l.gatherFlatGrad()
	l.setParams(x)
	return loss, fg
}

func (l *LBFGS) run(closure func() float64) float64 {
	g := l.groups[0]
	lr, _ := g.Get("lr")
	maxIter, maxEval, historySize := intOf(g, "max_iter"), intOf(g, "max_eval"), intOf(g, "history_size")
	tolGrad, _ := g.Get("tolerance_grad")
	tolChange, _ := g.Get("tolerance_change")
	lineSearch, _ := g.Get("line_search_fn")

	state := l.stateOf(l.params()[0])
	if _, ok := state.Get("func_evals"); !ok {
		state.MustSet("func_evals", int64(0))
	}
	if _, ok := state.Get("n_iter"); !ok {
		state.MustSet("n_iter", int64(0))
	}
	addInt := func(key string, n int64) {
		v, _ := state.Get(key)
		state.MustSet(key, v.(int64)+n)
	}

	origLoss := l.evaluate(closure)
	loss := origLoss
	currentEvals := int64(1)
	addInt("func_evals", 1)
	flatGrad := l.gatherFlatGrad()
	optCond := pyCmp(flatGrad.Abs().Max(), cmpLE, tolGrad)
	if optCond {
		return origLoss
	}

	get := func(key string) any { v, _ := state.Get(key); return v }
	tensorOf := func(v any) *torch.Tensor { t, _ := v.(*torch.Tensor); return t }
	d := tensorOf(get("d"))
	var t pyNum = get("t")
	listOf := func(key string) []pyNum {
		v, _ := get(key).([]any)
		return append([]pyNum(nil), v...)
	}
	oldDirs, oldStps, ro := listOf("old_dirs"), listOf("old_stps"), listOf("ro")
	var hDiag pyNum = get("H_diag")
	prevFlatGrad := tensorOf(get("prev_flat_grad"))
	var prevLoss any = get("prev_loss")
	var al []pyNum // the working copy of state["al"], written back at the end
	if v, ok := get("al").([]any); ok {
		al = append([]pyNum(nil), v...)
	}

	k := &keeper{live: map[*torch.Tensor]bool{}}
	k.collect(k.live, state)
	roots := func() []any {
		return []any{state, d, t, flatGrad, oldDirs, oldStps, ro, hDiag, prevFlatGrad, al}
	}

	nIter := int64(0)
	for nIter < maxIter {
		stop := false
		torch.WithScope(func(*torch.Scope) {
			defer func() { k.sweep(roots()...) }()
			nIter++
			addInt("n_iter", 1)
			stateNIter, _ := get("n_iter").(int64)

			// Compute the descent direction.
			if stateNIter == 1 {
				d = flatGrad.Neg()
				oldDirs, oldStps, ro = nil, nil, nil
				hDiag = int64(1)
			} else {
				y := flatGrad.Sub(prevFlatGrad)
				s := pyMul(d, t).(*torch.Tensor)
				ys := y.Dot(s)
				if ys.GtScalar(1e-10).ItemBool() {
					if int64(len(oldDirs)) == historySize {
						oldDirs, oldStps, ro = oldDirs[1:], oldStps[1:], ro[1:]
					}
					oldDirs = append(oldDirs, y)
					oldStps = append(oldStps, s)
					ro = append(ro, pyDiv(1., ys))
					hDiag = ys.Div(y.Dot(y))
				}
				numOld := len(oldDirs)
				if _, ok := state.Get("al"); !ok {
					state.MustSet("al", make([]any, historySize))
					al = make([]pyNum, historySize)
				}
				if numOld > len(al) {
					panic(&torch.Error{Op: "LBFGS.Step", Msg: fmt.Sprintf("list index out of range: %d directions, history of %d", numOld, len(al))})
				}
				q := flatGrad.Neg()
				for i := numOld - 1; i >= 0; i-- {
					al[i] = oldStps[i].(*torch.Tensor).Dot(q).Mul(ro[i].(*torch.Tensor))
					q.AddScaled_(oldDirs[i].(*torch.Tensor), pyFloat(pyNeg(al[i])))
				}
				r := pyMul(q, hDiag).(*torch.Tensor)
				d = r
				for i := 0; i < numOld; i++ {
					be := oldDirs[i].(*torch.Tensor).Dot(r).Mul(ro[i].(*torch.Tensor))
					r.AddScaled_(oldStps[i].(*torch.Tensor), pyFloat(pySub(al[i], be)))
				}
			}
			if prevFlatGrad == nil {
				prevFlatGrad = flatGrad.Clone()
			} else {
				prevFlatGrad.Copy_(flatGrad)
			}
			prevLoss = loss

			// Compute the step length.
			if stateNIter == 1 {
				t = pyMul(pyMin(1., pyDiv(1., flatGrad.Abs().Sum())), lr)
			} else {
				t = lr
			}
			gtd := flatGrad.Dot(d)
			if pyCmp(gtd, cmpGT, pyNeg(tolChange)) {
				stop = true
				return
			}
			lsFuncEvals := int64(0)
			if lineSearch != nil {
				xInit := l.cloneParams()
				obj := func(x []*torch.Tensor, t pyNum, d *torch.Tensor) (float64, *torch.Tensor) {
					return l.directionalEvaluate(closure, x, t, d)
				}
				extra := func() []any { return append(roots(), xInit, gtd) }
				loss, flatGrad, t, lsFuncEvals = strongWolfe(obj, xInit, t, d, loss, flatGrad, gtd, k, extra)
				l.addGrad(t, d)
				optCond = pyCmp(flatGrad.Abs().Max(), cmpLE, tolGrad)
			} else {
				l.addGrad(t, d)
				if nIter != maxIter {
					loss = l.evaluate(closure)
					flatGrad = l.gatherFlatGrad()
					optCond = pyCmp(flatGrad.Abs().Max(), cmpLE, tolGrad)
					lsFuncEvals = 1
				}
			}
			currentEvals += lsFuncEvals
			addInt("func_evals", lsFuncEvals)

			// Check the conditions.
			switch {
			case nIter == maxIter, currentEvals >= maxEval, optCond:
				stop = true
			case pyCmp(pyMul(d, t).(*torch.Tensor).Abs().Max(), cmpLE, tolChange):
				stop = true
			case pyCmp(math.Abs(loss-pyFloat(prevLoss)), cmpLT, tolChange):
				stop = true
			}
		})
		if stop {
			break
		}
	}

	state.MustSet("d", nilIfNone(d))
	state.MustSet("t", t)
	state.MustSet("old_dirs", anyList(oldDirs))
	state.MustSet("old_stps", anyList(oldStps))
	state.MustSet("ro", anyList(ro))
	state.MustSet("H_diag", hDiag)
	state.MustSet("prev_flat_grad", nilIfNone(prevFlatGrad))
	state.MustSet("prev_loss", prevLoss)
	if v, ok := state.Get("al"); ok {
		copy(v.([]any), al)
	}
	k.sweep(state)
	return origLoss
}

// nilIfNone stores a nil *torch.Tensor as None.
func nilIfNone(t *torch.Tensor) any {
	if t == nil {
		return nil
	}
	return t
}

func anyList(v []pyNum) []any {
	out := make([]any, len(v))
	copy(out, v)
	return out
}

// strongWolfe is torch.optim.lbfgs._strong_wolfe with its defaults (c1
// 1e-4, c2 0.9, tolerance_change 1e-9, max_ls 25): a line search along d
// from the parameters x for a step satisfying the strong Wolfe conditions.
// It returns the loss, the flat gradient and the step there, and the
// number of evaluations. Each search iteration runs in a scope of its own;
// k keeps what the search still needs and extra's roots (the caller's).
func strongWolfe(obj func(x []*torch.Tensor, t pyNum, d *torch.Tensor) (float64, *torch.Tensor),
	x []*torch.Tensor, t pyNum, d *torch.Tensor, f float64, g *torch.Tensor, gtd pyNum,
	k *keeper, extra func() []any) (float64, *torch.Tensor, pyNum, int64) {
	const c1, c2, tolChange, maxLS = 1e-4, 0.9, 1e-9, 25
	dNorm := d.Abs().Max()
	g = g.Clone()
	fNew, gNew := obj(x, t, d)
	lsFuncEvals := int64(1)
	var gtdNew pyNum = gNew.Dot(d)

	var tPrev pyNum = int64(0)
	fPrev, gPrev, gtdPrev := f, g, gtd
	done := false
	lsIter := 0
	var bracket []pyNum
	var bracketF []float64
	var bracketG []*torch.Tensor
	var bracketGtd []pyNum
	roots := func() []any {
		return append(extra(), dNorm, g, t, gNew, gtdNew, tPrev, gPrev, gtdPrev, anyList(bracket), bracketG, anyList(bracketGtd))
	}
	armijoFails := func() bool { return pyCmp(fNew, cmpGT, pyAdd(f, pyMul(pyMul(c1, t), gtd))) }

	for lsIter < maxLS {
		brk := false
		torch.WithScope(func(*torch.Scope) {
			defer func() { k.sweep(roots()...) }()
			// Check the conditions.
			if armijoFails() || (lsIter > 1 && fNew >= fPrev) {
				bracket, bracketF = []pyNum{tPrev, t}, []float64{fPrev, fNew}
				bracketG, bracketGtd = []*torch.Tensor{gPrev, gNew.Clone()}, []pyNum{gtdPrev, gtdNew}
				brk = true
				return
			}
			if pyCmp(pyAbs(gtdNew), cmpLE, pyMul(-c2, gtd)) {
				bracket, bracketF, bracketG = []pyNum{t}, []float64{fNew}, []*torch.Tensor{gNew}
				done, brk = true, true
				return
			}
			if pyCmp(gtdNew, cmpGE, int64(0)) {
				bracket, bracketF = []pyNum{tPrev, t}, []float64{fPrev, fNew}
				bracketG, bracketGtd = []*torch.Tensor{gPrev, gNew.Clone()}, []pyNum{gtdPrev, gtdNew}
				brk = true
				return
			}
			// Interpolate.
			minStep := pyAdd(t, pyMul(0.01, pySub(t, tPrev)))
			maxStep := pyMul(t, int64(10))
			tmp := t
			t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, &[2]pyNum{minStep, maxStep})
			// Next step.
			tPrev, fPrev, gPrev, gtdPrev = tmp, fNew, gNew.Clone(), gtdNew
			fNew, gNew = obj(x, t, d)
			lsFuncEvals++
			gtdNew = gNew.Dot(d)
			lsIter++
		})
		if brk {
			break
		}
	}
	// Reached the maximal number of iterations?
	if lsIter == maxLS {
		bracket, bracketF, bracketG = []pyNum{int64(0), t}, []float64{f, fNew}, []*torch.Tensor{g, gNew}
	}

	// Zoom: refine the bracket until a point satisfies the criteria.
	insufProgress := false
	lowPos, highPos := 0, 1
	if !(bracketF[0] <= bracketF[len(bracketF)-1]) {
		lowPos, highPos = 1, 0
	}
	for !done && lsIter < maxLS {
		brk := false
		torch.WithScope(func(*torch.Scope) {
			defer func() { k.sweep(roots()...) }()
			if pyCmp(pyMul(pyAbs(pySub(bracket[1], bracket[0])), dNorm), cmpLT, tolChange) {
				brk = true
				return
			}
			t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1], nil)
			bMax, bMin := pyMax(bracket[0], bracket[1]), pyMin(bracket[0], bracket[1])
			eps := pyMul(0.1, pySub(bMax, bMin))
			if pyCmp(pyMin(pySub(bMax, t), pySub(t, bMin)), cmpLT, eps) {
				// The interpolation is close to the boundary.
				if insufProgress || pyCmp(t, cmpGE, bMax) || pyCmp(t, cmpLE, bMin) {
					// Evaluate at 0.1 away from the boundary.
					if pyCmp(pyAbs(pySub(t, bMax)), cmpLT, pyAbs(pySub(t, bMin))) {
						t = pySub(bMax, eps)
					} else {
						t = pyAdd(bMin, eps)
					}
					insufProgress = false
				} else {
					insufProgress = true
				}
			} else {
				insufProgress = false
			}
			// Evaluate the new point.
			fNew, gNew = obj(x, t, d)
			lsFuncEvals++
			gtdNew = gNew.Dot(d)
			lsIter++
			if armijoFails() || fNew >= bracketF[lowPos] {
				// Armijo condition not satisfied or not lower than the lowest point.
				bracket[highPos], bracketF[highPos] = t, fNew
				bracketG[highPos], bracketGtd[highPos] = gNew.Clone(), gtdNew
				if bracketF[0] <= bracketF[1] {
					lowPos, highPos = 0, 1
				} else {
					lowPos, highPos = 1, 0
				}
			} else {
				if pyCmp(pyAbs(gtdNew), cmpLE, pyMul(-c2, gtd)) {
					done = true // Wolfe conditions satisfied
				} else if pyCmp(pyMul(gtdNew, pySub(bracket[highPos], bracket[lowPos])), cmpGE, int64(0)) {
					// The old high becomes the new low.
					bracket[highPos], bracketF[highPos] = bracket[lowPos], bracketF[lowPos]
					bracketG[highPos], bracketGtd[highPos] = bracketG[lowPos], bracketGtd[lowPos]
				}
				// The new point becomes the new low.
				bracket[lowPos], bracketF[lowPos] = t, fNew
				bracketG[lowPos], bracketGtd[lowPos] = gNew.Clone(), gtdNew
			}
		})
		if brk {
			break
		}
	}
	return bracketF[lowPos], bracketG[lowPos], bracket[lowPos], lsFuncEvals
}

// cubicInterpolate is torch.optim.lbfgs._cubic_interpolate: the minimizer
// of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped
// to bounds (by default [min(x1, x2), max(x1, x2)]), or the bounds' middle
// when the cubic has no minimum.
func cubicInterpolate(x1, f1, g1, x2, f2, g2 pyNum, bounds *[2]pyNum) pyNum {
	var xminBound, xmaxBound pyNum
	switch {
	case bounds != nil:
		xminBound, xmaxBound = bounds[0], bounds[1]
	case pyCmp(x1, cmpLE, x2):
		xminBound, xmaxBound = x1, x2
	default:
		xminBound, xmaxBound = x2, x1
	}
	d1 := pySub(pyAdd(g1, g2), pyDiv(pyMul(int64(3), pySub(f1, f2)), pySub(x1, x2)))
	d2Square := pySub(pyPow2(d1), pyMul(g1, g2))
	if pyCmp(d2Square, cmpGE, int64(0)) {
		d2t, ok := d2Square.(*torch.Tensor)
		if !ok {
			panic(&torch.Error{Op: "LBFGS.Step", Msg: "'float' object has no attribute 'sqrt'"})
		}
		d2 := d2t.Sqrt()
		var minPos pyNum
		if pyCmp(x1, cmpLE, x2) {
			minPos = pySub(x2, pyMul(pySub(x2, x1), pyDiv(pySub(pyAdd(g2, d2), d1), pyAdd(pySub(g2, g1), pyMul(int64(2), d2)))))
		} else {
			minPos = pySub(x1, pyMul(pySub(x1, x2), pyDiv(pySub(pyAdd(g1, d2), d1), pyAdd(pySub(g1, g2), pyMul(int64(2), d2)))))
		}
		return pyMin(pyMax(minPos, xminBound), xmaxBound)
	}
	return pyDiv(pyAdd(xminBound, xmaxBound), 2.)
}

// pyPow2 is x**2.
func pyPow2(x pyNum) pyNum {
	switch v := x.(type) {
	case *torch.Tensor:
		return v.PowScalar(int64(2))
	case int64:
		return v * v
	}
	return cpow(pyFloat(x), 2)
}
