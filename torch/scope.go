package torch

/*
#include "shim.h"
*/
import "C"

import "runtime"

// Scope frees, when it ends, every tensor created inside it on its
// goroutine, except those kept. See WithScope.
type Scope struct{}

// WithScope runs f in a new scope: every tensor that f creates on this
// goroutine (results of operations, gradients read, ...) is freed when f
// returns or panics, except those passed to s.Keep (which move to the
// enclosing scope, or become unscoped) or made persistent with Persist.
// Using a tensor after its scope freed it panics with a *Error rather than
// touching freed memory. Scopes nest.
//
// The goroutine is locked to its OS thread while f runs, because the scope
// stack lives in the thread; tensors that other goroutines create meanwhile
// (a loader prefetching batches) never enter it.
func WithScope(f func(s *Scope)) {
	runtime.LockOSThread()
	C.tg_scope_push()
	defer func() {
		C.tg_scope_pop()
		runtime.UnlockOSThread()
	}()
	f(&Scope{})
}

// Keep marks ts to survive the innermost scope that holds them: they move
// to its parent scope, or out of scopes altogether at the outermost one.
func (s *Scope) Keep(ts ...*Tensor) {
	for _, t := range ts {
		if t == nil {
			continue
		}
		check("Scope.Keep", C.tg_scope_keep(t.handle("Scope.Keep")))
		runtime.KeepAlive(t)
	}
}
