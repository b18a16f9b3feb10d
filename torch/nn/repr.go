package nn

import (
	"fmt"
	"strings"
)

// ExtraReprer is implemented by layers that describe their configuration
// inside their printed form, as extra_repr does in PyTorch:
// "in_features=784, out_features=100, bias=True".
type ExtraReprer interface {
	ExtraRepr() string
}

// Repr is PyTorch's repr of the layer tree rooted at l, what print(model)
// shows:
//
//	Net(
//	  (fc1): Linear(in_features=784, out_features=100, bias=True)
//	  (drop): Dropout(p=0.5, inplace=False)
//	)
func Repr(l Layer) string {
	m := l.module()
	var extra []string
	if e, ok := l.(ExtraReprer); ok {
		if s := e.ExtraRepr(); s != "" {
			extra = strings.Split(s, "\n")
		}
	}
	lines := append([]string(nil), extra...)
	for _, c := range m.children {
		lines = append(lines, "("+c.name+"): "+indent(Repr(c.layer)))
	}
	name := m.typeName
	if name == "" {
		name = typeName(l)
	}
	s := name + "("
	switch {
	case len(extra) == 1 && len(m.children) == 0:
		s += extra[0]
	case len(lines) > 0:
		s += "\n  " + strings.Join(lines, "\n  ") + "\n"
	}
	return s + ")"
}

// indent indents every line but the first by two spaces (_addindent).
func indent(s string) string {
	return strings.ReplaceAll(s, "\n", "\n  ")
}

// String is Repr of the layer embedding m, once known (it was added to a
// parent or given children); otherwise m's own description.
func (m *Module) String() string {
	if m.self != nil {
		return Repr(m.self)
	}
	return Repr(m)
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// ExtraRepr is "in_features=784, out_features=100, bias=True".
func (l *Linear) ExtraRepr() string {
	s := l.Weight.Shape()
	return fmt.Sprintf("in_features=%d, out_features=%d, bias=%s", s[1], s[0], pyBool(l.Bias != nil))
}

// ExtraRepr is "p=0.5, inplace=False".
func (l *Dropout) ExtraRepr() string {
	return fmt.Sprintf("p=%s, inplace=False", pyFloat(l.P))
}

// pyFloat formats f as Python's repr does for simple values (0.5, 1.0).
func pyFloat(f float64) string {
	s := fmt.Sprintf("%v", f)
	if !strings.ContainsAny(s, ".eIN") {
		s += ".0"
	}
	return s
}
