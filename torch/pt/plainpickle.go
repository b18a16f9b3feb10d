package pt

import (
	"fmt"
	"io"
	"strings"
)

// PickleOptions configures LoadPickle.
type PickleOptions struct {
	// Globals are the globals the pickle may name besides the data
	// constructors always allowed (collections.OrderedDict, builtins.set,
	// builtins.frozenset, builtins.complex, builtins.bytearray and
	// _codecs.encode, with which Python 3 pickles bytes at protocol 2),
	// keyed by "module.name" ("__builtin__" names are read as
	// "builtins"). Any other global is refused with an error wrapping
	// ErrForbiddenGlobal.
	Globals map[string]Global
	// Encoding decodes Python 2 str values (BINSTRING, SHORT_BINSTRING),
	// as the encoding argument of Python's pickle.load does: "ASCII"
	// (the default, as in Python), "utf-8", "latin1" (Latin-1, what
	// torchvision reads CIFAR with) or "bytes" ([]byte values). Python 3
	// str values are UTF-8 whatever Encoding says.
	Encoding string
	// Name names the pickle in error messages (default "pickle").
	Name string
	// Limits bounds what decoding costs; zero fields take the defaults.
	Limits Limits
}

// Global is the Go implementation of an allowlisted Python global, for
// LoadPickle. Nothing named by a file is ever looked up elsewhere.
type Global struct {
	// Call builds what REDUCE, NEWOBJ or NEWOBJ_EX without keyword
	// arguments make of the global and its arguments. The arguments are
	// converted to this package's value types when the call is made
	// (globals among them become GlobalRef values). The result may be any
	// Go value; one implementing StateSetter accepts BUILD. A nil Call
	// allows the global only as a value, such as a class passed to
	// another global.
	Call func(args Tuple) (any, error)
}

// GlobalRef is how a Global without Call appears among the arguments a
// Call or SetState receives: its "module.name".
type GlobalRef string

// StateSetter is implemented by values a Global's Call returns that
// accept the BUILD opcode (Python's __setstate__).
type StateSetter interface {
	// SetState receives BUILD's state, converted to this package's value
	// types.
	SetState(state any) error
}

// encodings maps the names PickleOptions.Encoding accepts to the
// unpickler's.
var encodings = map[string]string{
	"": "ascii", "ascii": "ascii", "us-ascii": "ascii",
	"utf-8": "utf-8", "utf8": "utf-8",
	"latin1": "latin1", "latin-1": "latin1", "iso-8859-1": "latin1", "iso8859-1": "latin1",
	"bytes": "bytes",
}

// LoadPickle reads one plain Python pickle (protocols 0 to 5, the binary
// opcodes Python writes) from the next size bytes of r at most, up to its
// STOP opcode, and returns the value in the data model described in the
// package documentation, with the values of the caller's globals where the
// pickle builds them. It runs the same virtual machine as Load, with the
// same limits (opts.Limits), but torch's globals are not allowed and
// persistent ids are refused.
func LoadPickle(r io.Reader, size int64, opts PickleOptions) (any, error) {
	if size < 0 {
		return nil, errorf("negative pickle size %d", size)
	}
	enc, ok := encodings[strings.ToLower(opts.Encoding)]
	if !ok {
		return nil, errorf("unsupported pickle encoding %q (ASCII, utf-8, latin1 or bytes)", opts.Encoding)
	}
	name := opts.Name
	if name == "" {
		name = "pickle"
	}
	u := newUnpickler(newPickleInput(r, size), name)
	u.plain = true
	u.globals = opts.Globals
	u.encoding = enc
	u.limitsSet = opts.Limits
	return u.load()
}

// callerGlobal wraps a caller's Global as a VM global.
func (u *unpickler) callerGlobal(name string, g Global) *global {
	if g.Call == nil {
		return &global{name: name}
	}
	return &global{name: name, call: func(u *unpickler, args []any) (any, error) {
		exported, err := u.export(&pyTuple{items: args})
		if err != nil {
			return nil, err
		}
		return g.Call(exported.(Tuple))
	}}
}

// export converts a VM value to the public types for a caller's Global,
// charging the values it converts to the work and node budgets.
func (u *unpickler) export(v any) (any, error) {
	left := u.limits.MaxWork - u.work - u.hash.work
	if n := u.limits.MaxNodes - u.nodes; n < left {
		left = n
	}
	f := &finalizer{done: make(map[any]finalized), active: make(map[any]bool), maxNodes: max(left, 1), globals: true}
	out, size, err := f.conv(v, 0)
	if err != nil {
		return nil, fmt.Errorf("%w (converting arguments)", err)
	}
	if err := u.charge(int(size)); err != nil {
		return nil, err
	}
	return out, nil
}
