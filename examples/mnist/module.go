package main

import (
	"time"

	"github.com/torchgo/torchgo/lightning"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/data"
	F "github.com/torchgo/torchgo/torch/nn/functional"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/vision/models"
)

// litNet is the seed's LightningModule: the Net, its three steps with the
// seed's metric names (loss, val_loss, val_acc, test_loss, test_acc), and
// SGD. It also gathers the per-epoch figures of --metrics-json.
type litNet struct {
	*models.Net
	lightning.Base
	lr float64

	epochs     []epochMetrics
	lossSum    float64 // this epoch's training loss, weighted by batch size
	seen       int64
	trainTime  time.Duration
	batchStart time.Time
}

func xy(batch any) (*torch.Tensor, *torch.Tensor) {
	b := batch.(data.Batch)
	return b.Tensor(0), b.Tensor(1)
}

func (m *litNet) TrainingStep(batch any, _ int) *torch.Tensor {
	x, y := xy(batch)
	loss := F.CrossEntropy(m.Forward(x), y)
	m.Log("loss", loss, lightning.LogOptions{ProgBar: true})
	n := y.Size(0)
	m.lossSum += loss.Item() * float64(n)
	m.seen += n
	return loss
}

// evalStep logs the loss and accuracy of a batch under prefix.
func (m *litNet) evalStep(prefix string, batch any) {
	x, y := xy(batch)
	logits := m.Forward(x)
	// SyncDist: under --strategy ddp each rank sees its shard; the epoch
	// values are the means over all of them.
	m.Log(prefix+"_loss", F.CrossEntropy(logits, y), lightning.LogOptions{ProgBar: true, SyncDist: true})
	acc := logits.ArgmaxDim(1, false).Eq(y).To(torch.Float32).Mean()
	m.Log(prefix+"_acc", acc, lightning.LogOptions{ProgBar: true, SyncDist: true})
}

func (m *litNet) ValidationStep(batch any, _ int) any { m.evalStep("val", batch); return nil }

func (m *litNet) TestStep(batch any, _ int) any { m.evalStep("test", batch); return nil }

func (m *litNet) ConfigureOptimizers() (lightning.Optimization, error) {
	opt, err := optim.NewSGD(m.Parameters(), optim.SGDOptions{LR: m.lr})
	return lightning.Optimization{Optimizer: opt}, err
}

func (m *litNet) OnTrainEpochStart() {
	m.lossSum, m.seen, m.trainTime = 0, 0, 0
}

func (m *litNet) OnTrainBatchStart(any, int) { m.batchStart = time.Now() }

func (m *litNet) OnTrainBatchEnd(*torch.Tensor, any, int) {
	m.trainTime += time.Since(m.batchStart)
}

// OnTrainEpochEnd runs after the epoch's validation, as in Lightning 2.
func (m *litNet) OnTrainEpochEnd() {
	cm := m.Trainer().CallbackMetrics()
	m.epochs = append(m.epochs, epochMetrics{
		Epoch:     m.CurrentEpoch(),
		TrainLoss: m.lossSum / float64(max(m.seen, 1)),
		ValLoss:   cm["val_loss"],
		ValAcc:    cm["val_acc"],
		TrainS:    m.trainTime.Seconds(),
		RSSMB:     rssMB(),
	})
}
