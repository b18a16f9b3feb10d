package distributed_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/data"
	"github.com/torchgo/torchgo/torch/distributed"
	F "github.com/torchgo/torchgo/torch/nn/functional"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/vision/models"
)

// The tests start each rank as a process of this test binary, which
// TestMain sends to the scenario named in TORCHGO_DIST_WORKER.
func TestMain(m *testing.M) {
	if s := os.Getenv("TORCHGO_DIST_WORKER"); s != "" {
		runtime.LockOSThread()
		out, err := workers[s]()
		if err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		_ = json.NewEncoder(os.Stdout).Encode(out)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var workers = map[string]func() (any, error){
	"collectives": collectivesWorker,
	"ddp":         ddpWorker,
	"kill":        killWorker,
	"pause":       pauseWorker,
}

func join() (*distributed.Group, error) {
	o, err := distributed.OptionsFromEnv()
	if err != nil {
		return nil, err
	}
	if s := os.Getenv("TORCHGO_DIST_TIMEOUT"); s != "" {
		if o.Timeout, err = time.ParseDuration(s); err != nil {
			return nil, err
		}
	}
	return distributed.NewGroup(o)
}

func floats(t *torch.Tensor) []float32 { return torch.ToSlice[float32](t) }

// collectivesWorker runs each collective on rank-dependent tensors.
func collectivesWorker() (any, error) {
	g, err := join()
	if err != nil {
		return nil, err
	}
	defer g.Close()
	r := float32(g.Rank())
	res := map[string][]float32{}
	// The same order on every rank (a map's would differ).
	for _, c := range []struct {
		name string
		op   distributed.ReduceOp
	}{{"sum", distributed.Sum}, {"avg", distributed.Avg}, {"max", distributed.Max}, {"min", distributed.Min}, {"prod", distributed.Product}} {
		t := torch.FromSlice([]float32{r + 1, 2 * r, -r}, []int64{3})
		if err := g.AllReduce(t, c.op); err != nil {
			return nil, err
		}
		res[c.name] = floats(t)
	}
	b := torch.FromSlice([]float32{r, r}, []int64{2})
	if err := g.Broadcast(b, 1); err != nil {
		return nil, err
	}
	res["broadcast"] = floats(b)
	outs := []*torch.Tensor{torch.Zeros([]int64{2}), torch.Zeros([]int64{2})}
	if err := g.AllGather(outs, torch.FromSlice([]float32{r, 10 + r}, []int64{2})); err != nil {
		return nil, err
	}
	res["allgather"] = append(floats(outs[0]), floats(outs[1])...)
	rs := torch.Zeros([]int64{2})
	ins := []*torch.Tensor{torch.FromSlice([]float32{r, 1}, []int64{2}), torch.FromSlice([]float32{10 * r, 2}, []int64{2})}
	if err := g.ReduceScatter(rs, ins, distributed.Sum); err != nil {
		return nil, err
	}
	res["reduce_scatter"] = floats(rs)
	if err := g.AllGather(outs[:1], b); err == nil {
		return nil, fmt.Errorf("AllGather with 1 output for 2 ranks did not fail")
	}
	return res, g.Barrier()
}

type ddpResult struct {
	Losses  []float64         `json:"losses"`
	Weights map[string]string `json:"weights"`
}

// ddpWorker is scripts/ddp_reference.py in Go.
func ddpWorker() (any, error) {
	args := strings.Fields(os.Getenv("TORCHGO_DDP_ARGS"))
	samples, _ := strconv.Atoi(args[0])
	batch, _ := strconv.Atoi(args[1])
	epochs, _ := strconv.Atoi(args[2])
	lr, _ := strconv.ParseFloat(args[3], 64)
	g, err := join()
	if err != nil {
		return nil, err
	}
	defer g.Close()
	gen := torch.NewGenerator(0)
	x := torch.Randn([]int64{int64(samples), 1, 28, 28}, gen)
	y := torch.Randint(0, 10, []int64{int64(samples)}, gen)
	torch.ManualSeed(uint64(100 + g.Rank()))
	net := models.NewNet()
	ddp, err := distributed.NewDDP(g, net, distributed.DDPOptions{})
	if err != nil {
		return nil, err
	}
	defer ddp.Close()
	opt, err := optim.NewSGD(net.Parameters(), optim.SGDOptions{LR: lr})
	if err != nil {
		return nil, err
	}
	ds, err := data.NewTensorDataset(x, y)
	if err != nil {
		return nil, err
	}
	sampler, err := data.NewDistributedSampler(samples, g.Size(), g.Rank(), data.DistributedOptions{})
	if err != nil {
		return nil, err
	}
	loader, err := data.NewLoader(ds, data.BatchSize(batch), data.WithSampler(sampler))
	if err != nil {
		return nil, err
	}
	var res ddpResult
	for epoch := 0; epoch < epochs; epoch++ {
		sampler.SetEpoch(epoch)
		it := loader.Iter()
		for it.Next() {
			err = torch.Catch(func() error {
				torch.WithScope(func(*torch.Scope) {
					b := it.Batch()
					loss := F.CrossEntropy(net.Forward(b.Tensor(0)), b.Tensor(1))
					opt.ZeroGrad()
					loss.Backward()
					opt.Step()
					res.Losses = append(res.Losses, loss.Item())
				})
				return nil
			})
			if err != nil {
				it.Close()
				return nil, err
			}
			if os.Getenv("TORCHGO_DIE_AT") == strconv.Itoa(len(res.Losses)) && g.Rank() == 1 {
				os.Exit(3) // a rank dying mid-run
			}
			if err := partitionAt(g.Rank(), len(res.Losses)); err != nil { // netns_test.go
				it.Close()
				return nil, err
			}
		}
		if err := it.Err(); err != nil {
			return nil, err
		}
		it.Close()
	}
	res.Weights = map[string]string{}
	for _, n := range net.StateDict() {
		res.Weights[n.Name] = hex.EncodeToString(n.Tensor.Bytes())
	}
	return res, nil
}

func killWorker() (any, error) { return ddpWorker() }

// sigpipeIgnored reports whether the kernel ignores SIGPIPE for this
// process (the SigIgn mask of /proc/self/status), which covers every
// thread, Gloo's C++ ones included.
func sigpipeIgnored() (bool, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "SigIgn:"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return m&(1<<(syscall.SIGPIPE-1)) != 0, err
		}
	}
	return false, fmt.Errorf("no SigIgn in /proc/self/status")
}

// pauseWorker: both ranks run collectives on 4 MiB tensors (many socket
// writes each) in a loop, rank 1 having said "ready" on stdout; the test
// stops rank 1 (SIGSTOP) in the middle of one, so that rank 0's fails
// within the timeout and rank 0 exits, then resumes it (SIGCONT): rank 1's
// collective, and the next ones, towards the rank that left must fail with
// an error, not kill the process with SIGPIPE.
func pauseWorker() (any, error) {
	g, err := join()
	if err != nil {
		return nil, err
	}
	defer g.Close()
	if ign, err := sigpipeIgnored(); err != nil || !ign {
		return nil, fmt.Errorf("SIGPIPE not ignored after NewGroup (%v)", err)
	}
	t := torch.Ones([]int64{1 << 20})
	if g.Rank() == 1 {
		fmt.Println("ready")
	}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		if err = g.AllReduce(t, distributed.Sum); err != nil {
			break
		}
		if err = g.Broadcast(t, 0); err != nil {
			break
		}
	}
	if err == nil {
		return nil, fmt.Errorf("collectives went on for 15 s")
	}
	if g.Rank() == 0 {
		return nil, err
	}
	// Rank 1, resumed: a few more, each writing to the sockets of the rank
	// that left.
	for i := 0; i < 3; i++ {
		time.Sleep(50 * time.Millisecond)
		if err2 := g.AllReduce(t, distributed.Sum); err2 == nil {
			return nil, fmt.Errorf("all_reduce %d after %w succeeded", i, err)
		}
	}
	return nil, err
}

// freePort is a loopback port nobody listens on now.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type rankRun struct {
	out     []byte
	stderr  string
	err     error
	elapsed time.Duration
}

// launch runs cmd(rank) for each of n ranks with torchrun's variables and
// waits for all of them.
func launch(t *testing.T, n int, env []string, cmd func(rank int) *exec.Cmd) []rankRun {
	port := freePort(t)
	runs := make([]rankRun, n)
	var wg sync.WaitGroup
	for r := 0; r < n; r++ {
		c := cmd(r)
		c.Env = append(append(os.Environ(), env...), "MASTER_ADDR=127.0.0.1", "MASTER_PORT="+strconv.Itoa(port),
			"RANK="+strconv.Itoa(r), "WORLD_SIZE="+strconv.Itoa(n), "LOCAL_RANK="+strconv.Itoa(r))
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
	wg.Wait()
	return runs
}

func goRanks(t *testing.T, n int, scenario string, env ...string) []rankRun {
	return launch(t, n, append(env, "TORCHGO_DIST_WORKER="+scenario), func(int) *exec.Cmd {
		return exec.Command(os.Args[0], "-test.run=^$")
	})
}

func decode(t *testing.T, runs []rankRun, v func(r int) any) {
	for r, run := range runs {
		require.NoError(t, run.err, "rank %d: %s", r, run.stderr)
		require.NoError(t, json.Unmarshal(run.out, v(r)), "rank %d: %s", r, run.out)
	}
}

func TestCollectives(t *testing.T) {
	runs := goRanks(t, 2, "collectives", "TORCHGO_DIST_TIMEOUT=60s")
	res := make([]map[string][]float32, 2)
	decode(t, runs, func(r int) any { return &res[r] })
	want := map[string][]float32{
		"sum": {3, 2, -1}, "avg": {1.5, 1, -0.5}, "max": {2, 2, 0}, "min": {1, 0, -1}, "prod": {2, 0, 0},
		"broadcast": {1, 1}, "allgather": {0, 10, 1, 11},
	}
	for r := 0; r < 2; r++ {
		for k, v := range want {
			require.Equal(t, v, res[r][k], "rank %d %s", r, k)
		}
	}
	require.Equal(t, []float32{1, 2}, res[0]["reduce_scatter"], "rank 0: sum of ins[0] = (r, 1)")
	require.Equal(t, []float32{10, 4}, res[1]["reduce_scatter"], "rank 1: sum of ins[1] = (10r, 2)")
}

// Two Go ranks training the seed's Net with DDP end with identical
// weights, equal to those of PyTorch's DistributedDataParallel on gloo
// with the same seeds, data and sharding, bit for bit, and the same losses.
func TestDDPMatchesPyTorch(t *testing.T) {
	py := pyref.Python(t)
	const args = "96 16 2 0.1" // samples, batch, epochs, lr: 3 steps an epoch per rank
	goRuns := goRanks(t, 2, "ddp", "TORCHGO_DDP_ARGS="+args, "TORCHGO_DIST_TIMEOUT=120s")
	var gores, pyres [2]ddpResult
	decode(t, goRuns, func(r int) any { return &gores[r] })
	scripts, err := filepath.Abs("../../scripts")
	require.NoError(t, err)
	// Both sides inherit this environment: OpenBLAS's thread count
	// (OMP_NUM_THREADS) changes how gemm rounds, and so the weights.
	pyRuns := launch(t, 2, []string{"PYTHONPATH=" + scripts}, func(int) *exec.Cmd {
		return exec.Command(py, append([]string{filepath.Join(scripts, "ddp_reference.py")}, strings.Fields(args)...)...)
	})
	decode(t, pyRuns, func(r int) any { return &pyres[r] })

	require.Len(t, gores[0].Losses, 6)
	require.Equal(t, gores[0].Weights, gores[1].Weights, "replicas stay identical")
	for r := 0; r < 2; r++ {
		require.Equal(t, len(pyres[r].Losses), len(gores[r].Losses))
		require.Equal(t, pyres[r].Losses, gores[r].Losses, "rank %d losses", r)
		require.Equal(t, pyres[r].Weights, gores[r].Weights, "rank %d weights equal PyTorch's bit for bit", r)
	}
}

// A rank that dies mid-run makes the other fail with an error naming the
// collective within the timeout, instead of hanging.
func TestDeadRankFailsPeers(t *testing.T) {
	runs := goRanks(t, 2, "kill", "TORCHGO_DDP_ARGS=96 16 2 0.1", "TORCHGO_DIE_AT=2", "TORCHGO_DIST_TIMEOUT=10s")
	require.Error(t, runs[1].err, "rank 1 exits")
	require.Error(t, runs[0].err, "rank 0 must fail, not finish: %s", runs[0].out)
	require.Contains(t, runs[0].stderr, "DDP gradient all_reduce on rank 0 of 2 failed")
	require.Less(t, runs[0].elapsed, 60*time.Second)
}

// A rank stopped (SIGSTOP) amid collectives while its peer's time out, and
// resumed (SIGCONT) once the peer has exited, fails with an error that
// names the collective, instead of dying of SIGPIPE (exit 141, without a
// word) when Gloo's threads write to the closed sockets.
func TestPausedRankFailsAfterPeerLeft(t *testing.T) {
	for trial := 0; trial < 4; trial++ {
		start := time.Now()
		r0, r1 := pausedTrial(t)
		t.Logf("trial %d: %v; rank 0: %v; rank 1: %v: %s", trial, time.Since(start).Round(time.Millisecond),
			r0.err, r1.err, lastLine(r1.stderr))
		for r, run := range []rankRun{r0, r1} {
			var ee *exec.ExitError
			require.ErrorAs(t, run.err, &ee, "rank %d must fail: %s", r, run.stderr)
			ws := ee.Sys().(syscall.WaitStatus)
			require.False(t, ws.Signaled(), "trial %d: rank %d died of signal %v (exit %d), stderr %q",
				trial, r, ws.Signal(), 128+int(ws.Signal()), run.stderr)
			require.Equal(t, 1, ws.ExitStatus(), "rank %d: %s", r, run.stderr)
			require.Regexp(t, fmt.Sprintf(`worker: distributed: torch: \w+: (all_reduce|broadcast) on rank %d of 2 failed: .+`, r), run.stderr)
		}
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// pausedTrial runs the "pause" scenario once: it stops rank 1 amid its
// collectives, waits for rank 0 to exit, then resumes rank 1 and waits for
// it.
func pausedTrial(t *testing.T) (r0, r1 rankRun) {
	port := strconv.Itoa(freePort(t))
	cmds := make([]*exec.Cmd, 2)
	stdouts := make([]*bytes.Buffer, 2)
	stderrs := make([]*bytes.Buffer, 2)
	for r := range cmds {
		c := exec.Command(os.Args[0], "-test.run=^$")
		c.Env = append(os.Environ(), "TORCHGO_DIST_WORKER=pause", "TORCHGO_DIST_TIMEOUT=2s", "MASTER_ADDR=127.0.0.1",
			"MASTER_PORT="+port, "RANK="+strconv.Itoa(r), "WORLD_SIZE=2", "LOCAL_RANK="+strconv.Itoa(r))
		stdouts[r], stderrs[r] = &bytes.Buffer{}, &bytes.Buffer{}
		c.Stderr = stderrs[r]
		cmds[r] = c
	}
	cmds[0].Stdout = stdouts[0]
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	cmds[1].Stdout = pw
	for _, c := range cmds {
		require.NoError(t, c.Start())
	}
	pw.Close()
	// Bounded in time whatever happens: kill both after 20 s.
	watchdog := time.AfterFunc(20*time.Second, func() {
		for _, c := range cmds {
			_ = c.Process.Signal(syscall.SIGCONT)
			_ = c.Process.Kill()
		}
	})
	defer watchdog.Stop()
	ready, copied := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(copied)
		line, err := bufio.NewReader(pr).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("rank 1 said %q", line)
		}
		ready <- err
		_, _ = io.Copy(stdouts[1], pr)
	}()
	done := make([]chan rankRun, 2)
	for r, c := range cmds {
		done[r] = make(chan rankRun, 1)
		go func() {
			start := time.Now()
			err := c.Wait()
			done[r] <- rankRun{err: err, elapsed: time.Since(start)}
		}()
	}
	if err := <-ready; err != nil {
		// Rank 1 never got ready: report how both ended.
		r0, r1 = <-done[0], <-done[1]
		require.NoError(t, err, "rank 0: %v %s; rank 1: %v %s", r0.err, stderrs[0], r1.err, stderrs[1])
	}
	time.Sleep(300 * time.Millisecond) // into the loop of collectives
	require.NoError(t, syscall.Kill(cmds[1].Process.Pid, syscall.SIGSTOP))
	r0 = <-done[0]
	require.NoError(t, syscall.Kill(cmds[1].Process.Pid, syscall.SIGCONT))
	r1 = <-done[1]
	<-copied
	r0.stderr, r1.stderr = stderrs[0].String(), stderrs[1].String()
	r0.out, r1.out = stdouts[0].Bytes(), stdouts[1].Bytes()
	return r0, r1
}

func TestOptionsFromEnv(t *testing.T) {
	t.Setenv("RANK", "1")
	t.Setenv("WORLD_SIZE", "4")
	t.Setenv("MASTER_ADDR", "10.0.0.1")
	t.Setenv("MASTER_PORT", "1234")
	o, err := distributed.OptionsFromEnv()
	require.NoError(t, err)
	require.Equal(t, distributed.Options{Backend: "gloo", MasterAddr: "10.0.0.1", MasterPort: 1234, Rank: 1, WorldSize: 4, LocalRank: 1}, o)
	t.Setenv("RANK", "x")
	_, err = distributed.OptionsFromEnv()
	require.EqualError(t, err, `distributed: RANK="x" is not an integer`)
	os.Unsetenv("WORLD_SIZE")
	t.Setenv("RANK", "0")
	_, err = distributed.OptionsFromEnv()
	require.EqualError(t, err, "distributed: environment variable WORLD_SIZE expected, but not set")
	_, err = distributed.NewGroup(distributed.Options{Backend: "mpi"})
	require.EqualError(t, err, `distributed: unknown backend "mpi" (want gloo)`)
	_, err = distributed.NewGroup(distributed.Options{MasterAddr: "127.0.0.1", MasterPort: 1, Rank: 2, WorldSize: 2})
	require.ErrorContains(t, err, "rank 2 is not in a group of size 2")
}
