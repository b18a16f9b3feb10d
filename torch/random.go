package torch

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime"
)

// Generator is a pseudo-random number generator, libtorch's at::Generator:
// for the CPU a Mersenne Twister (mt19937) whose streams equal Python's
// torch.Generator for the same seed. Pass it as an option to Rand, Randn,
// Randint or Randperm.
type Generator struct {
	h C.tg_generator
}

func newGenerator(h C.tg_generator) *Generator {
	g := &Generator{h: h}
	runtime.AddCleanup(g, func(h C.tg_generator) { C.tg_generator_free(h) }, h)
	return g
}

// NewGenerator returns a fresh CPU generator seeded with seed, like
// torch.Generator().manual_seed(seed).
func NewGenerator(seed uint64) *Generator {
	var h C.tg_generator
	check("NewGenerator", C.tg_generator_new(C.int(DeviceCPU), -1, &h))
	return newGenerator(h).ManualSeed(seed)
}

// NewGeneratorOn returns a fresh generator for device d (cpu or cuda), with
// libtorch's default seed.
func NewGeneratorOn(d Device) *Generator {
	var h C.tg_generator
	check("NewGeneratorOn", C.tg_generator_new(C.int(d.Type), C.int(d.Index), &h))
	return newGenerator(h)
}

// DefaultGenerator returns the generator that random functions use when
// given none (torch.default_generator for the CPU).
func DefaultGenerator(d Device) *Generator {
	var h C.tg_generator
	check("DefaultGenerator", C.tg_generator_default(C.int(d.Type), C.int(d.Index), &h))
	return newGenerator(h)
}

// cHandle is the shim's handle; nil (the default generator) for a nil *Generator.
func (g *Generator) cHandle() C.tg_generator {
	if g == nil {
		return nil
	}
	return g.h
}

// ManualSeed reseeds g and returns it.
func (g *Generator) ManualSeed(seed uint64) *Generator {
	check("Generator.ManualSeed", C.tg_generator_set_seed(g.cHandle(), C.uint64_t(seed)))
	runtime.KeepAlive(g)
	return g
}

// Seed reseeds g from a nondeterministic source and returns the new seed.
func (g *Generator) Seed() uint64 {
	var s C.uint64_t
	check("Generator.Seed", C.tg_generator_seed(g.cHandle(), &s))
	runtime.KeepAlive(g)
	return uint64(s)
}

// InitialSeed returns the seed g was last seeded with.
func (g *Generator) InitialSeed() uint64 {
	var s C.uint64_t
	check("Generator.InitialSeed", C.tg_generator_initial_seed(g.cHandle(), &s))
	runtime.KeepAlive(g)
	return uint64(s)
}

// State returns a copy of g's full state as a Uint8 tensor (for the CPU,
// 5056 bytes, the same bytes as Python's get_state()).
func (g *Generator) State() *Tensor {
	var out C.tg_tensor
	check("Generator.State", C.tg_generator_get_state(g.cHandle(), &out))
	runtime.KeepAlive(g)
	return newTensor(out)
}

// SetState restores a state returned by State (or Python's get_state()).
// A state of the wrong size or dtype is an error, and g is unchanged.
func (g *Generator) SetState(state *Tensor) error {
	if state == nil {
		return fmt.Errorf("torch: Generator.SetState: state is nil")
	}
	return Catch(func() error {
		check("Generator.SetState", C.tg_generator_set_state(g.cHandle(), state.handle("Generator.SetState")))
		runtime.KeepAlive(g)
		runtime.KeepAlive(state)
		return nil
	})
}

// ManualSeed seeds the default generator of every device, like torch.manual_seed.
func ManualSeed(seed uint64) {
	check("ManualSeed", C.tg_manual_seed(C.uint64_t(seed)))
}
