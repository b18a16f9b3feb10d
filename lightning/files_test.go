package lightning

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// TestHelperKilledWriter is run by TestStaleTempFilesRemoved in a child
// process: it starts saving a file and sleeps inside the save, to be
// killed there.
func TestHelperKilledWriter(t *testing.T) {
	path := os.Getenv("LIGHTNING_KILLED_WRITER")
	if path == "" {
		t.Skip("runs only as TestStaleTempFilesRemoved's child process, which sets LIGHTNING_KILLED_WRITER")
	}
	_ = writeFileAtomic(path, true, func(w io.Writer) error {
		_, _ = w.Write(make([]byte, 2<<20))
		time.Sleep(time.Minute)
		return nil
	})
}

// A process killed while saving a checkpoint leaves its temporary file;
// ModelCheckpoint's setup and the next save into that directory remove
// such files once their writer is gone, and nothing else: not other
// names, not pt.Save's temporary files (no PID), not those of this process
// or of a live one, not directories or links.
func TestStaleTempFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKilledWriter$")
	cmd.Env = append(os.Environ(), "LIGHTNING_KILLED_WRITER="+filepath.Join(dir, "epoch=0-step=1.ckpt"))
	require.NoError(t, cmd.Start())
	var left string
	for deadline := time.Now().Add(time.Minute); left == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		m, _ := filepath.Glob(filepath.Join(dir, ".epoch=0-step=1.ckpt.tmp-pid*"))
		if len(m) == 1 {
			left = m[0]
		}
	}
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	require.NotEmpty(t, left, "the child never started saving")
	require.FileExists(t, left, "a kill during a save leaves the temporary file")
	dead := cmd.Process.Pid

	live := exec.Command("sleep", "60")
	require.NoError(t, live.Start())
	defer func() { _ = live.Process.Kill(); _ = live.Wait() }()

	stale := func(name string, pid int) string { return fmt.Sprintf(".%s.tmp-pid%d-0123abcd", name, pid) }
	write := func(name string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644))
	}
	removed := []string{filepath.Base(left), stale("b.ckpt", dead), stale("metrics.csv", dead)}
	kept := []string{
		stale("c.ckpt", live.Process.Pid), stale("d.ckpt", os.Getpid()),
		".e.ckpt.tmp-123456789",                             // pt.Save's name: no PID
		fmt.Sprintf(".f.ckpt.tmp-pid%d-xyz", dead),          // not the pattern
		fmt.Sprintf(".g.ckpt.tmp-pid%d-0123abcd", 99999999), // no process ID
		"notes.txt", "epoch=0-step=1.ckpt.tmp-pid1-0123abcd",
	}
	for _, n := range removed[1:] {
		write(n)
	}
	for _, n := range kept {
		write(n)
	}
	dirName := stale("h.ckpt", dead)
	require.NoError(t, os.Mkdir(filepath.Join(dir, dirName), 0o755))
	link := stale("i.ckpt", dead)
	require.NoError(t, os.Symlink("notes.txt", filepath.Join(dir, link)))
	kept = append(kept, dirName, link)

	ls := func() []string {
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		var out []string
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), ".ckpt") || strings.HasPrefix(e.Name(), ".") {
				out = append(out, e.Name())
			}
		}
		sort.Strings(out)
		return out
	}
	sorted := func(s []string) []string { s = append([]string(nil), s...); sort.Strings(s); return s }

	// ModelCheckpoint's setup (and its saves) in that directory.
	cfg := quietConfig(t)
	cfg.MaxEpochs, cfg.LimitTrainBatches, cfg.LimitValBatches = 1, Batches(2), Batches(0)
	cfg.Callbacks = []Callback{NewModelCheckpoint(ModelCheckpointConfig{Dirpath: dir})}
	tr := newTrainer(t, cfg)
	require.NoError(t, tr.Fit(newBoring(), randomData(0), ""))
	require.Equal(t, sorted(kept), ls())

	// The next save into the directory.
	again := stale("j.ckpt", dead)
	write(again)
	require.NoError(t, tr.SaveCheckpoint(filepath.Join(dir, "manual.ckpt"), false))
	require.NoFileExists(t, filepath.Join(dir, again))
	require.Equal(t, sorted(kept), ls())
}

// umask sets the process's umask for the test.
func umask(t *testing.T, m int) {
	old := syscall.Umask(m)
	t.Cleanup(func() { syscall.Umask(old) })
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	require.NoError(t, err)
	return info.Mode().Perm()
}

// hpBoring is the boring model with the seed's save_hyperparameters("lr").
type hpBoring struct{ boring }

func (m *hpBoring) HyperParameters() map[string]any { return map[string]any{"lr": 0.01} }

// A run's files are created as Python creates them, mode 0666 less the
// umask (they were 0600, unreadable by others); hparams.yaml exists only
// for a module with hyper-parameters (Lightning writes none otherwise),
// and holds, with the checkpoint's hyper_parameters, what Lightning wrote
// for the seed's lr.
func TestRunFilesLikeLightning(t *testing.T) {
	shared := sharedDir(t)
	umask(t, 0o027)
	run := func(m Module) (logDir, ckpt string) {
		cfg := quietConfig(t)
		cfg.MaxEpochs, cfg.LimitTrainBatches, cfg.LimitValBatches = 1, Batches(2), Batches(2)
		tr := newTrainer(t, cfg)
		require.NoError(t, tr.Fit(m, randomData(0), ""))
		return tr.LogDir(), tr.CheckpointCallback().BestModelPath()
	}

	logDir, ckpt := run(newBoring())
	require.NoFileExists(t, filepath.Join(logDir, "hparams.yaml"))
	require.Equal(t, os.FileMode(0o640), mode(t, filepath.Join(logDir, "metrics.csv")))
	require.Equal(t, os.FileMode(0o640), mode(t, ckpt))

	logDir, ckpt = run(&hpBoring{boring: *newBoring()})
	want, err := os.ReadFile(filepath.Join(shared, "seed_1epoch_hparams.yaml"))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(logDir, "hparams.yaml"))
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
	require.Equal(t, os.FileMode(0o640), mode(t, filepath.Join(logDir, "hparams.yaml")))
	wck, gck := loadDict(t, filepath.Join(shared, "seed_1epoch_hparams.ckpt")), loadDict(t, ckpt)
	for _, k := range []string{"hparams_name", "hyper_parameters"} {
		w, _ := wck.Get(k)
		g, _ := gck.Get(k)
		require.Empty(t, layoutCheck{}.diff(k, w, g))
	}
	hp, _ := get[*pt.OrderedDict](gck, "hyper_parameters")
	lr, _ := get[float64](hp, "lr")
	whp, _ := get[*pt.OrderedDict](wck, "hyper_parameters")
	wlr, _ := get[float64](whp, "lr")
	require.Equal(t, wlr, lr)
}

// seedLike logs what the seed's module logs (lit_seed.py), all on the
// progress bar: "loss" in training, val_loss and val_acc in validation,
// test_loss and test_acc in tests.
type seedLike struct{ boring }

func (m *seedLike) TrainingStep(b any, i int) *torch.Tensor {
	loss := m.step(b)
	m.Log("loss", loss, LogOptions{ProgBar: true})
	return loss
}

func (m *seedLike) eval(prefix string, b any) {
	loss := m.step(b)
	m.Log(prefix+"_loss", loss, LogOptions{ProgBar: true})
	m.Log(prefix+"_acc", loss.LtScalar(0.5).To(torch.Float32).Mean(), LogOptions{ProgBar: true})
}

func (m *seedLike) ValidationStep(b any, i int) any { m.eval("val", b); return nil }
func (m *seedLike) TestStep(b any, i int) any       { m.eval("test", b); return nil }

// seedResult is seed_1epoch_result.json.
type seedResult struct {
	Steps                 [][4]float64         `json:"steps"`
	CallbackMetrics       map[string]float64   `json:"callback_metrics_after_fit"`
	LoggedMetrics         map[string]float64   `json:"logged_metrics_after_fit"`
	ProgressBarMetrics    map[string]float64   `json:"progress_bar_metrics_after_fit"`
	GlobalStep            int                  `json:"global_step"`
	CurrentEpoch          int                  `json:"current_epoch"`
	TestReturn            []map[string]float64 `json:"test_return"`
	CallbackMetricsTest   map[string]float64   `json:"callback_metrics_after_test"`
	LoggedMetricsTest     map[string]float64   `json:"logged_metrics_after_test"`
	BestModelPath         string               `json:"best_model_path"`
	ValidationEpochResult []map[string]float64 `json:"val"`
}

func readSeedResult(t *testing.T) seedResult {
	b, err := os.ReadFile(filepath.Join(sharedDir(t), "seed_1epoch_result.json"))
	require.NoError(t, err)
	var r seedResult
	require.NoError(t, json.Unmarshal(b, &r))
	return r
}

// readCSV reads a metrics.csv, requiring CRLF line ends.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.HasSuffix(b, []byte("\r\n")), path)
	require.Equal(t, bytes.Count(b, []byte("\n")), bytes.Count(b, []byte("\r\n")), "%s: every line ends with CRLF", path)
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	require.NoError(t, err)
	return rows
}

// sameCSV compares a metrics.csv with Lightning's: header, rows, and in
// each row the epoch and step and which cells are empty; values within
// tol (0: not compared).
func sameCSV(t *testing.T, want, got [][]string, tol float64) {
	t.Helper()
	require.Equal(t, want[0], got[0], "header")
	require.Len(t, got, len(want))
	for i := 1; i < len(want); i++ {
		for j, col := range want[0] {
			w, g := want[i][j], got[i][j]
			if col == "epoch" || col == "step" || w == "" || g == "" {
				require.Equal(t, w, g, "row %d, %s", i, col)
				continue
			}
			if tol > 0 {
				var wf, gf float64
				_, err := fmt.Sscan(w, &wf)
				require.NoError(t, err)
				_, err = fmt.Sscan(g, &gf)
				require.NoError(t, err)
				require.InDelta(t, wf, gf, tol, "row %d, %s", i, col)
			}
		}
	}
}

func keysOf(m map[string]float64) []string { return sortedKeys(m) }

// A run of the seed's shape (188 training batches, 47 validation ones,
// the seed's logged names) writes metrics.csv as Lightning did for the
// seed (seed_1epoch_metrics.csv: the same header, rows at the same steps
// and epochs with the same empty cells, CRLF lines), and leaves the
// trainer's metrics as Lightning's (seed_1epoch_result.json): logged
// "loss" is the last batch's, as callback_metrics', because Lightning
// updates logged_metrics every batch; every value is a float32's.
func TestRunLogsLikeLightning(t *testing.T) {
	want := readSeedResult(t)
	wantCSV := readCSV(t, filepath.Join(sharedDir(t), "seed_1epoch_metrics.csv"))
	cfg := quietConfig(t)
	cfg.MaxEpochs = 1
	tr := newTrainer(t, cfg)
	m := &seedLike{boring: *newBoring()}
	m.noSched = true
	data := &Data{Train: randomBatches(188*2, 2, 1), Val: randomBatches(47*2, 2, 2), Test: randomBatches(40*2, 2, 3)}
	require.NoError(t, tr.Fit(m, data, ""))
	require.Equal(t, want.GlobalStep, tr.GlobalStep())
	require.Equal(t, want.CurrentEpoch, tr.CurrentEpoch())
	cm, lm, pm := tr.CallbackMetrics(), tr.LoggedMetrics(), tr.ProgressBarMetrics()
	require.Equal(t, keysOf(want.CallbackMetrics), keysOf(cm))
	require.Equal(t, keysOf(want.LoggedMetrics), keysOf(lm))
	require.Equal(t, keysOf(want.ProgressBarMetrics), keysOf(pm))
	require.Equal(t, want.LoggedMetrics["loss"], want.CallbackMetrics["loss"], "the recording: logged loss is the last step's")
	require.Equal(t, cm["loss"], lm["loss"])
	for _, ms := range []map[string]float64{cm, lm, pm} {
		for k, v := range ms {
			require.Equal(t, float64(float32(v)), v, "%s is a float32's", k)
		}
	}
	res, err := tr.Test(m, data, "")
	require.NoError(t, err)
	require.Equal(t, keysOf(want.TestReturn[0]), keysOf(res))
	require.Equal(t, keysOf(want.CallbackMetricsTest), keysOf(tr.CallbackMetrics()))
	require.Equal(t, keysOf(want.LoggedMetricsTest), keysOf(tr.LoggedMetrics()))
	sameCSV(t, wantCSV, readCSV(t, filepath.Join(tr.LogDir(), "metrics.csv")), 0)
}

// loggedMeans logs given values with given batch sizes in validation.
type loggedMeans struct {
	boring
	vals  []float32
	sizes []int
}

func (m *loggedMeans) ValidationStep(b any, i int) any {
	m.Log("v", torch.FromSlice([]float32{m.vals[i]}, nil), LogOptions{BatchSize: m.sizes[i]})
	m.Log("f", float64(m.vals[i])*1.1, LogOptions{BatchSize: m.sizes[i]}) // a Python float: a float32 tensor
	m.Log("s", m.vals[i], LogOptions{Reduce: "sum"})
	return nil
}

// Epoch means are computed as Lightning's _ResultMetric computes them, in
// float32: value*batch_size summed into a float32 tensor, divided by the
// summed batch sizes; Go's results equal torch's bit for bit (they were
// float64 means: test_loss 2.0881371509552 for Lightning's 2.08813738822937).
func TestEpochMeansAreLightningsFloat32(t *testing.T) {
	g := torch.NewGenerator(3)
	n := 40
	vals := torch.Rand([]int64{int64(n)}, g).MulScalar(3).Float32s()
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = 1 + (i*37)%256
	}
	var want map[string]float64
	pyref.Run(t, `
def mean(xs, sizes):
    v, c = torch.tensor(0.0), torch.tensor(0)
    for x, bs in zip(xs, sizes):
        x = torch.tensor(x, dtype=torch.get_default_dtype())
        v = v + x.to(v.dtype).mean() * bs
        c = c + bs
    return (v / c).item()
vals = [torch.tensor(x, dtype=torch.float32).item() for x in IN["vals"]]
s = torch.tensor(0.0)
for x in vals:
    s = s + torch.tensor(x).mean()
out({"v": mean(vals, IN["sizes"]), "f": mean([x * 1.1 for x in vals], IN["sizes"]), "s": s.item()})
`, map[string]any{"vals": vals, "sizes": sizes}, &want)
	cfg := quietConfig(t)
	tr := newTrainer(t, cfg)
	res, err := tr.Validate(&loggedMeans{boring: *newBoring(), vals: vals, sizes: sizes}, &Data{Val: randomBatches(2*n, 2, 1)}, "")
	require.NoError(t, err)
	for k, w := range want {
		require.Equal(t, w, res[k], k)
		require.False(t, math.IsNaN(res[k]))
	}
}
