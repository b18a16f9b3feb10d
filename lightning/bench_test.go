package lightning

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/vision/models"
)

// mlp is the benchmarks' model: 256 -> 256 -> 10 on batches of 64.
// mlp is the seed's network (vision/models.Net) as a Module: the model the
// overhead target is stated for.
type mlp struct {
	*models.Net
	Base
	log bool
}

func newMLP() *mlp { return &mlp{Net: models.NewNet()} }

func (m *mlp) loss(b []*torch.Tensor) *torch.Tensor {
	return torch.CrossEntropy(m.Forward(b[0]), b[1], torch.CrossEntropyOptions{})
}

func (m *mlp) TrainingStep(batch any, i int) *torch.Tensor {
	l := m.loss(batch.([]*torch.Tensor))
	if m.log {
		m.Log("loss", l)
	}
	return l
}

func (m *mlp) ConfigureOptimizers() (Optimization, error) {
	opt, err := optim.NewSGD(m.Parameters(), optim.SGDOptions{LR: 0.01})
	return Optimization{Optimizer: opt}, err
}

// mlpData is n MNIST-shaped batches of the seed's size (256).
func mlpData(n int) *SliceLoader {
	g := torch.NewGenerator(0)
	var bs []any
	for i := 0; i < n; i++ {
		bs = append(bs, []*torch.Tensor{torch.Rand([]int64{256, 1, 28, 28}, g).Persist(), torch.Randint(0, 10, []int64{256}, g).Persist()})
	}
	return NewSliceLoader(bs...)
}

func barebones(steps int) Config {
	return Config{Barebones: true, MaxSteps: steps, MaxEpochs: -1, Out: io.Discard, DisableSignalHandling: true}
}

// BenchmarkTrainerStep is one training step run by the Trainer.
func BenchmarkTrainerStep(b *testing.B) {
	data := mlpData(20)
	torch.ManualSeed(0)
	m := newMLP()
	tr, err := NewTrainer(barebones(b.N))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if err := tr.Fit(m, &Data{Train: data}, ""); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkHandLoop is the same step written by hand.
func BenchmarkHandLoop(b *testing.B) {
	data := mlpData(20)
	torch.ManualSeed(0)
	m := newMLP()
	opt, err := optim.NewSGD(m.Parameters(), optim.SGDOptions{LR: 0.01})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		torch.WithScope(func(*torch.Scope) {
			loss := m.loss(data.Batches[i%len(data.Batches)].([]*torch.Tensor))
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
		})
	}
}

// A run frees every tensor it creates: the live count returns to its
// baseline (parameters and optimizer state aside, made before and kept).
func TestNoTensorLeak(t *testing.T) {
	data := mlpData(4)
	torch.ManualSeed(0)
	m := newMLP()
	m.log = true
	cfg := quietConfig(t)
	cfg.MaxEpochs = 2
	tr := newTrainer(t, cfg)
	require.NoError(t, tr.Fit(m, &Data{Train: data}, "")) // creates optimizer state
	before := torch.LiveTensors()
	tr = newTrainer(t, cfg)
	require.NoError(t, tr.Fit(m, &Data{Train: data}, ""))
	tr.Optimizer()
	require.LessOrEqual(t, torch.LiveTensors(), before)
}
