package torch

import "fmt"

// Error is what a failing tensor operation panics with: the operation's Go
// name and libtorch's message without the C++ backtrace.
type Error struct {
	Op  string // the Go operation, e.g. "MatMul"
	Msg string // libtorch's message, or torchgo's own for bad arguments
}

func (e *Error) Error() string { return "torch: " + e.Op + ": " + e.Msg }

// Catch runs f and returns its error; a panic with a *Error raised inside f
// (a failed tensor operation) is returned as that error instead of unwinding
// further. Other panics propagate unchanged.
func Catch(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	return f()
}

func errorf(op, format string, args ...any) *Error {
	return &Error{Op: op, Msg: fmt.Sprintf(format, args...)}
}
