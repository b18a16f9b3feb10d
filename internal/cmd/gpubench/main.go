// Command gpubench times training steps on a CUDA device for
// scripts/gpu-check.sh: the seed's Net on MNIST-shaped batches or ResNet-18
// on CIFAR-10-shaped batches, synthetic data already on the device, SGD,
// in float32 or bf16-mixed. It prints one JSON line:
// {"model":..,"precision":..,"batch":..,"steps_per_s":..}.
//
//	gpubench --model resnet18 --batch 128 --steps 100 --precision bf16-mixed
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/torchgo/torchgo/torch"
	F "github.com/torchgo/torchgo/torch/nn/functional"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/vision/models"
)

type model interface {
	Forward(*torch.Tensor) *torch.Tensor
	Parameters() []*torch.Tensor
	To(...torch.Option)
}

func main() {
	name := flag.String("model", "seed", "seed (the seed's Net, 1x28x28) or resnet18 (3x32x32, 10 classes)")
	batch := flag.Int64("batch", 256, "batch size")
	steps := flag.Int("steps", 100, "timed steps (after 10 warm-up steps)")
	precision := flag.String("precision", "32-true", "32-true or bf16-mixed")
	device := flag.Int("device", 0, "CUDA device index")
	flag.Parse()
	if err := run(*name, *batch, *steps, *precision, *device); err != nil {
		fmt.Fprintln(os.Stderr, "gpubench:", err)
		os.Exit(1)
	}
}

func run(name string, batch int64, steps int, precision string, device int) error {
	if !torch.CUDAIsAvailable() {
		return fmt.Errorf("CUDA is not available (libtorch %s)", torch.Version())
	}
	runtime.LockOSThread()
	dev := torch.CUDA(device)
	torch.SetCuDNN(false, true) // cudnn.benchmark, as a tuned Python run would
	torch.ManualSeed(0)
	var m model
	shape := []int64{batch, 1, 28, 28}
	switch name {
	case "seed":
		m = models.NewNet()
	case "resnet18":
		m = models.NewResNet18(10)
		shape = []int64{batch, 3, 32, 32}
	default:
		return fmt.Errorf("--model %q: want seed or resnet18", name)
	}
	m.To(dev)
	x := torch.Randn(shape).To(dev).Persist()
	y := torch.Randint(0, 10, []int64{batch}).To(dev).Persist()
	opt, err := optim.NewSGD(m.Parameters(), optim.SGDOptions{LR: 0.01, Momentum: 0.9})
	if err != nil {
		return err
	}
	step := func() {
		torch.WithScope(func(*torch.Scope) {
			var loss *torch.Tensor
			forward := func() { loss = F.CrossEntropy(m.Forward(x), y) }
			switch precision {
			case "32-true":
				forward()
			case "bf16-mixed":
				torch.Autocast(dev, torch.BFloat16, forward)
			default:
				panic(fmt.Errorf("--precision %q: want 32-true or bf16-mixed", precision))
			}
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
		})
	}
	err = torch.Catch(func() error {
		for i := 0; i < 10; i++ {
			step()
		}
		torch.CUDASynchronize(device)
		return nil
	})
	if err != nil {
		return err
	}
	start := time.Now()
	err = torch.Catch(func() error {
		for i := 0; i < steps; i++ {
			step()
		}
		torch.CUDASynchronize(device)
		return nil
	})
	if err != nil {
		return err
	}
	sps := float64(steps) / time.Since(start).Seconds()
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"model": name, "precision": precision, "batch": batch, "steps_per_s": sps})
}
