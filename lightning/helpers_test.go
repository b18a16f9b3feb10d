package lightning

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/torch/optim"
)

// boring is Lightning's BoringModel: one Linear(32, 2) layer, the loss
// being the MSE of its output against ones; SGD(lr=0.1) and StepLR(1).
type boring struct {
	nn.Module
	Base
	Layer   *nn.Linear
	noSched bool
}

func newBoring() *boring {
	b := &boring{}
	b.Layer = nn.Add(b, "layer", nn.NewLinear(32, 2))
	return b
}

func (b *boring) forward(x *torch.Tensor) *torch.Tensor { return b.Layer.Forward(x) }

func (b *boring) step(batch any) *torch.Tensor {
	out := b.forward(batch.([]*torch.Tensor)[0])
	return torch.MSELoss(out, torch.OnesLike(out), torch.ReduceMean)
}

func (b *boring) TrainingStep(batch any, i int) *torch.Tensor { return b.step(batch) }

func (b *boring) ValidationStep(batch any, i int) any {
	loss := b.step(batch)
	b.Log("val_loss", loss)
	return loss
}

func (b *boring) TestStep(batch any, i int) any {
	loss := b.step(batch)
	b.Log("test_loss", loss)
	return loss
}

func (b *boring) PredictStep(batch any, i int) any { return b.forward(batch.([]*torch.Tensor)[0]) }

func (b *boring) ConfigureOptimizers() (Optimization, error) {
	opt, err := optim.NewSGD(b.Parameters(), optim.SGDOptions{LR: 0.1})
	if err != nil || b.noSched {
		return Optimization{Optimizer: opt}, err
	}
	s, err := optim.NewStepLR(opt, 1, 0.1)
	return Optimization{Optimizer: opt, Schedulers: []Scheduler{{Scheduler: s}}}, err
}

// randomBatches is Lightning's RandomDataset(32, n) in batches of size bs.
func randomBatches(n, bs int, seed uint64) *SliceLoader {
	g := torch.NewGenerator(seed)
	var out []any
	for i := 0; i < n; i += bs {
		x := torch.Randn([]int64{int64(bs), 32}, g).Persist()
		out = append(out, []*torch.Tensor{x})
	}
	return NewSliceLoader(out...)
}

func randomData(seed uint64) *Data {
	return &Data{Train: randomBatches(64, 2, seed), Val: randomBatches(64, 2, seed+1),
		Test: randomBatches(64, 2, seed+2), Predict: randomBatches(64, 2, seed+3)}
}

func quietConfig(t *testing.T) Config {
	return Config{DefaultRootDir: t.TempDir(), Out: io.Discard, DisableSignalHandling: true,
		DisableProgressBar: true, DisableModelSummary: true}
}

func newTrainer(t *testing.T, cfg Config) *Trainer {
	tr, err := NewTrainer(cfg)
	require.NoError(t, err)
	return tr
}
