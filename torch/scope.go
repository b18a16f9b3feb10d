package torch

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

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
	a := new(arena)
	var pin runtime.Pinner
	pin.Pin(a) // the shim stores a in the scope's handles
	C.tg_scope_push(unsafe.Pointer(a))
	defer func() {
		var pending C.int64_t
		a.c = C.tg_scope_pop(&pending)
		pin.Unpin()
		if a.c != nil {
			runtime.AddCleanup(a, freeArena, a.c)
		}
		runtime.UnlockOSThread()
		if pending > arenaGCThreshold && collecting.CompareAndSwap(false, true) {
			go collectArenas()
		}
	}()
	f(&Scope{})
}

// arena owns the caller references of the handles a scope created (one
// cleanup for all of them instead of one per tensor): its tensors point to
// it, and it drops those references once none of them is reachable.
type arena struct {
	c C.tg_arena // set when the scope ends; nil when it made no tensor
}

func freeArena(c C.tg_arena) { C.tg_arena_free(c) }

// arenaGCThreshold is the number of ended scopes' handles (about 64 bytes
// of C memory each, which Go's collector does not see) past which a scope's
// end starts a collection to run their arenas' cleanups. A loop whose Go
// heap barely grows would otherwise let them pile up between collections.
const arenaGCThreshold = 1 << 16

var collecting atomic.Bool

func collectArenas() {
	runtime.GC()
	collecting.Store(false)
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
