package optim

import (
	"fmt"
	"slices"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// StateDict returns the optimizer's state in the layout of PyTorch 1.13's
// Optimizer.state_dict(): a plain dict
//
//	{"state": {0: {"step": tensor, "exp_avg": tensor, ...}, 1: ...},
//	 "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), ..., "params": [0, 1]}]}
//
// where parameters are numbered across groups in order, state entries come
// in the order their state was created, tensors are copied into host memory
// (*pt.Tensor) and options keep Python's types. pt.Save writes it so that
// torch.load and load_state_dict accept it.
func (b *base) StateDict() *pt.OrderedDict {
	index := map[*torch.Tensor]int64{}
	groups := make([]any, 0, len(b.groups))
	var next int64
	for _, g := range b.groups {
		packed := copyDict(g.dict())
		packed.Plain = true
		ids := make([]any, 0, len(g.Params))
		for _, p := range g.Params {
			if _, ok := index[p]; !ok {
				index[p] = next
				next++
			}
			ids = append(ids, index[p])
		}
		packed.MustSet("params", ids)
		groups = append(groups, packed)
	}
	state := pt.NewDict()
	for _, p := range b.order {
		id, ok := index[p]
		if !ok {
			continue // a parameter no longer in any group
		}
		st := b.state[p]
		out := pt.NewDict()
		ks, vs := st.Keys(), st.Values()
		for i, k := range ks {
			out.MustSet(k, exportValue(vs[i]))
		}
		state.MustSet(id, out)
	}
	sd := pt.NewDict()
	sd.MustSet("state", state)
	sd.MustSet("param_groups", groups)
	return sd
}

// exportValue copies tensors (also inside lists, as LBFGS keeps them) into
// host memory for the state dict.
func exportValue(v any) any {
	switch x := v.(type) {
	case *torch.Tensor:
		pv := x.ToPT()
		pv.RequiresGrad = false
		return pv
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = exportValue(it)
		}
		return out
	}
	return v
}

// LoadStateDict replaces the optimizer's state and group options with sd's
// (layout of StateDict). Like PyTorch, saved parameter i maps to the i-th
// parameter of this optimizer, groups in order; floating-point state
// tensors other than "step" are cast to their parameter's dtype and moved
// to its device. Options missing from a saved group take the defaults.
//
// It returns an error, leaving the optimizer unchanged, when the number of
// groups or of parameters in a group differs, a state refers to an unknown
// parameter, a state tensor's shape differs from its parameter's, an
// option has the wrong type or an invalid value, or a state misses an entry
// this optimizer needs.
func (b *base) LoadStateDict(sd *pt.OrderedDict) (err error) {
	if sd == nil {
		return fmt.Errorf("optim: %s: LoadStateDict: nil state dict", b.name)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("optim: %s: LoadStateDict: "+format, append([]any{b.name}, args...)...)
	}
	rawGroups, ok := sd.Get("param_groups")
	if !ok {
		return fail("no \"param_groups\" entry")
	}
	savedGroups, ok := rawGroups.([]any)
	if !ok {
		return fail("\"param_groups\" is a %T, not a list", rawGroups)
	}
	if len(savedGroups) != len(b.groups) {
		return fail("loaded state dict has %d parameter groups, the optimizer %d", len(savedGroups), len(b.groups))
	}
	idMap := map[int64]*torch.Tensor{}
	newOpts := make([]*pt.OrderedDict, len(b.groups))
	for gi, raw := range savedGroups {
		sg, ok := raw.(*pt.OrderedDict)
		if !ok {
			return fail("param_groups[%d] is a %T, not a dict", gi, raw)
		}
		rp, _ := sg.Get("params")
		ids, ok := rp.([]any)
		if !ok {
			return fail("param_groups[%d][\"params\"] is a %T, not a list", gi, rp)
		}
		params := b.groups[gi].Params
		if len(ids) != len(params) {
			return fail("param_groups[%d] has %d parameters, the optimizer's group %d", gi, len(ids), len(params))
		}
		for i, rid := range ids {
			id, ok := rid.(int64)
			if !ok {
				return fail("param_groups[%d][\"params\"][%d] is a %T, not an int", gi, i, rid)
			}
			if _, dup := idMap[id]; !dup {
				idMap[id] = params[i]
			}
		}
		opts := pt.NewDict()
		ks, vs := sg.Keys(), sg.Values()
		for i, k := range ks {
			if k == "params" {
				continue
			}
			nv, err := normalize(vs[i])
			if err != nil {
				return fail("param_groups[%d][%v]: %v", gi, k, err)
			}
			if err := opts.Set(k, nv); err != nil {
				return fail("param_groups[%d]: %v", gi, err)
			}
		}
		for _, s := range b.specs {
			if _, ok := opts.Get(s.key); !ok {
				v, _ := b.defaults.Get(s.key)
				opts.MustSet(s.key, v)
			}
		}
		if err := b.validate(opts); err != nil {
			return fail("param_groups[%d]: %v", gi, trimPrefix(err))
		}
		newOpts[gi] = opts
	}
	groupOf := map[*torch.Tensor]*pt.OrderedDict{}
	for gi, g := range b.groups {
		for _, p := range g.Params {
			groupOf[p] = newOpts[gi]
		}
	}

	rawState, ok := sd.Get("state")
	if !ok {
		return fail("no \"state\" entry")
	}
	savedState, ok := rawState.(*pt.OrderedDict)
	if !ok {
		return fail("\"state\" is a %T, not a dict", rawState)
	}
	newState := map[*torch.Tensor]*pt.OrderedDict{}
	var newOrder []*torch.Tensor
	defer func() {
		if err != nil {
			for _, st := range newState {
				closeState(st)
			}
		}
	}()
	ks, vs := savedState.Keys(), savedState.Values()
	for i, k := range ks {
		id, ok := k.(int64)
		p := idMap[id]
		if !ok || p == nil {
			return fail("state for unknown parameter %v", k)
		}
		sst, ok := vs[i].(*pt.OrderedDict)
		if !ok {
			return fail("state[%d] is a %T, not a dict", id, vs[i])
		}
		st := pt.NewDict()
		newState[p] = st
		newOrder = append(newOrder, p)
		if err := b.castState(p, id, sst, st); err != nil {
			return err
		}
		if b.checkState != nil {
			if err := b.checkState(groupOf[p], p, st); err != nil {
				return fail("state[%d]: %v", id, err)
			}
		}
	}
	if b.initState != nil {
		for _, g := range b.groups {
			for _, p := range g.Params {
				if _, ok := newState[p]; !ok {
					return fail("no state for parameter %v (this optimizer keeps state for all)", len(newOrder))
				}
			}
		}
	}
	// Commit.
	for _, st := range b.state {
		closeState(st)
	}
	b.state, b.order = newState, newOrder
	for gi, g := range b.groups {
		g.opts = newOpts[gi]
	}
	return nil
}

// castState converts saved state values into st: tensors become persistent
// torch tensors (cast, except "step", to p's floating dtype, and moved to
// p's device), with the shape of p unless they are "step".
func (b *base) castState(p *torch.Tensor, id int64, saved, st *pt.OrderedDict) error {
	var pShape []int64
	var pDType torch.DType
	var pDev torch.Device
	if err := torch.Catch(func() error {
		pShape, pDType, pDev = p.Shape(), p.DType(), p.Device()
		return nil
	}); err != nil {
		return err
	}
	ks, vs := saved.Keys(), saved.Values()
	for i, k := range ks {
		key, ok := k.(string)
		if !ok {
			return fmt.Errorf("optim: %s: LoadStateDict: state[%d] has a non-string key %v", b.name, id, k)
		}
		v, err := b.importValue(vs[i], key, key == "step", pShape, pDType, pDev)
		if err != nil {
			return fmt.Errorf("optim: %s: LoadStateDict: state[%d][%q]: %w", b.name, id, key, err)
		}
		st.MustSet(key, v)
	}
	return nil
}

// importValue converts one saved state value as PyTorch's cast does:
// tensors become persistent torch tensors, cast (unless isStep) to the
// parameter's floating dtype and moved to its device; lists (LBFGS's
// histories) are converted element by element, their tensors cast too.
// Unless the optimizer keeps state of any shape (LBFGS), a tensor other
// than "step" must have the parameter's shape.
func (b *base) importValue(v any, key string, isStep bool, pShape []int64, pDType torch.DType, pDev torch.Device) (any, error) {
	switch x := v.(type) {
	case *pt.Tensor:
		if !isStep && !b.anyShape && !slices.Contains(b.scalarKeys, key) && !slices.Equal(x.Shape, pShape) {
			return nil, fmt.Errorf("shape %v, its parameter %v", x.Shape, pShape)
		}
		t, err := torch.FromPT(x)
		if err != nil {
			return nil, err
		}
		err = torch.Catch(func() error {
			if !isStep {
				if pDType.IsFloatingPoint() && t.DType() != pDType {
					c := t.To(pDType)
					t.Close()
					t = c
				}
				if t.Device() != pDev {
					c := t.To(pDev)
					t.Close()
					t = c
				}
			}
			t.Persist()
			return nil
		})
		if err != nil {
			return nil, err
		}
		return t, nil
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			c, err := b.importValue(it, key, false, pShape, pDType, pDev)
			if err != nil {
				for _, done := range out[:i] {
					closeValue(done)
				}
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = c
		}
		return out, nil
	}
	return normalize(v)
}

// needTensors checks that st holds float tensors under keys (a helper for
// the optimizers' checkState).
func needTensors(st *pt.OrderedDict, keys ...string) error {
	for _, k := range keys {
		v, ok := st.Get(k)
		if !ok {
			return fmt.Errorf("missing %q", k)
		}
		if _, ok := v.(*torch.Tensor); !ok {
			return fmt.Errorf("%q is a %T, not a tensor", k, v)
		}
	}
	return nil
}

// needStepTensor checks that st["step"] is a one-element tensor.
func needStepTensor(st *pt.OrderedDict) error {
	if err := needTensors(st, "step"); err != nil {
		return err
	}
	t := stateTensor(st, "step")
	return torch.Catch(func() error {
		if t.Numel() != 1 {
			return fmt.Errorf("\"step\" has %d elements, not 1", t.Numel())
		}
		return nil
	})
}
