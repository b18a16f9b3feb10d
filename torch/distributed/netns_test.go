package distributed_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// netnsHosts are two "machines": network namespaces nsA (10.77.0.1, rank
// 0) and nsB (10.77.0.2, rank 1) joined by the veth pair vethA <-> vethB.
type netnsHosts struct {
	ns, veth [2]string
	addr     [2]string
}

// run runs the command name (ip, tc) and fails t on error.
func (h *netnsHosts) run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
}

// newNetnsHosts makes the two namespaces and the veth pair, removed by
// t.Cleanup (deleting a namespace deletes the veth end inside it, and so
// the pair). It skips t, saying why, when this machine lacks the rights.
func newNetnsHosts(t *testing.T) *netnsHosts {
	if os.Geteuid() != 0 {
		t.Skip("needs root for ip netns (euid is not 0)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs iproute2's ip:", err)
	}
	pid := os.Getpid()
	h := &netnsHosts{
		ns:   [2]string{fmt.Sprintf("tgA%d", pid), fmt.Sprintf("tgB%d", pid)},
		veth: [2]string{fmt.Sprintf("tgva%d", pid%10000000), fmt.Sprintf("tgvb%d", pid%10000000)},
		addr: [2]string{"10.77.0.1", "10.77.0.2"},
	}
	if out, err := exec.Command("ip", "netns", "add", h.ns[0]).CombinedOutput(); err != nil {
		t.Skipf("ip netns add fails here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		for _, ns := range h.ns {
			_ = exec.Command("ip", "netns", "del", ns).Run()
		}
	})
	h.run(t, "ip", "netns", "add", h.ns[1])
	h.run(t, "ip", "link", "add", h.veth[0], "type", "veth", "peer", "name", h.veth[1])
	for i := range h.ns {
		h.run(t, "ip", "link", "set", h.veth[i], "netns", h.ns[i])
		h.run(t, "ip", "-n", h.ns[i], "addr", "add", h.addr[i]+"/24", "dev", h.veth[i])
		h.run(t, "ip", "-n", h.ns[i], "link", "set", h.veth[i], "up")
		h.run(t, "ip", "-n", h.ns[i], "link", "set", "lo", "up")
	}
	return h
}

// qdisc adds the root qdisc kind with its parameters on both ends of the
// pair, removed by t.Cleanup. It skips t when this kernel lacks kind
// (sch_netem is a module that some kernels leave
// out).
func (h *netnsHosts) qdisc(t *testing.T, kind string, params ...string) {
	for i := range h.ns {
		args := append([]string{"netns", "exec", h.ns[i], "tc", "qdisc", "add", "dev", h.veth[i], "root", kind}, params...)
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil && strings.Contains(string(out), "qdisc kind is unknown") {
			t.Skipf("this kernel has no %s qdisc: %s", kind, out)
		}
		require.NoError(t, err, "ip %s: %s", strings.Join(args, " "), out)
		t.Cleanup(func() {
			_ = exec.Command("ip", "netns", "exec", h.ns[i], "tc", "qdisc", "del", "dev", h.veth[i], "root").Run()
		})
	}
}

// qdiscStats is `tc -s qdisc show` on both ends.
func (h *netnsHosts) qdiscStats(t *testing.T) string {
	var b strings.Builder
	for i := range h.ns {
		out, err := exec.Command("ip", "netns", "exec", h.ns[i], "tc", "-s", "qdisc", "show", "dev", h.veth[i]).CombinedOutput()
		require.NoError(t, err, "%s", out)
		b.Write(out)
	}
	return b.String()
}

// ranks runs the scenario with rank r in namespace r (GLOO_SOCKET_IFNAME
// its veth end, MASTER_ADDR rank 0's address) and calls during, if not
// nil, while they run.
func (h *netnsHosts) ranks(t *testing.T, scenario string, during func(), env ...string) []rankRun {
	runs := make([]rankRun, 2)
	var wg sync.WaitGroup
	for r := 0; r < 2; r++ {
		c := exec.Command("ip", "netns", "exec", h.ns[r], os.Args[0], "-test.run=^$")
		c.Env = append(append(os.Environ(), env...), "TORCHGO_DIST_WORKER="+scenario, "MASTER_ADDR="+h.addr[0],
			"MASTER_PORT=29577", "GLOO_SOCKET_IFNAME="+h.veth[r],
			"RANK="+strconv.Itoa(r), "WORLD_SIZE=2", "LOCAL_RANK=0")
		var stdout, stderr bytes.Buffer
		c.Stdout, c.Stderr = &stdout, &stderr
		start := time.Now()
		require.NoError(t, c.Start())
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			err := c.Wait()
			runs[r] = rankRun{out: stdout.Bytes(), stderr: stderr.String(), err: err, elapsed: time.Since(start)}
		}(r)
	}
	if during != nil {
		during()
	}
	wg.Wait()
	return runs
}

// partitionAt is the hook ddpWorker calls after each step: with
// TORCHGO_PARTITION_DIR set, after step 1 the rank writes
// DIR/stepped<rank> and waits (at most 30 s) for DIR/go, which the test
// writes once it has cut the link.
func partitionAt(rank, step int) error {
	dir := os.Getenv("TORCHGO_PARTITION_DIR")
	if dir == "" || step != 1 {
		return nil
	}
	if err := os.WriteFile(filepath.Join(dir, "stepped"+strconv.Itoa(rank)), nil, 0o644); err != nil {
		return err
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
			return nil
		}
	}
	return fmt.Errorf("no %s/go within 30 s", dir)
}

// TestDDPAcrossNetns simulates two machines on this one: two network
// namespaces, each with its own loopback and one end of a veth pair
// (10.77.0.1/24 and 10.77.0.2/24), stand for two hosts on a LAN. Each rank
// of the "ddp" scenario (scripts/ddp_reference.py's run, in Go) runs
// inside its own namespace through `ip netns exec`, with MASTER_ADDR
// 10.77.0.1 (rank 0's host) and GLOO_SOCKET_IFNAME its veth end, so the
// TCPStore and all of Gloo's traffic cross the veth pair. The test makes
// its namespaces (names carry its PID) and removes them when done, even on
// failure; it skips when the machine lacks the rights (not root, no ip,
// ip netns add refused).
//
//   - same_as_loopback: the run across the pair gives bit for bit the
//     losses and weights of the same run on the host's loopback.
//   - netem: with 20 ms delay and 1% loss on both ends (tc netem), the run
//     still completes, with the same losses and weights.
//     Skipped where the kernel has no sch_netem (not every kernel
//     builds it in), so:
//   - tbf_drops: a 50 Mbit/s tbf with a 2 ms queue on both ends, which
//     drops packets (checked in tc's statistics): the same losses and
//     weights.
//   - partition: once both ranks have done step 1, one end of the pair is
//     set down; both ranks must exit (status 1, not a signal) within the
//     5 s collective timeout plus slack, with errors naming the DDP
//     gradient all_reduce.
func TestDDPAcrossNetns(t *testing.T) {
	h := newNetnsHosts(t)
	const args = "64 16 1 0.1" // samples, batch, epochs, lr: 2 steps per rank
	var ref [2]ddpResult
	start := time.Now()
	decode(t, goRanks(t, 2, "ddp", "TORCHGO_DDP_ARGS="+args, "TORCHGO_DIST_TIMEOUT=60s"), func(r int) any { return &ref[r] })
	require.Len(t, ref[0].Losses, 2)
	t.Logf("loopback reference: %v, losses %v", time.Since(start).Round(time.Millisecond), ref[0].Losses)

	same := func(t *testing.T, runs []rankRun) {
		var res [2]ddpResult
		decode(t, runs, func(r int) any { return &res[r] })
		for r := 0; r < 2; r++ {
			require.Equal(t, ref[r].Losses, res[r].Losses, "rank %d losses", r)
			require.Equal(t, ref[r].Weights, res[r].Weights, "rank %d weights", r)
		}
	}
	t.Run("same_as_loopback", func(t *testing.T) {
		start := time.Now()
		same(t, h.ranks(t, "ddp", nil, "TORCHGO_DDP_ARGS="+args, "TORCHGO_DIST_TIMEOUT=60s"))
		t.Logf("across the veth pair: %v", time.Since(start).Round(time.Millisecond))
	})
	t.Run("netem", func(t *testing.T) {
		h.qdisc(t, "netem", "delay", "20ms", "loss", "1%")
		start := time.Now()
		same(t, h.ranks(t, "ddp", nil, "TORCHGO_DDP_ARGS="+args, "TORCHGO_DIST_TIMEOUT=60s"))
		t.Logf("with netem delay 20ms loss 1%%: %v", time.Since(start).Round(time.Millisecond))
	})
	// Where the kernel has no netem: a 50 Mbit/s token bucket whose queue
	// holds 2 ms, so that TCP's bursts overflow it and packets are dropped
	// (TCP retransmits them), which tc's statistics must show.
	t.Run("tbf_drops", func(t *testing.T) {
		h.qdisc(t, "tbf", "rate", "50mbit", "burst", "16kb", "latency", "2ms")
		start := time.Now()
		same(t, h.ranks(t, "ddp", nil, "TORCHGO_DDP_ARGS="+args, "TORCHGO_DIST_TIMEOUT=60s"))
		st := h.qdiscStats(t)
		t.Logf("through tbf 50mbit: %v; %s", time.Since(start).Round(time.Millisecond), strings.Join(strings.Fields(st), " "))
		require.Regexp(t, `dropped [1-9]`, st, "the queue dropped packets")
	})
	t.Run("partition", func(t *testing.T) {
		dir := t.TempDir()
		var cut time.Duration // since the ranks started
		launched := time.Now()
		runs := h.ranks(t, "ddp", func() {
			for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				_, e0 := os.Stat(filepath.Join(dir, "stepped0"))
				_, e1 := os.Stat(filepath.Join(dir, "stepped1"))
				if e0 == nil && e1 == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("the ranks did not both finish step 1 within 60 s")
					break
				}
			}
			h.run(t, "ip", "-n", h.ns[1], "link", "set", h.veth[1], "down")
			cut = time.Since(launched)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "go"), nil, 0o644))
		}, "TORCHGO_DDP_ARGS="+args, "TORCHGO_DIST_TIMEOUT=5s", "TORCHGO_PARTITION_DIR="+dir)
		for r, run := range runs {
			t.Logf("rank %d: exit %v after the cut: %v: %s", r, (run.elapsed - cut).Round(time.Millisecond), run.err, lastLine(run.stderr))
			var ee *exec.ExitError
			require.ErrorAs(t, run.err, &ee, "rank %d must fail: %s", r, run.stderr)
			ws := ee.Sys().(syscall.WaitStatus)
			require.False(t, ws.Signaled(), "rank %d died of signal %v, stderr %q", r, ws.Signal(), run.stderr)
			require.Equal(t, 1, ws.ExitStatus(), "rank %d: %s", r, run.stderr)
			require.Contains(t, run.stderr, fmt.Sprintf("DDP gradient all_reduce on rank %d of 2 failed", r))
			require.Less(t, run.elapsed-cut, 20*time.Second, "rank %d: the 5 s timeout plus slack", r)
		}
	})
}
