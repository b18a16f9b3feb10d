// Package distributed runs training on several processes with libtorch's
// own distributed engine, c10d: a process group on Gloo (CPU tensors)
// rendezvousing through a TCPStore, its collectives, and DDP, which
// averages gradients across the group in buckets overlapped with backward,
// as torch.nn.parallel.DistributedDataParallel does.
//
// Processes find each other as torchrun's do: MASTER_ADDR and MASTER_PORT
// name rank 0's store, RANK and WORLD_SIZE place the process (see
// OptionsFromEnv). The same program runs across machines with the same
// variables; NCCL (CUDA tensors) is not built yet.
//
// # SIGPIPE
//
// The first NewGroup ignores SIGPIPE for the whole process
// (signal.Ignore, which sets its disposition to SIG_IGN for every thread),
// as Python, and so PyTorch, does at start-up. Gloo writes to its sockets
// from threads of its own, which the Go runtime does not run: when a peer
// has gone (it exited, or timed out and left while this rank was stopped),
// such a write would raise SIGPIPE there, and on a thread that is not Go's
// its default action kills the process at once, without a message (exit
// status 141). Ignored, the write fails with EPIPE instead and the
// collective returns an error naming itself and the rank, with Gloo's
// reason (the peer's address when the connection was closed).
//
// This holds for the rest of the process: a write to a closed pipe or
// socket, standard output and standard error included, returns EPIPE
// instead of ending the program, and programs it starts afterwards inherit
// the ignored SIGPIPE (os/exec does not restore it; Python's subprocess
// does). A program that wants SIGPIPE can call signal.Notify for it after
// NewGroup; a handled SIGPIPE does not kill Gloo's threads either.
package distributed

/*
#cgo CFLAGS: -I${SRCDIR}/../internal/distshim -I${SRCDIR}/../internal/shim
#include <stdlib.h>
#include "dist.h"
*/
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/torchgo/torchgo/torch"
	_ "github.com/torchgo/torchgo/torch/internal/distshim" // the C++ side
	"github.com/torchgo/torchgo/torch/internal/tensorref"
)

// DefaultTimeout bounds the rendezvous and each collective when
// Options.Timeout is zero: 30 minutes, torch.distributed's default.
const DefaultTimeout = 30 * time.Minute

// Options places a process in a group.
type Options struct {
	// Backend is "gloo" (the default, CPU tensors). "nccl" is not built.
	Backend string
	// MasterAddr and MasterPort locate rank 0's TCPStore.
	MasterAddr string
	MasterPort int
	// Rank is this process's place in [0, WorldSize).
	Rank, WorldSize int
	// LocalRank is the process's place on its machine (informational on
	// CPU; the CUDA device index under NCCL).
	LocalRank int
	// Timeout bounds the rendezvous and every collective; a peer that died
	// makes the others fail within it. 0: DefaultTimeout.
	Timeout time.Duration
	// Interface names the network interface Gloo uses
	// (GLOO_SOCKET_IFNAME); "": the one the host name resolves to, or
	// loopback when MasterAddr is 127.0.0.1 or localhost.
	Interface string
}

// OptionsFromEnv reads torchrun's variables: MASTER_ADDR (default
// 127.0.0.1), MASTER_PORT (default 29500), RANK, WORLD_SIZE, LOCAL_RANK
// (default RANK), and GLOO_SOCKET_IFNAME. It fails when RANK or WORLD_SIZE
// is missing or malformed.
func OptionsFromEnv() (Options, error) {
	o := Options{Backend: "gloo", MasterAddr: "127.0.0.1", MasterPort: 29500, Interface: os.Getenv("GLOO_SOCKET_IFNAME")}
	if v := os.Getenv("MASTER_ADDR"); v != "" {
		o.MasterAddr = v
	}
	ints := []struct {
		name     string
		dst      *int
		required bool
	}{{"MASTER_PORT", &o.MasterPort, false}, {"RANK", &o.Rank, true}, {"WORLD_SIZE", &o.WorldSize, true}, {"LOCAL_RANK", &o.LocalRank, false}}
	o.LocalRank = -1
	for _, v := range ints {
		s, ok := os.LookupEnv(v.name)
		if !ok {
			if v.required {
				return o, fmt.Errorf("distributed: environment variable %s expected, but not set", v.name)
			}
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return o, fmt.Errorf("distributed: %s=%q is not an integer", v.name, s)
		}
		*v.dst = n
	}
	if o.LocalRank < 0 {
		o.LocalRank = o.Rank
	}
	return o, nil
}

// Group is a process group (torch.distributed's ProcessGroup).
type Group struct {
	p          C.tg_pg
	rank, size int
}

// ignoreSIGPIPE runs once, before the first group starts Gloo's threads
// (and the TCPStore's): see SIGPIPE in the package documentation.
var ignoreSIGPIPE sync.Once

// NewGroup joins the group o describes, blocking until all WorldSize
// processes have joined or o.Timeout passes. The first call ignores
// SIGPIPE for the whole process (see SIGPIPE in the package
// documentation).
func NewGroup(o Options) (*Group, error) {
	switch o.Backend {
	case "", "gloo":
	case "nccl":
		return nil, fmt.Errorf("distributed: backend nccl is not built yet; use gloo")
	default:
		return nil, fmt.Errorf("distributed: unknown backend %q (want gloo)", o.Backend)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	ignoreSIGPIPE.Do(func() { signal.Ignore(syscall.SIGPIPE) })
	host, ifname := C.CString(o.MasterAddr), C.CString(o.Interface)
	defer C.free(unsafe.Pointer(host))
	defer C.free(unsafe.Pointer(ifname))
	g := &Group{rank: o.Rank, size: o.WorldSize}
	err := call("NewGroup", func() C.tg_error {
		return C.tg_pg_new_gloo(host, C.int(o.MasterPort), C.int(o.Rank), C.int(o.WorldSize),
			C.int64_t(o.Timeout.Milliseconds()), ifname, &g.p)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// Rank is this process's rank.
func (g *Group) Rank() int { return g.rank }

// Size is the number of processes (world size).
func (g *Group) Size() int { return g.size }

// Close leaves the group. A closed group must not be used.
func (g *Group) Close() {
	if g != nil && g.p != nil {
		C.tg_pg_free(g.p)
		g.p = nil
	}
}

// ReduceOp is a reduction across ranks.
type ReduceOp int

// The reductions. Avg is Sum divided by the group's size.
const (
	Sum ReduceOp = iota
	Avg
	Product
	Min
	Max
)

// AllReduce replaces t, on every rank, by the reduction of every rank's t
// (same shape and dtype everywhere).
func (g *Group) AllReduce(t *torch.Tensor, op ReduceOp) error {
	return call("AllReduce", func() C.tg_error {
		return C.tg_pg_allreduce(g.p, handle("AllReduce", t), C.int(op))
	}, t)
}

// Broadcast copies root's t into t on every other rank.
func (g *Group) Broadcast(t *torch.Tensor, root int) error {
	return call("Broadcast", func() C.tg_error {
		return C.tg_pg_broadcast(g.p, handle("Broadcast", t), C.int(root))
	}, t)
}

// AllGather fills outs[r] with rank r's t on every rank; outs has Size
// tensors shaped like t.
func (g *Group) AllGather(outs []*torch.Tensor, t *torch.Tensor) error {
	if len(outs) != g.size {
		return fmt.Errorf("distributed: AllGather: %d outputs for a group of %d", len(outs), g.size)
	}
	return call("AllGather", func() C.tg_error {
		hs := handles("AllGather", outs)
		return C.tg_pg_allgather(g.p, handle("AllGather", t), &hs[0], C.int64_t(len(hs)))
	}, append(outs, t)...)
}

// ReduceScatter sets out, on rank r, to the reduction over ranks of their
// ins[r]; ins has Size tensors shaped like out.
func (g *Group) ReduceScatter(out *torch.Tensor, ins []*torch.Tensor, op ReduceOp) error {
	if len(ins) != g.size {
		return fmt.Errorf("distributed: ReduceScatter: %d inputs for a group of %d", len(ins), g.size)
	}
	return call("ReduceScatter", func() C.tg_error {
		hs := handles("ReduceScatter", ins)
		return C.tg_pg_reduce_scatter(g.p, handle("ReduceScatter", out), &hs[0], C.int64_t(len(hs)), C.int(op))
	}, append(ins, out)...)
}

// Barrier returns once every rank has called it.
func (g *Group) Barrier() error {
	return call("Barrier", func() C.tg_error { return C.tg_pg_barrier(g.p) })
}

// call runs a shim call, turning its error (or a bad argument's panic)
// into an error; keep stay alive until it returns.
func call(op string, f func() C.tg_error, keep ...*torch.Tensor) error {
	err := torch.Catch(func() error {
		e := f()
		tensorref.Check(op, unsafe.Pointer(e))
		return nil
	})
	for _, t := range keep {
		runtime.KeepAlive(t)
	}
	if err != nil {
		return fmt.Errorf("distributed: %w", err)
	}
	return nil
}

func handle(op string, t *torch.Tensor) C.tg_tensor {
	return C.tg_tensor(tensorref.Handle(op, t))
}

func handles(op string, ts []*torch.Tensor) []C.tg_tensor {
	hs := make([]C.tg_tensor, len(ts))
	for i, t := range ts {
		hs[i] = handle(op, t)
	}
	return hs
}
