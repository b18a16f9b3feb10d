package lightning_test

import (
	"github.com/torchgo/torchgo/lightning"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/data"
	F "github.com/torchgo/torchgo/torch/nn/functional"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/vision/datasets"
	"github.com/torchgo/torchgo/vision/models"
)

// LitNet is the seed's LightningModule: its Net (conv 1→4 3×3, max-pool,
// fc 784→100, ReLU, fc 100→10) with the training and validation steps.
type LitNet struct {
	*models.Net
	lightning.Base
}

func (m *LitNet) TrainingStep(batch any, _ int) *torch.Tensor {
	b := batch.(data.Batch)
	loss := F.CrossEntropy(m.Forward(b.Tensor(0)), b.Tensor(1))
	m.Log("loss", loss, lightning.LogOptions{ProgBar: true})
	return loss
}

func (m *LitNet) ValidationStep(batch any, _ int) any {
	b := batch.(data.Batch)
	logits := m.Forward(b.Tensor(0))
	m.Log("val_loss", F.CrossEntropy(logits, b.Tensor(1)))
	m.Log("val_acc", logits.ArgmaxDim(1, false).Eq(b.Tensor(1)).To(torch.Float32).Mean())
	return nil
}

func (m *LitNet) ConfigureOptimizers() (lightning.Optimization, error) {
	opt, err := optim.NewSGD(m.Parameters(), optim.SGDOptions{LR: 0.01})
	return lightning.Optimization{Optimizer: opt}, err
}

// The seed's walkthrough on the Trainer (examples/mnist is the full one).
func Example_seed() {
	mnist, err := datasets.MNIST("data", true)
	if err != nil {
		return
	}
	ds, _ := data.NewTensorDataset(mnist.ToTensor(), mnist.Labels)
	torch.ManualSeed(0)
	parts, _ := data.RandomSplit(ds, []int{48000, 12000}, nil) // random_split's indices
	torch.ManualSeed(0)
	model := &LitNet{Net: models.NewNet()} // Python's Net() weights
	train, _ := data.NewLoader(parts[0], data.BatchSize(256), data.Shuffle(true))
	val, _ := data.NewLoader(parts[1], data.BatchSize(256))
	trainer, _ := lightning.NewTrainer(lightning.Config{MaxEpochs: 80})
	_ = trainer.Fit(model, &lightning.Data{Train: lightning.FromDataLoader(train), Val: lightning.FromDataLoader(val)}, "")
	_ = model.Save("mnist.pt") // torch.load + load_state_dict read it
}
