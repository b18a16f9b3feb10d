package lightning

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/torch/optim"
)

// shuffleLoader shuffles n samples each pass, consuming the default
// generator as PyTorch 1.13's DataLoader with RandomSampler does: the
// iterator draws a base seed, the sampler draws its own and shuffles with
// randperm on a fresh generator seeded with it.
type shuffleLoader struct {
	x, y *torch.Tensor
	bs   int64
}

func (l *shuffleLoader) Len() int { n := l.x.Size(0); return int((n + l.bs - 1) / l.bs) }

func (l *shuffleLoader) Iter() BatchIterator {
	var perm *torch.Tensor
	torch.WithScope(func(s *torch.Scope) {
		torch.Empty(nil, torch.Int64).Random_(nil) // _BaseDataLoaderIter's base seed
		seed := torch.Empty(nil, torch.Int64).Random_(nil).ItemInt()
		perm = torch.Randperm(l.x.Size(0), torch.NewGenerator(uint64(seed)))
		s.Keep(perm)
	})
	return &shuffleIter{l: l, perm: perm}
}

type shuffleIter struct {
	l    *shuffleLoader
	perm *torch.Tensor
	at   int64
}

func (it *shuffleIter) Next() (any, bool, error) {
	n := it.l.x.Size(0)
	if it.at >= n {
		return nil, false, nil
	}
	end := min(it.at+it.l.bs, n)
	idx := it.perm.Narrow(0, it.at, end-it.at)
	it.at = end
	return []*torch.Tensor{it.l.x.IndexSelect(0, idx), it.l.y.IndexSelect(0, idx)}, true, nil
}

func (it *shuffleIter) Close() { it.perm.Close() }

// tiny is a classifier with dropout (so the generator matters during
// training), SGD with momentum and a StepLR.
type tiny struct {
	nn.Module
	Base
	Layer *nn.Linear
}

func newTiny() *tiny {
	m := &tiny{}
	m.Layer = nn.Add(m, "layer", nn.NewLinear(4, 3))
	return m
}

func (m *tiny) TrainingStep(batch any, i int) *torch.Tensor {
	b := batch.([]*torch.Tensor)
	x := torch.Dropout(b[0], 0.2, m.IsTraining())
	loss := torch.CrossEntropy(m.Layer.Forward(x), b[1], torch.CrossEntropyOptions{})
	m.Log("train_loss", loss, LogOptions{ProgBar: true})
	return loss
}

func (m *tiny) ValidationStep(batch any, i int) any {
	b := batch.([]*torch.Tensor)
	out := m.Layer.Forward(b[0])
	m.Log("val_loss", torch.CrossEntropy(out, b[1], torch.CrossEntropyOptions{}))
	m.Log("val_acc", out.ArgmaxDim(1, false).Eq(b[1]).To(torch.Float32).Mean())
	return nil
}

func (m *tiny) ConfigureOptimizers() (Optimization, error) {
	opt, err := optim.NewSGD(m.Parameters(), optim.SGDOptions{LR: 0.1, Momentum: 0.9})
	if err != nil {
		return Optimization{}, err
	}
	s, err := optim.NewStepLR(opt, 1, 0.7)
	return Optimization{Optimizer: opt, Schedulers: []Scheduler{{Scheduler: s}}}, err
}

func (m *tiny) HyperParameters() map[string]any { return map[string]any{"lr": 0.1, "hidden": 3} }

func tinyData() *Data {
	g := torch.NewGenerator(7)
	x := torch.Randn([]int64{30, 4}, g).Persist()
	y := torch.Randint(0, 3, []int64{30}, g).Persist()
	vx := torch.Randn([]int64{10, 4}, g).Persist()
	vy := torch.Randint(0, 3, []int64{10}, g).Persist()
	return &Data{Train: &shuffleLoader{x: x, y: y, bs: 8}, Val: NewSliceLoader([]*torch.Tensor{vx, vy})}
}

func weights(m Module) []float32 {
	var out []float32
	for _, p := range m.Parameters() {
		out = append(out, p.Float32s()...)
	}
	return out
}

func resumeConfig(t *testing.T, dir string, epochs int, cbs ...Callback) Config {
	cfg := quietConfig(t)
	cfg.DefaultRootDir, cfg.MaxEpochs, cfg.Deterministic, cfg.Callbacks = dir, epochs, true, cbs
	if len(cbs) == 0 {
		cfg.DisableCheckpointing = true
	}
	return cfg
}

// Training 2 epochs, saving, and resuming for 2 more gives the weights of
// 4 epochs straight, bit for bit; so does resuming from a checkpoint saved
// mid-epoch when a stop request interrupted training.
func TestExactResume(t *testing.T) {
	data := tinyData()
	torch.ManualSeed(0)
	straight := newTiny()
	tr := newTrainer(t, resumeConfig(t, t.TempDir(), 4))
	require.NoError(t, tr.Fit(straight, data, ""))
	require.Equal(t, 16, tr.GlobalStep())
	want := weights(straight)

	t.Run("epoch boundary", func(t *testing.T) {
		dir := t.TempDir()
		torch.ManualSeed(0)
		m := newTiny()
		tr := newTrainer(t, resumeConfig(t, dir, 2, NewModelCheckpoint(ModelCheckpointConfig{SaveLast: true})))
		require.NoError(t, tr.Fit(m, data, ""))
		last := tr.CheckpointCallback().LastModelPath()
		require.Equal(t, "last.ckpt", filepath.Base(last))

		torch.ManualSeed(123) // a different init and generator: all restored
		m2 := newTiny()
		tr2 := newTrainer(t, resumeConfig(t, dir, 4, NewModelCheckpoint(ModelCheckpointConfig{SaveLast: true})))
		require.NoError(t, tr2.Fit(m2, data, last))
		require.Equal(t, 16, tr2.GlobalStep())
		require.Equal(t, want, weights(m2))
	})

	t.Run("interrupted mid-epoch", func(t *testing.T) {
		dir := t.TempDir()
		torch.ManualSeed(0)
		m := newTiny()
		stop := make(chan struct{})
		cfg := resumeConfig(t, dir, 4, NewModelCheckpoint(ModelCheckpointConfig{}), &stopAt{step: 6, ch: stop})
		cfg.Stop = stop
		tr := newTrainer(t, cfg)
		err := tr.Fit(m, data, "")
		require.True(t, errors.Is(err, ErrInterrupted), "%v", err)
		require.True(t, tr.Interrupted())
		require.Equal(t, 6, tr.GlobalStep())
		last := tr.CheckpointCallback().LastModelPath()
		require.FileExists(t, last)

		torch.ManualSeed(5)
		m2 := newTiny()
		tr2 := newTrainer(t, resumeConfig(t, dir, 4))
		require.NoError(t, tr2.Fit(m2, data, last))
		require.Equal(t, want, weights(m2))
	})
}

// stopAt closes ch at a global step (as a SIGINT would arrive).
type stopAt struct {
	CallbackBase
	step int
	ch   chan struct{}
}

func (s *stopAt) OnTrainBatchEnd(t *Trainer, _ Module, _ *torch.Tensor, _ any, _ int) {
	if t.GlobalStep() == s.step {
		close(s.ch)
	}
}

// Python's torch.load (1.13, weights_only=False) reads a Go-written .ckpt
// with Lightning's keys, and its state_dict loads strictly into the same
// module written in Python.
func TestCheckpointLoadsInPython(t *testing.T) {
	pyref.Python(t)
	dir := t.TempDir()
	torch.ManualSeed(0)
	m := newTiny()
	tr := newTrainer(t, resumeConfig(t, dir, 2, NewModelCheckpoint(ModelCheckpointConfig{Monitor: "val_loss", SaveLast: true})))
	require.NoError(t, tr.Fit(m, tinyData(), ""))
	best := tr.CheckpointCallback().BestModelPath()
	var res struct {
		Keys      []string       `json:"keys"`
		Epoch     int            `json:"epoch"`
		Step      int            `json:"step"`
		Version   string         `json:"version"`
		Callbacks []string       `json:"callbacks"`
		Load      string         `json:"load"`
		Hparams   map[string]any `json:"hparams"`
		Weight    pyref.Tensor   `json:"weight"`
	}
	pyref.Run(t, `
import torch.nn as nn
ck = torch.load(IN["path"], weights_only=False)
class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 3)
m = Tiny()
r = m.load_state_dict(ck["state_dict"], strict=True)
out({"keys": list(ck.keys()), "epoch": ck["epoch"], "step": ck["global_step"],
     "version": ck["pytorch-lightning_version"], "callbacks": list(ck["callbacks"].keys()),
     "load": str(r), "hparams": ck["hyper_parameters"], "weight": enc(m.layer.weight)})
`, map[string]string{"path": best}, &res)
	require.Equal(t, []string{"epoch", "global_step", "pytorch-lightning_version", "state_dict", "loops",
		"callbacks", "optimizer_states", "lr_schedulers", "hparams_name", "hyper_parameters"}, res.Keys)
	require.Equal(t, Version, res.Version)
	require.Contains(t, res.Callbacks, "ModelCheckpoint{'monitor': 'val_loss', 'mode': 'min', 'every_n_train_steps': 0, 'every_n_epochs': 1, 'train_time_interval': None}")
	require.Equal(t, "<All keys matched successfully>", res.Load)
	require.Equal(t, map[string]any{"hidden": float64(3), "lr": 0.1}, res.Hparams)
	require.Equal(t, "float32", res.Weight.DType)
}
