package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/torchgo/torchgo/examples/internal/seed"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/data"
	F "github.com/torchgo/torchgo/torch/nn/functional"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/vision/datasets"
	"github.com/torchgo/torchgo/vision/imageio"
)

// epochMetrics is one line of --metrics-json.
type epochMetrics struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"` // mean over the epoch, weighted by batch size
	ValLoss   float64 `json:"val_loss"`
	ValAcc    float64 `json:"val_acc"`
	TrainS    float64 `json:"train_s"` // seconds spent in the training batches
	RSSMB     float64 `json:"rss_mb"`
}

type runMetrics struct {
	Epochs   []epochMetrics `json:"epochs"`
	TestLoss float64        `json:"test_loss"`
	TestAcc  float64        `json:"test_acc"`
	// PredictUS is the median latency of one single-image prediction, µs.
	PredictUS float64 `json:"predict_us"`
	// PeakRSSMB is the process's peak resident set size, MiB.
	PeakRSSMB float64 `json:"peak_rss_mb"`
}

// evaluate returns the mean loss (weighted by batch size) and the accuracy
// of model over a loader.
func evaluate(model *seed.Net, loader *data.Loader, dev torch.Device) (loss, acc float64, err error) {
	var sum float64
	var correct, n int64
	it := loader.Iter()
	defer it.Close()
	model.Eval()
	defer model.Train(true)
	for it.Next() {
		b := it.Batch()
		torch.NoGrad(func() {
			torch.WithScope(func(*torch.Scope) {
				x, y := b.Tensor(0).To(dev), b.Tensor(1).To(dev)
				logits := model.Forward(x)
				size := y.Size(0)
				sum += F.CrossEntropy(logits, y).Item() * float64(size)
				correct += logits.ArgmaxDim(1, false).Eq(y).Sum().ItemInt()
				n += size
			})
		})
	}
	if err := it.Err(); err != nil {
		return 0, 0, err
	}
	return sum / float64(n), float64(correct) / float64(n), nil
}

func run(c config, out io.Writer) (err error) {
	defer func() {
		// An op failing on our side is a bug worth a message, not a stack trace.
		if r := recover(); r != nil {
			te, ok := r.(*torch.Error)
			if !ok {
				panic(r)
			}
			err = te
		}
	}()
	train, err := datasets.MNIST(c.data, true)
	if err != nil {
		return err
	}
	test, err := datasets.MNIST(c.data, false)
	if err != nil {
		return err
	}
	trainSet, err := data.NewTensorDataset(train.ToTensor().Persist(), train.Labels)
	if err != nil {
		return err
	}
	testSet, err := data.NewTensorDataset(test.ToTensor().Persist(), test.Labels)
	if err != nil {
		return err
	}

	// The seed's order of draws from the default generator: the split, then
	// (reseeded) the Net's initialisation, then each epoch's shuffle.
	torch.ManualSeed(c.seed)
	parts, err := data.RandomSplit(trainSet, []int{48000, 12000}, nil)
	if err != nil {
		return err
	}
	torch.ManualSeed(c.seed)
	model := seed.NewNet()
	model.To(c.device)
	opt, err := optim.NewSGD(model.Parameters(), optim.SGDOptions{LR: c.lr})
	if err != nil {
		return err
	}
	trainLoader, err := data.NewLoader(parts[0], data.BatchSize(c.batchSize), data.Shuffle(true))
	if err != nil {
		return err
	}
	valLoader, err := data.NewLoader(parts[1], data.BatchSize(c.batchSize))
	if err != nil {
		return err
	}
	testLoader, err := data.NewLoader(testSet, data.BatchSize(c.batchSize))
	if err != nil {
		return err
	}

	var metrics runMetrics
	for epoch := 0; epoch < c.epochs; epoch++ {
		var sum float64
		var n int64
		var trainTime time.Duration
		it := trainLoader.Iter()
		for it.Next() {
			b := it.Batch()
			start := time.Now()
			torch.WithScope(func(*torch.Scope) {
				x, y := b.Tensor(0).To(c.device), b.Tensor(1).To(c.device)
				loss := F.CrossEntropy(model.Forward(x), y)
				opt.ZeroGrad()
				loss.Backward()
				opt.Step()
				size := y.Size(0)
				sum += loss.Item() * float64(size)
				n += size
			})
			trainTime += time.Since(start)
		}
		if err := it.Err(); err != nil {
			return err
		}
		it.Close()
		valLoss, valAcc, err := evaluate(model, valLoader, c.device)
		if err != nil {
			return err
		}
		m := epochMetrics{Epoch: epoch, TrainLoss: sum / float64(n), ValLoss: valLoss, ValAcc: valAcc,
			TrainS: trainTime.Seconds(), RSSMB: rssMB()}
		metrics.Epochs = append(metrics.Epochs, m)
		if !c.noProgress {
			fmt.Fprintf(out, "Epoch %d: loss=%.4f val_loss=%.4f val_acc=%.4f (%.2fs)\n", epoch, m.TrainLoss, valLoss, valAcc, m.TrainS)
		}
	}
	metrics.TestLoss, metrics.TestAcc, err = evaluate(model, testLoader, c.device)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "test_loss=%.4f test_acc=%.4f\n", metrics.TestLoss, metrics.TestAcc)

	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	weights := filepath.Join(c.out, "mnist.pt")
	model.To(torch.CPU)
	if err := model.Save(weights); err != nil {
		return err
	}
	// Reload into a fresh Net, as the seed does, and predict train[0].
	fresh := seed.NewNet()
	res, err := fresh.Load(weights, true)
	if err != nil {
		return err
	}
	fresh.Eval()
	fmt.Fprintf(out, "saved %s; reloaded: %v\n", weights, res)
	var pred int64
	var sample *torch.Tensor
	torch.NoGrad(func() {
		torch.WithScope(func(s *torch.Scope) {
			sample = train.ToTensor().Select(0, 0)
			s.Keep(sample)
			pred = fresh.Forward(sample.Unsqueeze(0)).ArgmaxDim(1, false).ItemInt()
		})
	})
	defer sample.Close()
	png := filepath.Join(c.out, "sample.png")
	if err := imageio.SaveImage(sample, png, imageio.GridOptions{}); err != nil {
		return err
	}
	fmt.Fprintf(out, "train[0]: label %d, predicted %d; image in %s\n", train.Labels.Select(0, 0).ItemInt(), pred, png)
	metrics.PredictUS = predictLatency(fresh, sample)
	metrics.PeakRSSMB = peakRSSMB()

	if c.metricsJSON != "" {
		b, err := json.MarshalIndent(metrics, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(c.metricsJSON, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}
