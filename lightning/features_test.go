package lightning

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/internal/torchtest"
	"github.com/torchgo/torchgo/torch"
)

// counting counts the training and validation batches each epoch sees.
type counting struct {
	boring
	train, val []int // per epoch
}

func (m *counting) TrainingStep(b any, i int) *torch.Tensor {
	for len(m.train) <= m.CurrentEpoch() {
		m.train = append(m.train, 0)
	}
	m.train[m.CurrentEpoch()]++
	return m.step(b)
}

func (m *counting) ValidationStep(b any, i int) any {
	m.val = append(m.val, i)
	loss := m.step(b)
	m.Log("val_loss", loss)
	return loss
}

func TestFastDevRun(t *testing.T) {
	cfg := quietConfig(t)
	cfg.FastDevRun = 3
	cfg.MaxEpochs = 5
	tr := newTrainer(t, cfg)
	m := &counting{boring: *newBoring()}
	require.NoError(t, tr.Fit(m, randomData(0), ""))
	require.Equal(t, []int{3}, m.train, "one epoch of 3 batches")
	require.Equal(t, []int{0, 1, 2}, m.val, "3 validation batches, no sanity check")
	require.Equal(t, 3, tr.GlobalStep())
	require.Nil(t, tr.Logger(), "fast_dev_run turns the logger off")
	require.Nil(t, tr.CheckpointCallback())
}

func TestOverfitBatches(t *testing.T) {
	cfg := quietConfig(t)
	cfg.OverfitBatches = Batches(4)
	cfg.MaxEpochs = 2
	tr := newTrainer(t, cfg)
	m := &counting{boring: *newBoring()}
	require.NoError(t, tr.Fit(m, randomData(0), ""))
	require.Equal(t, []int{4, 4}, m.train)
	// No sanity check; validation on the first 4 batches after each epoch.
	require.Equal(t, []int{0, 1, 2, 3, 0, 1, 2, 3}, m.val)
}

func TestValCheckInterval(t *testing.T) {
	for _, tc := range []struct {
		every Limit
		runs  int // validation runs in 2 epochs of 32 batches
	}{{Batches(8), 8}, {Fraction(0.5), 4}, {Limit{}, 2}} {
		cfg := quietConfig(t)
		cfg.MaxEpochs = 2
		cfg.NumSanityValSteps = Batches(0)
		cfg.LimitValBatches = Batches(1)
		cfg.ValCheckInterval = tc.every
		tr := newTrainer(t, cfg)
		m := &counting{boring: *newBoring()}
		require.NoError(t, tr.Fit(m, randomData(0), ""))
		require.Len(t, m.val, tc.runs, "val_check_interval=%v", tc.every)
	}
}

// Gradient accumulation and clipping give the weights of Python's loop
// doing what Lightning does: each loss divided by the accumulation count,
// the 2-norm of the gradients clipped before each step, and a step after
// the epoch's last batch even when the count is not reached.
func TestAccumulateAndClipMatchPython(t *testing.T) {
	pyref.Python(t)
	for _, algo := range []string{"norm", "value"} {
		t.Run(algo, func(t *testing.T) {
			torch.ManualSeed(0)
			m := newBoring()
			m.noSched = true
			init := map[string]pyref.Tensor{"w": encT(m.Layer.Weight), "b": encT(m.Layer.Bias)}
			data := randomBatches(14, 2, 3) // 7 batches: steps after 3, 6 and 7
			var xs []pyref.Tensor
			for _, b := range data.Batches {
				xs = append(xs, encT(b.([]*torch.Tensor)[0]))
			}
			cfg := quietConfig(t)
			cfg.MaxEpochs, cfg.AccumulateGradBatches = 2, 3
			cfg.GradientClipVal, cfg.GradientClipAlgorithm = 0.05, algo
			cfg.DisableCheckpointing = true
			tr := newTrainer(t, cfg)
			require.NoError(t, tr.Fit(m, &Data{Train: data}, ""))
			require.Equal(t, 6, tr.GlobalStep())

			var want struct{ W, B pyref.Tensor }
			pyref.Run(t, boringPy+`
xs = [dec(x) for x in IN["xs"]]
for epoch in range(2):
    for i, x in enumerate(xs):
        y = lin(x)
        loss = torch.nn.functional.mse_loss(y, torch.ones_like(y)) / 3
        loss.backward()
        if (i + 1) % 3 == 0 or i == len(xs) - 1:
            if IN["algo"] == "norm":
                torch.nn.utils.clip_grad_norm_(lin.parameters(), 0.05)
            else:
                torch.nn.utils.clip_grad_value_(lin.parameters(), 0.05)
            opt.step()
            opt.zero_grad()
out({"W": enc(lin.weight), "B": enc(lin.bias)})
`, map[string]any{"init": init, "xs": xs, "algo": algo}, &want)
			require.Equal(t, want.W, encT(m.Layer.Weight))
			require.Equal(t, want.B, encT(m.Layer.Bias))
		})
	}
}

// boringPy is Python's boring model, as a Linear lin with the weights
// IN["init"] and SGD(lr=0.1) as opt.
const boringPy = `
lin = torch.nn.Linear(32, 2)
with torch.no_grad():
    lin.weight.copy_(dec(IN["init"]["w"])); lin.bias.copy_(dec(IN["init"]["b"]))
opt = torch.optim.SGD(lin.parameters(), lr=0.1)`

// readMetrics reads version_0's metrics.csv as rows keyed by column.
func readMetrics(t *testing.T, root string) []map[string]string {
	f, err := os.Open(filepath.Join(root, "lightning_logs", "version_0", "metrics.csv"))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	var rows []map[string]string
	for _, r := range recs[1:] {
		row := map[string]string{}
		for i, k := range recs[0] {
			row[k] = r[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// LearningRateMonitor logs the learning rate under lr-SGD at each epoch's
// start; StepLR(1, 0.1) divides it by ten per epoch.
func TestLearningRateMonitor(t *testing.T) {
	cfg := quietConfig(t)
	cfg.MaxEpochs = 3
	cfg.Callbacks = []Callback{&LearningRateMonitor{LoggingInterval: "epoch"}}
	tr := newTrainer(t, cfg)
	require.NoError(t, tr.Fit(newBoring(), randomData(0), ""))
	rows := readMetrics(t, cfg.DefaultRootDir)
	var lrs []string
	for _, r := range rows {
		if r["lr-SGD"] != "" {
			lrs = append(lrs, r["lr-SGD"]+"@"+r["step"])
		}
	}
	// Logged at steps 0, 32 and 64 (each epoch is 32 batches).
	require.Equal(t, []string{"0.1@0", "0.010000000000000002@32", "0.0010000000000000002@64"}, lrs)
}

// Timer stops training once its duration has passed and measures stages.
func TestTimer(t *testing.T) {
	cfg := quietConfig(t)
	cfg.MaxEpochs = 1000
	slow := &sleepy{boring: *newBoring(), d: 2 * time.Millisecond}
	tm := &Timer{Duration: 150 * time.Millisecond, Interval: "step"}
	cfg.Callbacks = []Callback{tm}
	tr := newTrainer(t, cfg)
	require.NoError(t, tr.Fit(slow, randomData(0), ""))
	el := tm.TimeElapsed("train")
	require.GreaterOrEqual(t, el, 150*time.Millisecond)
	require.Less(t, tr.CurrentEpoch(), 100, "stopped by the timer, not max_epochs")
	require.Greater(t, tm.TimeElapsed("validate"), time.Duration(0))
	require.LessOrEqual(t, tm.TimeRemaining(), time.Duration(0))
}

type sleepy struct {
	boring
	d time.Duration
}

func (m *sleepy) TrainingStep(b any, i int) *torch.Tensor {
	time.Sleep(m.d)
	return m.step(b)
}

// A real SIGINT stops Fit after the current step and saves last.ckpt.
func TestSIGINTStopsAndSaves(t *testing.T) {
	cfg := quietConfig(t)
	cfg.DisableSignalHandling = false
	cfg.MaxEpochs = 1000
	cfg.Callbacks = []Callback{&signalAt{step: 5}}
	tr := newTrainer(t, cfg)
	err := tr.Fit(newBoring(), randomData(0), "")
	require.True(t, errors.Is(err, ErrInterrupted), "%v", err)
	require.True(t, tr.Interrupted())
	require.Less(t, tr.GlobalStep(), 1000, "stopped soon after the signal")
	require.FileExists(t, tr.CheckpointCallback().LastModelPath())
}

type signalAt struct {
	CallbackBase
	step int
}

func (s *signalAt) OnTrainBatchEnd(t *Trainer, _ Module, _ *torch.Tensor, _ any, _ int) {
	if t.GlobalStep() == s.step {
		_ = syscall.Kill(syscall.Getpid(), syscall.SIGINT)
	}
}

// Without a terminal the bar prints one tqdm-style line per epoch.
func TestProgressBarPlain(t *testing.T) {
	var out bytes.Buffer
	cfg := quietConfig(t)
	cfg.Out, cfg.DisableProgressBar, cfg.MaxEpochs = &out, false, 2
	tr := newTrainer(t, cfg)
	m := &logging{boring: *newBoring()}
	require.NoError(t, tr.Fit(m, randomData(0), ""))
	var lines []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "Epoch ") {
			lines = append(lines, l)
		}
	}
	re := regexp.MustCompile(`^Epoch [01]: 100%\|██████████\| 32/32 \[\d\d:\d\d<00:00, [0-9.]+it/s, v_num=0, acc_epoch=15\.5, acc_step=31\]$`)
	require.Len(t, lines, 2, out.String())
	for _, l := range lines {
		require.Regexp(t, re, l)
	}
	require.NotContains(t, out.String(), "\r")
}

// On a terminal (forced here) the bar redraws in place through
// cheggaaa/pb and ends each epoch's line with the final counts.
func TestProgressBarLive(t *testing.T) {
	var out bytes.Buffer
	cfg := quietConfig(t)
	cfg.Out, cfg.MaxEpochs = &out, 2
	cfg.Callbacks = []Callback{&ProgressBar{Live: 1, RedrawEvery: time.Millisecond}}
	tr := newTrainer(t, cfg)
	m := &sleepy{boring: *newBoring(), d: 200 * time.Microsecond}
	require.NoError(t, tr.Fit(m, randomData(0), ""))
	s := out.String()
	require.Greater(t, strings.Count(s, "\rEpoch 0: "), 2, "redrawn during the epoch: %q", s)
	final := regexp.MustCompile(`\rEpoch 1: 100%\|█+\| 32/32 \[\d\d:\d\d<00:00, [0-9.]+it/s, v_num=0\] *\n`)
	require.Regexp(t, final, s)
	require.Regexp(t, regexp.MustCompile(`\rEpoch 0:  *\d+%\|█* *\| \d+/32 \[`), s)
}

// Precision "bf16-mixed" runs the steps under CPU autocast: the weights
// after two epochs equal those of Python's loop with
// torch.autocast("cpu", dtype=torch.bfloat16) around the forward, and stay
// float32, as does the checkpoint.
func TestBF16MixedMatchesPython(t *testing.T) {
	pyref.Python(t)
	torch.ManualSeed(0)
	m := newBoring()
	m.noSched = true
	init := map[string]pyref.Tensor{"w": encT(m.Layer.Weight), "b": encT(m.Layer.Bias)}
	data := randomBatches(12, 4, 9)
	var xs []pyref.Tensor
	for _, b := range data.Batches {
		xs = append(xs, encT(b.([]*torch.Tensor)[0]))
	}
	cfg := quietConfig(t)
	cfg.MaxEpochs, cfg.Precision, cfg.Accelerator = 2, "bf16-mixed", "cpu"
	tr := newTrainer(t, cfg)
	require.NoError(t, tr.Fit(m, &Data{Train: data}, ""))
	require.Equal(t, torch.Float32, m.Layer.Weight.DType())

	var want struct{ W, B pyref.Tensor }
	pyref.Run(t, boringPy+`
for epoch in range(2):
    for x in IN["xs"]:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            y = lin(dec(x))
            loss = torch.nn.functional.mse_loss(y, torch.ones_like(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
out({"W": enc(lin.weight), "B": enc(lin.bias)})
`, map[string]any{"init": init, "xs": xs}, &want)
	require.Equal(t, want.W, encT(m.Layer.Weight))
	require.Equal(t, want.B, encT(m.Layer.Bias))

	_, err := NewTrainer(Config{Precision: "16-mixed", Accelerator: "cpu"})
	require.EqualError(t, err, "lightning: `Trainer(accelerator='cpu', precision='16-mixed')` is not supported. Use `precision='bf16-mixed'` instead.")
}

var encT = torchtest.Enc
