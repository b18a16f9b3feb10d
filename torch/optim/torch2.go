package optim

import (
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// torch2 reports whether the linked libtorch is 2.x or newer. State dicts
// then have the layout PyTorch 2 writes, so that they match the Python
// beside that libtorch; with 1.13 they have 1.13's. Loading accepts both.
var torch2 = func() bool {
	v := torch.Version()
	return v != "" && v[0] >= '2' && v[0] <= '9'
}()

// torch2Options are the group options PyTorch 2 added, each with the key
// it follows in 2.x's param_groups (Adam already had them in 1.13).
var torch2Options = map[string][]struct {
	after string
	spec  spec
}{
	"SGD":     {{"differentiable", noneOpt("fused")}},
	"AdamW":   {{"capturable", offFlag("differentiable")}, {"differentiable", noneOpt("fused")}},
	"RMSprop": {{"weight_decay", offFlag("capturable")}},
	"Adagrad": {{"maximize", offFlag("differentiable")}, {"differentiable", noneOpt("fused")}},
}

// withTorch2Options adds optimizer name's PyTorch 2 options to specs and
// defaults (None or false) when torch2.
func withTorch2Options(name string, specs []spec, defaults *pt.OrderedDict) ([]spec, *pt.OrderedDict) {
	extra := torch2Options[name]
	if !torch2 || len(extra) == 0 {
		return specs, defaults
	}
	for _, e := range extra {
		var v any // None
		if e.spec.kind == kBool {
			v = false
		}
		out := pt.NewDict()
		ks, vs := defaults.Keys(), defaults.Values()
		for i, k := range ks {
			out.MustSet(k, vs[i])
			if k == e.after {
				out.MustSet(e.spec.key, v)
			}
		}
		defaults = out
		specs = append(append([]spec(nil), specs...), e.spec)
	}
	return specs, defaults
}
