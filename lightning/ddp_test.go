package lightning

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/data"
	F "github.com/torchgo/torchgo/torch/nn/functional"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/vision/models"
)

// A DDP Fit re-runs this test binary for its other ranks (as it re-runs
// any program); TestMain sends those processes straight to the run, so
// that they neither run the other tests nor print go test's verdict.
func TestMain(m *testing.M) {
	if os.Getenv("TORCHGO_LIGHTNING_DDP_TEST") != "" && os.Getenv("RANK") != "" && os.Getenv("RANK") != "0" {
		if err := ddpFitRun(); err != nil {
			fmt.Fprintln(os.Stderr, "rank", os.Getenv("RANK")+":", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ddpNet is the seed's Net as a module logging its training loss and a
// validation loss synced over the ranks.
type ddpNet struct {
	*models.Net
	Base
	losses []float64
}

func (m *ddpNet) TrainingStep(batch any, _ int) *torch.Tensor {
	b := batch.(data.Batch)
	loss := F.CrossEntropy(m.Forward(b.Tensor(0)), b.Tensor(1))
	m.losses = append(m.losses, loss.Item())
	m.Log("loss", loss)
	return loss
}

func (m *ddpNet) ValidationStep(batch any, _ int) any {
	b := batch.(data.Batch)
	m.Log("val_loss", F.CrossEntropy(m.Forward(b.Tensor(0)), b.Tensor(1)), LogOptions{SyncDist: true})
	return nil
}

func (m *ddpNet) ConfigureOptimizers() (Optimization, error) {
	opt, err := optim.NewSGD(m.Parameters(), optim.SGDOptions{LR: 0.1})
	return Optimization{Optimizer: opt}, err
}

type ddpReport struct {
	Rank      int               `json:"rank"`
	Losses    []float64         `json:"losses"`
	Weights   map[string]string `json:"weights"`
	ValLoss   float64           `json:"val_loss"`
	LogsExist bool              `json:"logs_exist"`
	Steps     int               `json:"steps"`
}

// ddpFitRun is one rank of the test's Fit: the data, seeds and sharding of
// scripts/ddp_reference.py (96 samples, batch 16, 2 epochs, lr 0.1), each
// rank starting from other weights. It writes its report to
// $TORCHGO_LIGHTNING_DDP_TEST/rank<R>.json.
func ddpFitRun() error {
	rank, _ := strconv.Atoi(os.Getenv("RANK")) // "" before the launch: rank 0
	out := os.Getenv("TORCHGO_LIGHTNING_DDP_TEST")
	gen := torch.NewGenerator(0)
	x := torch.Randn([]int64{96, 1, 28, 28}, gen)
	y := torch.Randint(0, 10, []int64{96}, gen)
	ds, err := data.NewTensorDataset(x, y)
	if err != nil {
		return err
	}
	train, err := data.NewLoader(ds, data.BatchSize(16), data.Shuffle(true))
	if err != nil {
		return err
	}
	val, err := data.NewLoader(ds, data.BatchSize(16))
	if err != nil {
		return err
	}
	torch.ManualSeed(uint64(100 + rank))
	m := &ddpNet{Net: models.NewNet()}
	root := filepath.Join(out, "root"+strconv.Itoa(rank))
	var cbs []Callback
	if s := os.Getenv("TORCHGO_LIGHTNING_DDP_STOP"); s != "" && rank == 1 {
		at, _ := strconv.Atoi(s)
		cbs = append(cbs, &stopRequest{step: at}) // rank 1 alone wants to stop
	}
	tr, err := NewTrainer(Config{MaxEpochs: 2, Strategy: "ddp", Devices: 2, Accelerator: "cpu", DDPTimeout: time.Minute,
		DefaultRootDir: root, DisableSignalHandling: true, DisableProgressBar: true, NumSanityValSteps: Batches(0),
		Out: os.Stderr, Callbacks: cbs})
	if err != nil {
		return err
	}
	if err := tr.Fit(m, &Data{Train: FromDataLoader(train), Val: FromDataLoader(val)}, ""); err != nil {
		return err
	}
	rep := ddpReport{Rank: rank, Losses: m.losses, Weights: map[string]string{}, ValLoss: tr.CallbackMetrics()["val_loss"], Steps: tr.GlobalStep()}
	for _, n := range m.StateDict() {
		rep.Weights[n.Name] = hex.EncodeToString(n.Tensor.Bytes())
	}
	_, err = os.Stat(filepath.Join(root, "lightning_logs"))
	rep.LogsExist = err == nil
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, fmt.Sprintf("rank%d.json", rank)), b, 0o644)
}

// stopRequest asks the trainer to stop at a global step, as a Timer would.
type stopRequest struct {
	CallbackBase
	step int
}

func (s *stopRequest) OnTrainBatchEnd(t *Trainer, _ Module, _ *torch.Tensor, _ any, _ int) {
	if t.GlobalStep() == s.step {
		t.SetShouldStop(true)
	}
}

// When one rank decides to stop, all stop at the same step (no rank waits
// in a collective for the others).
func TestDDPStopIsAgreed(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TORCHGO_LIGHTNING_DDP_TEST", dir)
	t.Setenv("TORCHGO_LIGHTNING_DDP_STOP", "2")
	require.NoError(t, ddpFitRun())
	for r := 0; r < 2; r++ {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("rank%d.json", r)))
		require.NoError(t, err, "rank %d wrote no report", r)
		var rep ddpReport
		require.NoError(t, json.Unmarshal(b, &rep))
		require.Equal(t, 2, rep.Steps, "rank %d", r)
	}
}

// Fit with Strategy "ddp" and Devices 2 launches a second process, shards
// the data, averages gradients, and ends with both ranks holding the
// weights (bit for bit) of PyTorch's DistributedDataParallel run with the same seeds,
// data and sharding; only rank 0 logs; the synced validation loss is the
// mean over both shards.
func TestDDPFitMatchesPyTorch(t *testing.T) {
	py := pyref.Python(t)
	dir := t.TempDir()
	t.Setenv("TORCHGO_LIGHTNING_DDP_TEST", dir)
	for _, k := range []string{"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"} {
		if v, ok := os.LookupEnv(k); ok {
			t.Setenv(k, v) // restored after the test, which sets them
			os.Unsetenv(k)
		}
	}
	defer func() {
		for _, k := range []string{"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"} {
			os.Unsetenv(k)
		}
	}()
	require.NoError(t, ddpFitRun())
	var reps [2]ddpReport
	for r := range reps {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("rank%d.json", r)))
		require.NoError(t, err, "rank %d wrote no report", r)
		require.NoError(t, json.Unmarshal(b, &reps[r]))
	}
	require.Equal(t, reps[0].Weights, reps[1].Weights, "replicas stay identical")
	require.Equal(t, 6, reps[0].Steps, "48 samples a rank, batch 16, 2 epochs")
	require.True(t, reps[0].LogsExist, "rank 0 logs")
	require.False(t, reps[1].LogsExist, "rank 1 does not")
	require.Equal(t, reps[0].ValLoss, reps[1].ValLoss, "val_loss synced")

	// PyTorch DDP on gloo, same seeds and sharding.
	scripts, err := filepath.Abs("../scripts")
	require.NoError(t, err)
	var want [2]struct {
		Losses  []float64         `json:"losses"`
		Weights map[string]string `json:"weights"`
	}
	port, err := freePort()
	require.NoError(t, err)
	var cmds [2]*exec.Cmd
	var outs [2]strings.Builder
	for r := range cmds {
		c := exec.Command(py, filepath.Join(scripts, "ddp_reference.py"), "96", "16", "2", "0.1")
		// The same environment as the Go ranks: OpenBLAS's thread count
		// (OMP_NUM_THREADS) changes how gemm rounds.
		c.Env = append(os.Environ(), "PYTHONPATH="+scripts, "MASTER_ADDR=127.0.0.1",
			"MASTER_PORT="+strconv.Itoa(port), "RANK="+strconv.Itoa(r), "WORLD_SIZE=2")
		c.Stdout, c.Stderr = &outs[r], os.Stderr
		require.NoError(t, c.Start())
		cmds[r] = c
	}
	for r, c := range cmds {
		require.NoError(t, c.Wait(), "python rank %d", r)
		require.NoError(t, json.Unmarshal([]byte(outs[r].String()), &want[r]))
	}
	for r := range reps {
		require.Equal(t, want[r].Losses, reps[r].Losses, "rank %d losses", r)
		require.Equal(t, want[r].Weights, reps[r].Weights, "rank %d weights equal PyTorch's bit for bit", r)
	}
}
