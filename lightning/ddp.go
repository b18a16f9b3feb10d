package lightning

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/distributed"
)

// ddpRun is the state of a Fit under Strategy "ddp".
type ddpRun struct {
	group    *distributed.Group
	ddp      *distributed.DDP
	children []*exec.Cmd // ranks this process launched
	setEnv   []string    // variables the launch set here, unset at the end
}

// IsGlobalZero reports whether this process is rank 0 (always, without
// DDP): the one that writes checkpoints and logs and shows progress.
func (t *Trainer) IsGlobalZero() bool { return t.GlobalRank() == 0 }

// GlobalRank is this process's rank in the DDP group of the running or
// last Fit (global_rank); 0 without DDP.
func (t *Trainer) GlobalRank() int { return t.rank }

// WorldSize is the number of processes training together in the running
// or last Fit (world_size); 1 without DDP.
func (t *Trainer) WorldSize() int { return max(t.worldSize, 1) }

func (t *Trainer) ddpEnabled() bool { return t.cfg.Strategy == "ddp" }

// startDDP joins (or, as Lightning's subprocess launcher, first starts)
// the processes of a DDP Fit. Launched by hand, the program runs
// Devices-1 copies of itself with torchrun's variables and becomes rank 0;
// under an external launcher (torchrun, or this one) the variables are set
// already. Ranks other than 0 then drop the logger, the progress bar and
// the model summary.
func (t *Trainer) startDDP() {
	d := &ddpRun{}
	if os.Getenv("WORLD_SIZE") == "" {
		n := t.cfg.Devices
		port, err := freePort()
		if err != nil {
			failf("lightning: ddp: choosing a port: %w", err)
		}
		env := map[string]string{"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": strconv.Itoa(port), "WORLD_SIZE": strconv.Itoa(n)}
		env["RANK"], env["LOCAL_RANK"] = "0", "0"
		for k, v := range env {
			os.Setenv(k, v)
			d.setEnv = append(d.setEnv, k)
		}
		for r := 1; r < n; r++ {
			c := exec.Command(os.Args[0], os.Args[1:]...)
			c.Env = append(os.Environ(), "RANK="+strconv.Itoa(r), "LOCAL_RANK="+strconv.Itoa(r)) // later entries win
			c.Stdout, c.Stderr = os.Stdout, os.Stderr
			if err := c.Start(); err != nil {
				d.stop()
				failf("lightning: ddp: starting rank %d: %w", r, err)
			}
			d.children = append(d.children, c)
		}
	}
	o, err := distributed.OptionsFromEnv()
	if err != nil {
		d.stop()
		fail(fmt.Errorf("lightning: ddp: %w", err))
	}
	if t.cfg.DDPTimeout > 0 {
		o.Timeout = t.cfg.DDPTimeout
	}
	if d.group, err = distributed.NewGroup(o); err != nil {
		d.stop()
		fail(fmt.Errorf("lightning: ddp: %w", err))
	}
	t.dist = d
	t.rank, t.worldSize = d.group.Rank(), d.group.Size()
	if d.group.Rank() != 0 {
		t.loggers = nil
		kept := t.callbacks[:0]
		for _, c := range t.callbacks {
			switch c.(type) {
			case *ProgressBar, *ModelSummary:
				continue
			}
			kept = append(kept, c)
		}
		t.callbacks = kept
	}
}

// wrapDDP starts averaging the module's gradients across the ranks,
// after copying rank 0's weights to all.
func (t *Trainer) wrapDDP() {
	model, ok := t.module.(distributed.Model)
	if !ok {
		failf("lightning: ddp: the module (%T) has no Parameters and NamedBuffers (embed nn.Module)", t.module)
	}
	var err error
	if t.dist.ddp, err = distributed.NewDDP(t.dist.group, model, distributed.DDPOptions{}); err != nil {
		fail(fmt.Errorf("lightning: ddp: %w", err))
	}
}

// shardLoader gives this rank its share of l (Lightning's
// use_distributed_sampler), seeded by Config.Seed as Lightning's
// PL_GLOBAL_SEED.
func (t *Trainer) shardLoader(kind string, l Loader) Loader {
	if t.dist == nil || l == nil {
		return l
	}
	s, ok := l.(shardable)
	if !ok {
		failf("lightning: ddp: the %s loader (%T) cannot be sharded: make it with FromDataLoader so that a DistributedSampler can be added", kind, l)
	}
	var seed uint64
	if t.cfg.Seed != nil {
		seed = *t.cfg.Seed
	}
	out, err := s.distributed(t.dist.group.Size(), t.dist.group.Rank(), seed)
	if err != nil {
		fail(fmt.Errorf("lightning: ddp: sharding the %s loader: %w", kind, err))
	}
	return out
}

// backwardMaybeNoSync runs backward, without gradient averaging when the
// step accumulates (DDP's no_sync, as Lightning does).
func (t *Trainer) backwardMaybeNoSync(loss *torch.Tensor, accumulating bool) {
	if t.dist != nil && t.dist.ddp != nil && accumulating {
		t.dist.ddp.NoSync(func() { t.backward(loss) })
		return
	}
	t.backward(loss)
}

// syncResults reduces the epoch aggregates of the values logged with
// SyncDist over the ranks (sync_dist): weighted sums and weights add up,
// so a mean is the mean over every rank's samples; max and min reduce as
// such. Every rank must log the same synced names, in the same order.
func (t *Trainer) syncResults(rs *results) {
	if t.dist == nil {
		return
	}
	for _, r := range rs.order {
		if !r.sync || !r.onEpoch || r.synced {
			continue
		}
		vals, op := []float64{r.sum, r.weight, float64(r.n)}, distributed.Sum
		switch r.reduce {
		case "max":
			vals, op = []float64{r.ext}, distributed.Max
		case "min":
			vals, op = []float64{r.ext}, distributed.Min
		}
		var err error
		torch.WithScope(func(*torch.Scope) {
			v := torch.FromSlice(vals, []int64{int64(len(vals))})
			if err = t.dist.group.AllReduce(v, op); err == nil {
				vals = torch.ToSlice[float64](v)
			}
		})
		if err != nil {
			fail(fmt.Errorf("lightning: sync_dist of %q: %w", r.name, err))
		}
		if op == distributed.Sum {
			r.sum, r.weight, r.n = vals[0], vals[1], int(vals[2])
			if !r.sum64 {
				r.sum = float64(float32(r.sum)) // a float32 all-reduce, as Lightning's
			}
		} else {
			r.ext = vals[0]
		}
		r.synced = true
	}
}

// syncShouldStop makes the ranks agree, after each batch, to stop when
// any of them wants to (a Timer, MaxTime, EarlyStopping on an unsynced
// metric), as Lightning's reduce_boolean_decision: otherwise the ranks
// that go on would wait in the next all-reduce for those that left.
func (t *Trainer) syncShouldStop() {
	if t.dist == nil {
		return
	}
	stop := 0.0
	if t.shouldStop {
		stop = 1
	}
	var err error
	torch.WithScope(func(*torch.Scope) {
		v := torch.FromSlice([]float64{stop}, []int64{1})
		if err = t.dist.group.AllReduce(v, distributed.Max); err == nil {
			stop = v.Item()
		}
	})
	if err != nil {
		fail(fmt.Errorf("lightning: ddp: agreeing to stop: %w", err))
	}
	t.shouldStop = stop != 0
}

// stopDDP ends the group at the end of Fit: a barrier, so that no rank
// leaves while others still need it, then rank 0 waits for the ranks it
// launched.
func (t *Trainer) stopDDP(failed bool) error {
	d := t.dist
	if d == nil {
		return nil
	}
	t.dist = nil
	d.unsetEnv()
	var err error
	if !failed {
		err = d.group.Barrier()
	}
	if d.ddp != nil {
		d.ddp.Close()
	}
	d.group.Close()
	if failed || err != nil {
		d.stop()
		return err
	}
	for i, c := range d.children {
		if werr := c.Wait(); werr != nil && err == nil {
			err = fmt.Errorf("lightning: ddp: rank %d: %w", i+1, werr)
		}
	}
	return err
}

// unsetEnv removes the variables the launch set in this process.
func (d *ddpRun) unsetEnv() {
	for _, k := range d.setEnv {
		os.Unsetenv(k)
	}
	d.setEnv = nil
}

// stop kills the launched ranks (after a failure) and unsets the launch's
// variables.
func (d *ddpRun) stop() {
	d.unsetEnv()
	for _, c := range d.children {
		if c.Process != nil {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}
	d.children = nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
