package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/torchgo/torchgo/lightning"
	"github.com/torchgo/torchgo/lightning/plots"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/data"
	"github.com/torchgo/torchgo/vision/datasets"
	"github.com/torchgo/torchgo/vision/models"
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
	// Threads is libtorch's intra-op thread count.
	Threads int `json:"threads"`
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
	model := &litNet{Net: models.NewNet(), lr: c.lr}
	loader := func(ds data.Dataset, shuffle bool) (lightning.Loader, error) {
		l, err := data.NewLoader(ds, data.BatchSize(c.batchSize), data.Shuffle(shuffle))
		if err != nil {
			return nil, err
		}
		return lightning.FromDataLoader(l), nil
	}
	var loaders lightning.Data
	if loaders.Train, err = loader(parts[0], true); err != nil {
		return err
	}
	if loaders.Val, err = loader(parts[1], false); err != nil {
		return err
	}
	if loaders.Test, err = loader(testSet, false); err != nil {
		return err
	}
	trainer, err := lightning.NewTrainer(lightning.Config{
		MaxEpochs:          c.epochs,
		Accelerator:        c.accelerator,
		Devices:            c.devices,
		Strategy:           c.strategy,
		DDPTimeout:         c.ddpTimeout,
		Precision:          c.precision,
		DefaultRootDir:     c.ckptDir,
		DisableProgressBar: c.noProgress,
		Out:                out,
	})
	if err != nil {
		return err
	}
	if err := trainer.Fit(model, &loaders, c.resume); err != nil {
		return err
	}
	if !trainer.IsGlobalZero() {
		return nil // under --strategy ddp, rank 0 tests, saves and reports
	}
	metrics := runMetrics{Epochs: model.epochs}
	tm, err := trainer.Test(model, &loaders, "")
	if err != nil {
		return err
	}
	metrics.TestLoss, metrics.TestAcc = tm["test_loss"], tm["test_acc"]
	fmt.Fprintf(out, "test_loss=%.4f test_acc=%.4f\n", metrics.TestLoss, metrics.TestAcc)
	if l, ok := trainer.Logger().(*lightning.CSVLogger); ok {
		pngs, err := plots.PlotCSV(l.MetricsPath())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "curves: %s\n", strings.Join(pngs, ", "))
	}

	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	weights := filepath.Join(c.out, "mnist.pt")
	model.To(torch.CPU)
	if err := model.Save(weights); err != nil {
		return err
	}
	// Reload into a fresh Net, as the seed does, and predict train[0].
	fresh := models.NewNet()
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
			// ToTensor of train[0] alone: (1, 28, 28) floats in [0, 1].
			sample = train.Images.Select(0, 0).Unsqueeze(0).To(torch.Float32).DivScalar(255)
			s.Keep(sample)
			pred = fresh.Forward(sample.Unsqueeze(0)).ArgmaxDim(1, false).ItemInt()
		})
	})
	defer sample.Close()
	png := filepath.Join(c.out, "sample.png")
	if err := savePNG(sample, png); err != nil {
		return err
	}
	fmt.Fprintf(out, "train[0]: label %d, predicted %d; image in %s\n", train.Labels.Select(0, 0).ItemInt(), pred, png)
	metrics.PredictUS = predictLatency(fresh, sample)
	metrics.PeakRSSMB = peakRSSMB()
	metrics.Threads = torch.NumThreads()

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
