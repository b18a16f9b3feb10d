package optim

import (
	"fmt"
	"math"
	"slices"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// Optimizer updates parameters from their gradients. SGD, Adam, AdamW,
// RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam and ASGD implement it
// (LBFGS, whose Step takes a closure, does not). LR schedulers drive any
// ParamGrouper, which every Optimizer is.
type Optimizer interface {
	// Step applies one update to every parameter that has a gradient. It
	// runs without autograd and frees its temporaries; it panics with a
	// *torch.Error when libtorch rejects an operation (use torch.Catch).
	Step()
	// ZeroGrad clears the gradients (sets them to none), as PyTorch 2's
	// zero_grad() does by default.
	ZeroGrad()
	// ZeroGradInPlace fills existing gradients with zeros instead
	// (zero_grad(set_to_none=False)).
	ZeroGradInPlace()
	// ParamGroups returns the parameter groups; their options are mutable
	// (schedulers change "lr").
	ParamGroups() []*ParamGroup
	// AddParamGroup adds a group, with options overriding the defaults.
	AddParamGroup(g Group) error
	// Defaults returns a copy of the default options, by PyTorch's names.
	Defaults() *pt.OrderedDict
	// StateDict returns the state in torch.optim.Optimizer.state_dict()'s
	// layout: {"state": {index: {...}}, "param_groups": [{..., "params":
	// [indices]}]}, ready for pt.Save and Python's load_state_dict.
	StateDict() *pt.OrderedDict
	// LoadStateDict replaces the state and group options with those of a
	// state dict (from StateDict, or PyTorch's saved with torch.save and read
	// with pt.Load). On error the optimizer is unchanged.
	LoadStateDict(sd *pt.OrderedDict) error
}

var (
	_ Optimizer   = (*SGD)(nil)
	_ Optimizer   = (*Adam)(nil)
	_ Optimizer   = (*AdamW)(nil)
	_ Optimizer   = (*RMSprop)(nil)
	_ Optimizer   = (*Adagrad)(nil)
	_ Optimizer   = (*Adadelta)(nil)
	_ Optimizer   = (*Adamax)(nil)
	_ Optimizer   = (*NAdam)(nil)
	_ Optimizer   = (*RAdam)(nil)
	_ Optimizer   = (*ASGD)(nil)
	_ LRScheduler = (*StepLR)(nil)
	_ LRScheduler = (*MultiStepLR)(nil)
	_ LRScheduler = (*ExponentialLR)(nil)
	_ LRScheduler = (*CosineAnnealingLR)(nil)
	_ LRScheduler = (*LinearLR)(nil)
	_ LRScheduler = (*OneCycleLR)(nil)
	_ LRScheduler = (*SequentialLR)(nil)
)

// ParamGrouper is what the LR schedulers drive: anything with parameter
// groups whose "lr" (and, for the momentum-cycling schedulers, "momentum"
// or "betas") they may change. Every optimizer of this package is one
// (LBFGS too, although its Step takes a closure and so it is not an
// Optimizer); a user-written optimizer becomes one by returning its groups,
// made with &ParamGroup{Params: ...} and Set (see Example_customOptimizer),
// and reading each group's LR in its own Step.
//
// A ParamGrouper that also has a Defaults() *pt.OrderedDict method tells
// OneCycleLR and CyclicLR, as PyTorch's optimizer.defaults does, whether it
// has "momentum" or "betas"; without one they look at the first group.
type ParamGrouper interface {
	// ParamGroups returns the groups themselves (not copies): schedulers
	// change their options in place.
	ParamGroups() []*ParamGroup
}

// Group is a parameter group passed to a constructor or AddParamGroup.
type Group struct {
	// Params are the tensors to optimize (leaf tensors; each in one group).
	Params []*torch.Tensor
	// Options overrides the optimizer's defaults for this group, by
	// PyTorch's option names, e.g. {"lr": 0.01, "weight_decay": 0.0}, as in
	// PyTorch's {"params": ..., "lr": 0.01}. Numbers are Go ints or floats,
	// flags bools, "betas" a [2]float64 or pt.Tuple. Unknown names and
	// values of the wrong type are refused with an error.
	Options map[string]any
}

// ParamGroup is one parameter group of an optimizer: its parameters and its
// options, kept by PyTorch's names, in PyTorch's order and with Python's
// value types (float64, int64, bool, nil for None, string, pt.Tuple for
// "betas"), exactly as they appear in the state dict. Schedulers add
// entries such as "initial_lr".
//
// The optimizers of this package make their groups. The zero value, with
// Params set, is a group for a user-written optimizer: its options are
// whatever Set gives it, in the order set (see ParamGrouper).
type ParamGroup struct {
	// Params are the group's parameters. Replacing them makes the state
	// kept for the old ones unreachable.
	Params []*torch.Tensor

	opts  *pt.OrderedDict
	specs []spec
	check func(*pt.OrderedDict) error
}

// dict returns the options, creating them for a zero ParamGroup.
func (g *ParamGroup) dict() *pt.OrderedDict {
	if g.opts == nil {
		g.opts = pt.NewDict()
	}
	return g.opts
}

// LR returns the group's learning rate ("lr"; 0 when absent).
func (g *ParamGroup) LR() float64 { return g.Float("lr") }

// SetLR sets the group's learning rate ("lr") without checking it, as
// PyTorch's schedulers assign param_group["lr"]; use Set("lr", v) to have
// it validated.
func (g *ParamGroup) SetLR(lr float64) { g.dict().MustSet("lr", lr) }

// Float returns the numeric option name as a float64 (0 when absent or not
// a number).
func (g *ParamGroup) Float(name string) float64 {
	v, _ := g.dict().Get(name)
	if _, isBool := v.(bool); isBool {
		return 0
	}
	f, _ := toFloat(v)
	return f
}

// Bool returns the flag option name (false when absent).
func (g *ParamGroup) Bool(name string) bool {
	v, _ := g.dict().Get(name)
	b, _ := v.(bool)
	return b
}

// Get returns the option name as stored, and whether it is present.
func (g *ParamGroup) Get(name string) (any, bool) { return g.dict().Get(name) }

// Keys returns the option names in order (without "params").
func (g *ParamGroup) Keys() []string {
	ks := g.dict().Keys()
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i], _ = k.(string)
	}
	return out
}

// freeKeys are the entries Set accepts on any group: those PyTorch's
// schedulers add, and "name", which users give groups for
// Lightning's LearningRateMonitor ({"params": ..., "name": "head"}).
var freeKeys = []string{"initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum", "name"}

// Set sets option name to v and returns an error, leaving the group
// unchanged, when v is of a type no option can hold (numbers are Go ints
// and floats, flags bools, None nil, strings, "betas" a [2]float64 or a
// pt.Tuple) or, on a group made by an optimizer of this package, when name
// is not one of its options (nor a scheduler's entry such as "initial_lr",
// nor "name", nor already present), the value's kind differs from the option's
// (number, flag, None, betas) or the value is invalid (a negative lr, ...).
// On a zero ParamGroup (a user-written optimizer's) any name is accepted.
func (g *ParamGroup) Set(name string, v any) error {
	nv, err := normalize(v)
	if err != nil {
		return fmt.Errorf("optim: option %q: %v", name, err)
	}
	d := g.dict()
	old, had := d.Get(name)
	if s, ok := findSpec(g.specs, name); ok {
		if err := s.accepts(nv); err != nil {
			return err
		}
	} else if g.specs != nil && !had && !slices.Contains(freeKeys, name) {
		var known []string
		for _, s := range g.specs {
			known = append(known, s.key)
		}
		return fmt.Errorf("optim: unknown option %q (the group's options are %q)", name, known)
	}
	d.MustSet(name, nv)
	if g.check != nil {
		if err := g.check(d); err != nil {
			if had {
				d.MustSet(name, old)
			} else {
				g.opts = without(d, name)
			}
			return err
		}
	}
	return nil
}

// Options returns a copy of the group's options, by PyTorch's names.
func (g *ParamGroup) Options() *pt.OrderedDict { return copyDict(g.dict()) }

// betas returns the group's (beta1, beta2).
func (g *ParamGroup) betas() (float64, float64) {
	v, _ := g.dict().Get("betas")
	t, _ := v.(pt.Tuple)
	if len(t) != 2 {
		return 0, 0
	}
	b1, _ := toFloat(t[0])
	b2, _ := toFloat(t[1])
	return b1, b2
}

// kind is the Python type of an option.
type kind int

const (
	kNumber kind = iota // float (or int)
	kBool
	kNone   // always None (foreach)
	kBetas  // a 2-tuple of numbers
	kInt    // an int (LBFGS's max_iter, ...)
	kChoice // None or one of spec.choices (LBFGS's line_search_fn)
)

// spec describes one option of an optimizer.
type spec struct {
	key  string
	kind kind
	// intZero: PyTorch's default is the int 0; a zero value is written as
	// int64(0), as Python's state dict holds it.
	intZero bool
	// nonNeg: the value must be >= 0.
	nonNeg bool
	// off: a flag PyTorch has that this package does not implement; only
	// false is accepted.
	off bool
	// atMostOne: for kNumber, the value must be in [0, 1] (Adadelta's rho).
	atMostOne bool
	// minInt: for kInt, the least value accepted.
	minInt int64
	// choices: for kChoice, the strings accepted besides None.
	choices []string
}

func findSpec(specs []spec, key string) (spec, bool) {
	for _, s := range specs {
		if s.key == key {
			return s, true
		}
	}
	return spec{}, false
}

// accepts checks v (normalized) against s.
func (s spec) accepts(v any) error {
	switch s.kind {
	case kNumber:
		f, ok := toFloat(v)
		if _, isBool := v.(bool); !ok || isBool {
			return fmt.Errorf("optim: option %q must be a number, not %s", s.key, typeName(v))
		}
		if math.IsNaN(f) || (s.nonNeg && f < 0) {
			return fmt.Errorf("optim: invalid %s value %v: must be >= 0", s.key, f)
		}
		if s.atMostOne && !(f >= 0 && f <= 1) {
			return fmt.Errorf("optim: invalid %s value %v: must be in [0, 1]", s.key, f)
		}
	case kInt:
		n, ok := v.(int64)
		if !ok {
			return fmt.Errorf("optim: option %q must be an int, not %s", s.key, typeName(v))
		}
		if n < s.minInt {
			return fmt.Errorf("optim: invalid %s value %d: must be >= %d", s.key, n, s.minInt)
		}
	case kChoice:
		if v == nil {
			return nil
		}
		str, ok := v.(string)
		if !ok || !slices.Contains(s.choices, str) {
			return fmt.Errorf("optim: option %q must be None or one of %q, not %v", s.key, s.choices, v)
		}
	case kBool:
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("optim: option %q must be a bool, not %s", s.key, typeName(v))
		}
		if s.off && b {
			return fmt.Errorf("optim: option %q is not supported (only false)", s.key)
		}
	case kNone:
		if v != nil {
			if b, ok := v.(bool); !ok || b {
				return fmt.Errorf("optim: option %q is not supported (only None or false)", s.key)
			}
		}
	case kBetas:
		t, ok := v.(pt.Tuple)
		if !ok || len(t) != 2 {
			return fmt.Errorf("optim: option %q must be a pair of numbers, not %v", s.key, v)
		}
		for i, x := range t {
			f, ok := toFloat(x)
			if _, isBool := x.(bool); isBool || !ok || !(f >= 0 && f < 1) {
				return fmt.Errorf("optim: invalid beta parameter at index %d of %q: %v: must be in [0, 1)", i, s.key, x)
			}
		}
	}
	return nil
}

// typeName names v's Python type, for errors.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case bool:
		return "a bool"
	case int64:
		return "an int"
	case float64:
		return "a float"
	case string:
		return "a string"
	case pt.Tuple:
		return "a tuple"
	}
	return fmt.Sprintf("a %T", v)
}

// normalize turns Go values into the types a pt.OrderedDict stores.
func normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, int64, float64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case [2]float64:
		return pt.Tuple{x[0], x[1]}, nil
	case pt.Tuple:
		out := make(pt.Tuple, len(x))
		for i, it := range x {
			n, err := normalize(it)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported value type %T", v)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func copyDict(d *pt.OrderedDict) *pt.OrderedDict {
	out := &pt.OrderedDict{Plain: d.Plain}
	for i, k := range d.Keys() {
		out.MustSet(k, d.Values()[i])
	}
	return out
}

func without(d *pt.OrderedDict, key any) *pt.OrderedDict {
	out := &pt.OrderedDict{Plain: d.Plain}
	ks, vs := d.Keys(), d.Values()
	for i, k := range ks {
		if k != key {
			out.MustSet(k, vs[i])
		}
	}
	return out
}

// base holds what every optimizer shares: groups, per-parameter state and
// the state-dict machinery.
type base struct {
	name     string
	specs    []spec
	defaults *pt.OrderedDict
	groups   []*ParamGroup
	// check validates a group's options beyond their specs.
	check func(*pt.OrderedDict) error
	// checkState validates a loaded per-parameter state.
	checkState func(opts *pt.OrderedDict, p *torch.Tensor, st *pt.OrderedDict) error
	// initState, when set, creates a parameter's state when its group is
	// added (Adagrad); otherwise states are created by the first Step.
	initState func(g *ParamGroup, p *torch.Tensor) *pt.OrderedDict
	// anyShape: state tensors need not have their parameter's shape
	// (LBFGS keeps flat histories).
	anyShape bool
	// scalarKeys are state entries besides "step" that are 0-dim tensors
	// (NAdam's "mu_product", ASGD's "eta" and "mu").
	scalarKeys []string

	// state maps a parameter to its state: *torch.Tensor (persistent),
	// int64 or nil values by PyTorch's names.
	state map[*torch.Tensor]*pt.OrderedDict
	// order lists the parameters with state in the order their state was
	// made, which is the order of PyTorch's state dict.
	order []*torch.Tensor
}

// init validates the defaults and adds the groups.
func (b *base) init(name string, specs []spec, defaults *pt.OrderedDict, groups []Group) error {
	b.name, b.specs, b.defaults = name, specs, defaults
	b.state = map[*torch.Tensor]*pt.OrderedDict{}
	if err := b.validate(defaults); err != nil {
		return err
	}
	if len(groups) == 0 {
		return fmt.Errorf("optim: %s: optimizer got an empty parameter list", name)
	}
	for _, g := range groups {
		if err := b.AddParamGroup(g); err != nil {
			return err
		}
	}
	return nil
}

// validate checks opts against the specs and the optimizer's own check,
// prefixing errors with the optimizer's name.
func (b *base) validate(opts *pt.OrderedDict) error {
	for _, s := range b.specs {
		v, ok := opts.Get(s.key)
		if !ok {
			return fmt.Errorf("optim: %s: missing option %q", b.name, s.key)
		}
		if err := s.accepts(v); err != nil {
			return fmt.Errorf("optim: %s: %w", b.name, trimPrefix(err))
		}
	}
	if b.check != nil {
		if err := b.check(opts); err != nil {
			return fmt.Errorf("optim: %s: %w", b.name, trimPrefix(err))
		}
	}
	return nil
}

// plainError is an error with a fixed message.
type plainError struct{ msg string }

// Error returns the message.
func (e plainError) Error() string { return e.msg }

// trimPrefix drops the "optim: " of an inner error so it can be re-wrapped.
func trimPrefix(err error) error {
	s := err.Error()
	if len(s) > 7 && s[:7] == "optim: " {
		return plainError{s[7:]}
	}
	return err
}

func (b *base) newGroup(params []*torch.Tensor, opts *pt.OrderedDict) *ParamGroup {
	return &ParamGroup{Params: params, opts: opts, specs: b.specs, check: b.validate}
}

// AddParamGroup adds a group of parameters whose options are the defaults
// overridden by g.Options. It refuses unknown option names (a scheduler's
// entries such as "initial_lr", and "name", are known), invalid values,
// an empty or nil parameter, non-leaf tensors and parameters already in a
// group.
func (b *base) AddParamGroup(g Group) error {
	opts := copyDict(b.defaults)
	for k, v := range g.Options {
		if _, ok := findSpec(b.specs, k); !ok && !slices.Contains(freeKeys, k) {
			return fmt.Errorf("optim: %s: unknown option %q", b.name, k)
		}
		nv, err := normalize(v)
		if err != nil {
			return fmt.Errorf("optim: %s: option %q: %v", b.name, k, err)
		}
		opts.MustSet(k, nv)
	}
	if err := b.validate(opts); err != nil {
		return err
	}
	seen := map[*torch.Tensor]bool{}
	for _, og := range b.groups {
		for _, p := range og.Params {
			seen[p] = true
		}
	}
	for i, p := range g.Params {
		if p == nil {
			return fmt.Errorf("optim: %s: parameter %d is nil", b.name, i)
		}
		if seen[p] {
			return fmt.Errorf("optim: %s: parameter %d appears more than once (or in more than one group)", b.name, i)
		}
		seen[p] = true
		if err := torch.Catch(func() error {
			if !p.IsLeaf() {
				return fmt.Errorf("optim: %s: parameter %d: can't optimize a non-leaf Tensor", b.name, i)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	pg := b.newGroup(slices.Clone(g.Params), opts)
	b.groups = append(b.groups, pg)
	if b.initState != nil {
		torch.NoGrad(func() {
			for _, p := range pg.Params {
				b.setState(p, b.initState(pg, p))
			}
		})
	}
	return nil
}

// ParamGroups returns the optimizer's groups (not a copy: their options are
// live).
func (b *base) ParamGroups() []*ParamGroup { return b.groups }

// Defaults returns a copy of the default options, by PyTorch's names.
func (b *base) Defaults() *pt.OrderedDict { return copyDict(b.defaults) }

// ZeroGrad sets every parameter's gradient to none.
func (b *base) ZeroGrad() {
	for _, g := range b.groups {
		for _, p := range g.Params {
			p.SetGrad(nil)
		}
	}
}

// ZeroGradInPlace fills every existing gradient with zeros.
func (b *base) ZeroGradInPlace() {
	torch.NoGrad(func() {
		for _, g := range b.groups {
			for _, p := range g.Params {
				if gr := p.Grad(); gr != nil {
					gr.Zero_()
					gr.Close()
				}
			}
		}
	})
}

// stateOf returns p's state, creating an empty one (recorded in order).
func (b *base) stateOf(p *torch.Tensor) *pt.OrderedDict {
	st, ok := b.state[p]
	if !ok {
		st = pt.NewDict()
		b.state[p] = st
		b.order = append(b.order, p)
	}
	return st
}

// setState replaces p's state.
func (b *base) setState(p *torch.Tensor, st *pt.OrderedDict) {
	if old, ok := b.state[p]; ok {
		closeState(old)
	} else {
		b.order = append(b.order, p)
	}
	b.state[p] = st
}

// Close frees the optimizer's state tensors now; the optimizer must not be
// stepped afterwards. The parameters are not touched.
func (b *base) Close() {
	for _, st := range b.state {
		closeState(st)
	}
	b.state = map[*torch.Tensor]*pt.OrderedDict{}
	b.order = nil
}

func closeState(st *pt.OrderedDict) {
	for _, v := range st.Values() {
		closeValue(v)
	}
}

// closeValue closes a state value's tensors (also those in lists).
func closeValue(v any) {
	switch x := v.(type) {
	case *torch.Tensor:
		x.Close()
	case []any:
		for _, it := range x {
			closeValue(it)
		}
	}
}

// step runs f for each parameter with a gradient, group by group, without
// autograd and inside a scope that frees every temporary.
func (b *base) step(f func(g *ParamGroup, p, grad *torch.Tensor)) {
	torch.NoGrad(func() {
		torch.WithScope(func(*torch.Scope) {
			for _, g := range b.groups {
				for _, p := range g.Params {
					grad := p.Grad()
					if grad == nil {
						continue
					}
					f(g, p, grad)
				}
			}
		})
	})
}

// stateTensor returns the tensor under key in st (nil when absent or None).
func stateTensor(st *pt.OrderedDict, key string) *torch.Tensor {
	v, _ := st.Get(key)
	t, _ := v.(*torch.Tensor)
	return t
}

// numberSpec etc. build specs tersely.
func num(key string) spec        { return spec{key: key, kind: kNumber, nonNeg: true} }
func numZero(key string) spec    { return spec{key: key, kind: kNumber, nonNeg: true, intZero: true} }
func flag(key string) spec       { return spec{key: key, kind: kBool} }
func offFlag(key string) spec    { return spec{key: key, kind: kBool, off: true} }
func noneOpt(key string) spec    { return spec{key: key, kind: kNone} }
func betasOpt(key string) spec   { return spec{key: key, kind: kBetas} }
func anyNumZero(key string) spec { return spec{key: key, kind: kNumber, intZero: true} }
func anyNum(key string) spec     { return spec{key: key, kind: kNumber} }
func intOpt(key string, least int64) spec {
	return spec{key: key, kind: kInt, minInt: least}
}
func choiceOpt(key string, choices ...string) spec {
	return spec{key: key, kind: kChoice, choices: choices}
}

// optionDict builds a defaults dict from specs and values in the same
// order, writing PyTorch's int 0 where its default is an int and the value
// is zero.
func optionDict(specs []spec, vals ...any) *pt.OrderedDict {
	d := pt.NewDict()
	for i, s := range specs {
		v := vals[i]
		if f, ok := v.(float64); ok && s.intZero && f == 0 {
			v = int64(0)
		}
		d.MustSet(s.key, v)
	}
	return d
}
