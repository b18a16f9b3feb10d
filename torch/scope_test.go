package torch

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// settledLiveTensors collects garbage until the cleanups of earlier tests'
// unreachable tensors have run, and returns the stable live count.
func settledLiveTensors() int64 {
	n := LiveTensors()
	for i := 0; i < 50; i++ {
		runtime.GC()
		time.Sleep(2 * time.Millisecond)
		m := LiveTensors()
		if m == n && i > 1 {
			break
		}
		n = m
	}
	return n
}

func TestScopeFreesTemporaries(t *testing.T) {
	base := settledLiveTensors()
	x := Ones([]int64{3})
	var kept, persisted, inner *Tensor
	WithScope(func(s *Scope) {
		for i := 0; i < 10; i++ {
			x.MulScalar(2).Exp()
		}
		require.Equal(t, base+1+20, LiveTensors())
		kept = x.AddScalar(1)
		s.Keep(kept)
		persisted = x.AddScalar(2).Persist()
		WithScope(func(s2 *Scope) {
			inner = x.AddScalar(3)
			s2.Keep(inner) // moves to the outer scope...
		})
		require.Equal(t, 4.0, inner.Max().Item(), "...so it is alive here")
	})
	// ...and freed when the outer one ends.
	require.Equal(t, base+3, LiveTensors(), "x, kept and persisted remain")
	requireTorchError(t, "Sum", "freed", func() { inner.Sum() })
	WithScope(func(*Scope) {
		require.Equal(t, 2.0, kept.Max().Item())
		require.Equal(t, 3.0, persisted.Max().Item())
	})
	x.Close()
	kept.Close()
	persisted.Close()
	inner.Close()
	require.Equal(t, base, LiveTensors())
}

func TestScopeEndsOnPanic(t *testing.T) {
	base := settledLiveTensors()
	require.Panics(t, func() {
		WithScope(func(s *Scope) {
			Ones([]int64{2}).Add(Ones([]int64{3})) // panics with a *Error
		})
	})
	require.Equal(t, base, LiveTensors())
}

// Tensors made by other goroutines while a scope is open (a loader
// prefetching batches) do not belong to it.
func TestScopeIgnoresOtherGoroutines(t *testing.T) {
	base := settledLiveTensors()
	var other *Tensor
	WithScope(func(s *Scope) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			other = Ones([]int64{2})
		}()
		wg.Wait()
		Zeros([]int64{2})
	})
	require.Equal(t, base+1, LiveTensors())
	WithScope(func(*Scope) { require.Equal(t, 2.0, other.Sum().Item()) })
	other.Close()
	require.Equal(t, base, LiveTensors())
}

func TestCloseKeepsViewsValid(t *testing.T) {
	x := Arange(0, 6, 1)
	v := x.View(2, 3)
	x.Close()
	require.Equal(t, int64(15), v.Sum().ItemInt(), "a view keeps the shared storage alive")
	v.Close()
}
