// Command gan is pytorch/examples' DCGAN (dcgan/main.py) on MNIST, written
// as a Lightning module with manual optimization: the generator and the
// discriminator, each with its own Adam optimizer, stepped in one
// TrainingStep as main.py's loop does, by a lightning.Trainer.
//
//	go run ./examples/gan --epochs 1
//
// MNIST comes from --data (scripts/setup.sh fills ./data): its training
// images as ToTensor() and Normalize((0.5,), (0.5,)) make them, padded by
// 2 pixels to 32×32, the networks being main.py's for 32×32 images (its
// 64×64 ones without the generator's first and the discriminator's last
// block). After each epoch, G(fixed_noise) is written to
// --out/fake_samples_epoch_NNN.png (a grid, normalised, as main.py's
// vutils.save_image), and the trainer's checkpoint (both networks, both
// optimizers) to --out/lightning_logs.
//
// scripts/gan_reference.py is the same model and loop in Python: from the
// same seed every step's losses are equal, bit for bit
// (TestGANMatchesPython).
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/torchgo/torchgo/lightning"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/data"
	"github.com/torchgo/torchgo/vision/datasets"
	"github.com/torchgo/torchgo/vision/imageio"
)

// config holds the command line.
type config struct {
	data        string
	limit       int
	epochs      int
	steps       int
	batchSize   int
	nz          int64
	ngf, ndf    int64
	lr, beta1   float64
	seed        uint64
	out         string
	jsonPath    string
	logEvery    int
	accelerator string
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("gan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.data, "data", "data", "torchvision data root holding MNIST/raw (scripts/setup.sh fills ./data)")
	fs.IntVar(&c.limit, "limit", 0, "train on the first N images only (0: all 60000)")
	fs.IntVar(&c.epochs, "epochs", 5, "training epochs (main.py's --niter)")
	fs.IntVar(&c.steps, "steps", 0, "stop after this many iterations (0: no limit); each is two optimizer steps")
	fs.IntVar(&c.batchSize, "batch-size", 64, "batch size, also the number of samples in the image grids")
	fs.Int64Var(&c.nz, "nz", 100, "size of the latent vector")
	fs.Int64Var(&c.ngf, "ngf", 32, "generator feature maps")
	fs.Int64Var(&c.ndf, "ndf", 32, "discriminator feature maps")
	fs.Float64Var(&c.lr, "lr", 0.0002, "Adam's learning rate")
	fs.Float64Var(&c.beta1, "beta1", 0.5, "Adam's beta1")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the default generator (main.py's --manualSeed)")
	fs.StringVar(&c.out, "out", "out/gan", "folder for the sample grids and lightning_logs")
	fs.StringVar(&c.jsonPath, "json", "", "write every step's values and the final weights' SHA-256 to this JSON file")
	fs.IntVar(&c.logEvery, "log-every", 50, "print main.py's line every N iterations (0: never)")
	fs.StringVar(&c.accelerator, "accelerator", "cpu", "cpu, cuda or auto")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(nil)
			fs.PrintDefaults()
		}
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.epochs < 1:
		return c, fmt.Errorf("--epochs must be at least 1")
	case c.batchSize < 1 || c.limit < 0 || c.steps < 0 || c.logEvery < 0:
		return c, fmt.Errorf("--batch-size must be at least 1; --limit, --steps and --log-every 0 or more")
	case c.nz < 1 || c.ngf < 1 || c.ndf < 1:
		return c, fmt.Errorf("--nz, --ngf and --ndf must be at least 1")
	case c.lr <= 0 || c.beta1 < 0 || c.beta1 >= 1:
		return c, fmt.Errorf("--lr must be above 0 and --beta1 in [0, 1)")
	}
	return c, nil
}

func main() {
	c, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err == nil {
		err = run(c, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gan:", err)
		os.Exit(1)
	}
}

// mnist32 is the first limit (0: all) training images of MNIST as
// ToTensor() and Normalize((0.5,), (0.5,)) make them, padded with -1 (a
// black border) to 32×32: (N, 1, 32, 32) in [-1, 1].
func mnist32(root string, limit int) (*torch.Tensor, error) {
	ds, err := datasets.MNIST(root, true)
	if err != nil {
		return nil, err
	}
	defer ds.Close()
	var x *torch.Tensor
	torch.WithScope(func(s *torch.Scope) {
		imgs := ds.Images
		if limit > 0 && int64(limit) < imgs.Size(0) {
			imgs = imgs.Narrow(0, 0, int64(limit))
		}
		x = imgs.Unsqueeze(1).To(torch.Float32).DivScalar(255).SubScalar(0.5).DivScalar(0.5)
		x = torch.Pad(x, []int64{2, 2, 2, 2}, torch.PadConstant, -1)
		s.Keep(x)
	})
	return x.Persist(), nil
}

// saveGrid is main.py's vutils.save_image(fake, path, normalize=True):
// the images in a grid of 8 columns with 2-pixel padding, shifted to
// [0, 1] by the grid's minimum and maximum. The grid's three channels are
// equal (grey images), so the PNG is written grey, a third of the size.
func saveGrid(fake *torch.Tensor, path string) error {
	var buf bytes.Buffer
	err := torch.Catch(func() error {
		var err error
		torch.WithScope(func(*torch.Scope) {
			grid := imageio.MakeGrid(fake, imageio.GridOptions{Normalize: true})
			err = imageio.WritePNG(&buf, grid.Narrow(0, 0, 1))
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, buf.Bytes(), 0o666)
}

// result is what --json holds (scripts/gan_reference.py prints the same).
type result struct {
	Steps   [][5]float64      `json:"steps"`
	Samples []string          `json:"samples"` // SHA-256 of each epoch's G(FixedNoise)
	Weights map[string]string `json:"weights"`
}

func run(c config, out io.Writer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			te, ok := r.(*torch.Error)
			if !ok {
				panic(r)
			}
			err = te
		}
	}()
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	// main.py's order of draws from the default generator: G built and
	// initialised, D, the fixed noise; then each epoch's shuffle and each
	// step's noise.
	torch.ManualSeed(c.seed)
	x, err := mnist32(c.data, c.limit)
	if err != nil {
		return err
	}
	ds, err := data.NewTensorDataset(x)
	if err != nil {
		return err
	}
	dl, err := data.NewLoader(ds, data.BatchSize(c.batchSize), data.Shuffle(true))
	if err != nil {
		return err
	}
	m := NewDCGAN(c.nz, c.ngf, c.ndf, int64(c.batchSize), c.lr, c.beta1)
	m.Out, m.LogEvery = out, c.logEvery
	var samples []string
	m.SampleEpoch = func(epoch int, fake *torch.Tensor) {
		fake = fake.To(torch.CPU)
		sum := sha256.Sum256(fake.Contiguous().Bytes())
		samples = append(samples, hex.EncodeToString(sum[:]))
		path := filepath.Join(c.out, fmt.Sprintf("fake_samples_epoch_%03d.png", epoch))
		if err := saveGrid(fake, path); err != nil {
			panic(&torch.Error{Op: "saveGrid", Msg: err.Error()})
		}
		fmt.Fprintf(out, "epoch %d: samples in %s\n", epoch, path)
	}
	cfg := lightning.Config{
		MaxEpochs:          c.epochs,
		MaxSteps:           2 * c.steps, // two optimizer steps (global steps) per iteration
		Deterministic:      true,
		Accelerator:        c.accelerator,
		DefaultRootDir:     c.out,
		DisableProgressBar: true,
		Out:                out,
	}
	trainer, err := lightning.NewTrainer(cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := trainer.Fit(m, &lightning.Data{Train: lightning.FromDataLoader(dl)}, ""); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d iterations (%d optimizer steps) in %s\n", len(m.History), trainer.GlobalStep(), time.Since(start).Round(time.Millisecond))
	if c.jsonPath == "" {
		return nil
	}
	res := result{Samples: samples, Weights: map[string]string{}}
	for _, s := range m.History {
		res.Steps = append(res.Steps, [5]float64{s.ErrD, s.ErrG, s.DX, s.DGZ1, s.DGZ2})
	}
	m.To(torch.CPU)
	for _, n := range m.StateDict() {
		sum := sha256.Sum256(n.Tensor.Contiguous().Bytes())
		res.Weights[n.Name] = hex.EncodeToString(sum[:])
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return os.WriteFile(c.jsonPath, b, 0o666)
}
