package nn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// LoadResult lists the keys LoadStateDict could not match, like PyTorch's
// _IncompatibleKeys.
type LoadResult struct {
	MissingKeys    []string // the module's keys absent from the state dict
	UnexpectedKeys []string // the state dict's keys the module does not have
}

// String is PyTorch's repr: "<All keys matched successfully>" when nothing
// is missing or unexpected.
func (r LoadResult) String() string {
	if len(r.MissingKeys) == 0 && len(r.UnexpectedKeys) == 0 {
		return "<All keys matched successfully>"
	}
	return fmt.Sprintf("_IncompatibleKeys(missing_keys=%s, unexpected_keys=%s)", pyList(r.MissingKeys), pyList(r.UnexpectedKeys))
}

func pyList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = "'" + k + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func quoted(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = `"` + k + `"`
	}
	return strings.Join(q, ", ")
}

func torchSize(shape []int64) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = fmt.Sprint(d)
	}
	return "torch.Size([" + strings.Join(s, ", ") + "])"
}

// LoadStateDict copies the tensors of sd into m's parameters and
// persistent buffers by name (converting dtype and device as copy_ does),
// like module.load_state_dict. With strict, missing or unexpected keys are
// an error; a shape mismatch always is. The error text is PyTorch's
// ("Error(s) in loading state_dict for Net:\n\tMissing key(s) in
// state_dict: ..."). Unlike PyTorch, a failed load changes nothing.
func (m *Module) LoadStateDict(sd []Named, strict bool) (LoadResult, error) {
	given := make(map[string]*torch.Tensor, len(sd))
	names := make([]string, len(sd))
	shapes := make(map[string][]int64, len(sd))
	for i, n := range sd {
		if n.Tensor == nil {
			return LoadResult{}, fmt.Errorf("nn: LoadStateDict: entry %q is nil", n.Name)
		}
		given[n.Name], names[i], shapes[n.Name] = n.Tensor, n.Name, n.Tensor.Shape()
	}
	own := m.StateDict()
	defer func() {
		for _, o := range own {
			o.Tensor.Close()
		}
	}()
	res, err := m.matchStateDict(own, names, shapes, strict)
	if err != nil {
		return res, err
	}
	err = torch.Catch(func() error {
		torch.NoGrad(func() {
			for _, o := range own {
				if src, ok := given[o.Name]; ok {
					o.Tensor.Copy_(src)
				}
			}
		})
		return nil
	})
	return res, err
}

// matchStateDict compares the names and shapes of a state dict (names in
// its order) with m's own entries, as load_state_dict does before copying.
func (m *Module) matchStateDict(own []Named, names []string, shapes map[string][]int64, strict bool) (LoadResult, error) {
	var res LoadResult
	var mismatches []string
	ownNames := make(map[string]bool, len(own))
	for _, o := range own {
		ownNames[o.Name] = true
		got, ok := shapes[o.Name]
		if !ok {
			res.MissingKeys = append(res.MissingKeys, o.Name)
			continue
		}
		if want := o.Tensor.Shape(); !slices.Equal(want, got) {
			mismatches = append(mismatches, fmt.Sprintf("size mismatch for %s: copying a param with shape %s from checkpoint, the shape in current model is %s.",
				o.Name, torchSize(got), torchSize(want)))
		}
	}
	for _, n := range names {
		if !ownNames[n] {
			res.UnexpectedKeys = append(res.UnexpectedKeys, n)
		}
	}
	var msgs []string
	if strict && len(res.MissingKeys) > 0 {
		msgs = append(msgs, fmt.Sprintf("Missing key(s) in state_dict: %s. ", quoted(res.MissingKeys)))
	}
	if strict && len(res.UnexpectedKeys) > 0 {
		msgs = append(msgs, fmt.Sprintf("Unexpected key(s) in state_dict: %s. ", quoted(res.UnexpectedKeys)))
	}
	msgs = append(msgs, mismatches...)
	if len(msgs) > 0 {
		return res, fmt.Errorf("Error(s) in loading state_dict for %s:\n\t%s", m.TypeName(), strings.Join(msgs, "\n\t"))
	}
	return res, nil
}

// StateDictToPT converts a state dict to the collections.OrderedDict that
// Python's state_dict() returns, with host copies of the tensors, for pt.Save.
func StateDictToPT(sd []Named) *pt.OrderedDict {
	d := pt.NewOrderedDict()
	for _, n := range sd {
		d.MustSet(n.Name, n.Tensor.ToPT())
	}
	return d
}

// StateDictFromPT converts a dict of name → tensor read from a PyTorch
// file into a state dict. Any non-tensor value is an error naming its key.
// Tensors keep the file's views (torch.FromPT), and those sharing a storage
// share one copy of it.
func StateDictFromPT(d *pt.OrderedDict) ([]Named, error) {
	return stateDictFromPT(d, nil)
}

// stateDictFromPT converts the entries that keep accepts (all when nil).
func stateDictFromPT(d *pt.OrderedDict, keep func(string) bool) ([]Named, error) {
	var im torch.PTImporter
	defer im.Close()
	var out []Named
	fail := func(err error) ([]Named, error) {
		for _, n := range out {
			n.Tensor.Close()
		}
		return nil, err
	}
	for _, k := range d.Keys() {
		name, ok := k.(string)
		if !ok {
			return fail(fmt.Errorf("nn: state dict key %v is a %T, not a string", k, k))
		}
		v, _ := d.Get(k)
		p, ok := v.(*pt.Tensor)
		if !ok {
			return fail(fmt.Errorf("nn: state dict entry %q is a %T, not a tensor", name, v))
		}
		if keep != nil && !keep(name) {
			continue
		}
		t, err := im.Tensor(p)
		if err != nil {
			return fail(fmt.Errorf("nn: state dict entry %q: %w", name, err))
		}
		out = append(out, Named{name, t})
	}
	return out, nil
}

// Save writes m's state dict to path in PyTorch's format, atomically, so
// that Python's torch.load + load_state_dict reads it.
func (m *Module) Save(path string) error {
	var d *pt.OrderedDict
	err := torch.Catch(func() error {
		torch.WithScope(func(*torch.Scope) { d = StateDictToPT(m.StateDict()) })
		return nil
	})
	if err != nil {
		return err
	}
	return pt.Save(path, d)
}

// Load reads a state dict that Python's torch.save(model.state_dict(),
// path) wrote (or Save) and loads it into m as LoadStateDict does.
func (m *Module) Load(path string, strict bool) (LoadResult, error) {
	v, err := pt.Load(path)
	if err != nil {
		return LoadResult{}, err
	}
	d, ok := v.(*pt.OrderedDict)
	if !ok {
		return LoadResult{}, fmt.Errorf("nn: %s holds a %T, not a state dict", path, v)
	}
	// Names and shapes are checked before any tensor is made, so that a
	// file refused costs no copy of its data.
	names, shapes, err := ptShapes(d)
	if err != nil {
		return LoadResult{}, fmt.Errorf("nn: %s: %w", path, err)
	}
	own := m.StateDict()
	ownNames := make(map[string]bool, len(own))
	for _, o := range own {
		ownNames[o.Name] = true
	}
	_, err = m.matchStateDict(own, names, shapes, strict)
	for _, o := range own {
		o.Tensor.Close()
	}
	if err != nil {
		return LoadResult{}, err
	}
	sd, err := stateDictFromPT(d, func(name string) bool { return ownNames[name] })
	if err != nil {
		return LoadResult{}, fmt.Errorf("nn: %s: %w", path, err)
	}
	sdNames := make(map[string]bool, len(sd))
	for _, n := range sd {
		sdNames[n.Name] = true
	}
	defer func() {
		for _, n := range sd {
			n.Tensor.Close()
		}
	}()
	res, err := m.LoadStateDict(sd, false)
	for _, n := range names {
		if !sdNames[n] {
			res.UnexpectedKeys = append(res.UnexpectedKeys, n)
		}
	}
	return res, err
}

// ptShapes lists a state dict's names in order with their shapes, checking
// that each entry is a well-formed tensor.
func ptShapes(d *pt.OrderedDict) ([]string, map[string][]int64, error) {
	var names []string
	shapes := map[string][]int64{}
	for _, k := range d.Keys() {
		name, ok := k.(string)
		if !ok {
			return nil, nil, fmt.Errorf("nn: state dict key %v is a %T, not a string", k, k)
		}
		v, _ := d.Get(k)
		p, ok := v.(*pt.Tensor)
		if !ok {
			return nil, nil, fmt.Errorf("nn: state dict entry %q is a %T, not a tensor", name, v)
		}
		if err := p.Validate(); err != nil {
			return nil, nil, fmt.Errorf("nn: state dict entry %q: %w", name, err)
		}
		names = append(names, name)
		shapes[name] = p.Shape
	}
	return names, shapes, nil
}
