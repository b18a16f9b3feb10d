package main

import (
	"fmt"
	"io"

	"github.com/torchgo/torchgo/lightning"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/data"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/torch/nn/nninit"
	"github.com/torchgo/torchgo/torch/optim"
)

// leakyReLU is nn.LeakyReLU(slope) as a Sequential layer.
type leakyReLU struct {
	nn.Module
	slope float64
}

func (l *leakyReLU) Forward(x *torch.Tensor) *torch.Tensor { return torch.LeakyReLU(x, l.slope) }

// Generator is dcgan/main.py's Generator for 32×32 images: a latent
// vector (nz, 1, 1) through transposed convolutions to (nc, 32, 32) in
// [-1, 1]. Its layers are main.0, main.1, ... as in Python.
type Generator struct {
	nn.Module
	Main *nn.Sequential
}

// NewGenerator builds the generator; its weights are PyTorch's default
// initialisation until weightsInit.
func NewGenerator(nz, ngf, nc int64) *Generator {
	g := &Generator{}
	up := func(in, out int64) *nn.ConvTranspose2d {
		return nn.NewConvTranspose2d(in, out, 4, nn.ConvTranspose2dConfig{Stride: 2, Padding: 1, NoBias: true})
	}
	bn := func(c int64) *nn.BatchNorm { return nn.NewBatchNorm2d(c, nn.BatchNormConfig{}) }
	g.Main = nn.Add(g, "main", nn.NewSequential(
		// input is Z, going into a convolution
		nn.NewConvTranspose2d(nz, ngf*4, 4, nn.ConvTranspose2dConfig{Stride: 1, Padding: 0, NoBias: true}),
		bn(ngf*4), nn.NewReLU(),
		// state size. (ngf*4) x 4 x 4
		up(ngf*4, ngf*2), bn(ngf*2), nn.NewReLU(),
		// state size. (ngf*2) x 8 x 8
		up(ngf*2, ngf), bn(ngf), nn.NewReLU(),
		// state size. (ngf) x 16 x 16
		up(ngf, nc), nn.NewTanh(),
		// state size. (nc) x 32 x 32
	))
	return g
}

// Forward maps z (N, nz, 1, 1) to images (N, nc, 32, 32).
func (g *Generator) Forward(z *torch.Tensor) *torch.Tensor { return g.Main.Forward(z) }

// Discriminator is dcgan/main.py's Discriminator for 32×32 images: the
// probability that each image is real.
type Discriminator struct {
	nn.Module
	Main *nn.Sequential
}

// NewDiscriminator builds the discriminator (see NewGenerator).
func NewDiscriminator(ndf, nc int64) *Discriminator {
	d := &Discriminator{}
	down := func(in, out int64) *nn.Conv2d {
		return nn.NewConv2d(in, out, 4, nn.ConvConfig{Stride: 2, Padding: 1, NoBias: true})
	}
	bn := func(c int64) *nn.BatchNorm { return nn.NewBatchNorm2d(c, nn.BatchNormConfig{}) }
	lrelu := func() *leakyReLU { return &leakyReLU{slope: 0.2} }
	d.Main = nn.Add(d, "main", nn.NewSequential(
		// input is (nc) x 32 x 32
		down(nc, ndf), lrelu(),
		// state size. (ndf) x 16 x 16
		down(ndf, ndf*2), bn(ndf*2), lrelu(),
		// state size. (ndf*2) x 8 x 8
		down(ndf*2, ndf*4), bn(ndf*4), lrelu(),
		// state size. (ndf*4) x 4 x 4
		nn.NewConv2d(ndf*4, 1, 4, nn.ConvConfig{Stride: 1, Padding: 0, NoBias: true}),
		nn.NewSigmoid(),
	))
	return d
}

// Forward maps images (N, nc, 32, 32) to probabilities (N).
func (d *Discriminator) Forward(x *torch.Tensor) *torch.Tensor {
	return d.Main.Forward(x).View(-1, 1).SqueezeDim(1)
}

// weightsInit is dcgan/main.py's weights_init applied with net.apply: the
// convolutions' weights from N(0, 0.02²), the batch norms' weights from
// N(1, 0.02²) and their biases 0, drawn from the default generator in the
// layers' order.
func weightsInit(s *nn.Sequential) {
	for _, l := range s.Layers {
		switch l := l.(type) {
		case *nn.ConvTranspose2d:
			nninit.Normal_(l.Weight, 0, 0.02, nil)
		case *nn.Conv2d:
			nninit.Normal_(l.Weight, 0, 0.02, nil)
		case *nn.BatchNorm:
			nninit.Normal_(l.Weight, 1, 0.02, nil)
			nninit.Zeros_(l.Bias)
		}
	}
}

// Step is what dcgan/main.py prints for a step: the losses and D's mean
// outputs on real images and on the fakes, before and after D's update.
type Step struct {
	ErrD, ErrG, DX, DGZ1, DGZ2 float64
}

// DCGAN trains the generator and the discriminator in one Lightning
// module with manual optimization, two optimizers and dcgan/main.py's
// step: D on a real batch and on fakes (detached), D's Adam step, then G
// through D (D's parameters toggled off), G's Adam step.
type DCGAN struct {
	nn.Module
	lightning.Base
	NetG       *Generator
	NetD       *Discriminator
	FixedNoise *torch.Tensor // (64, nz, 1, 1): the samples' latent vectors

	nz, nc    int64
	lr, beta1 float64
	// History holds every step's values; Out, when not nil, gets
	// dcgan/main.py's line every LogEvery steps (0: none).
	History  []Step
	Out      io.Writer
	LogEvery int
	// SampleEpoch, when not nil, is called after each epoch with
	// G(FixedNoise), as dcgan/main.py saves fake_samples_epoch_N.png.
	SampleEpoch func(epoch int, fake *torch.Tensor)
}

// NewDCGAN builds and initialises both networks (the generator first, as
// dcgan/main.py) and draws the fixed noise, from the default generator.
func NewDCGAN(nz, ngf, ndf, samples int64, lr, beta1 float64) *DCGAN {
	m := &DCGAN{nz: nz, nc: 1, lr: lr, beta1: beta1}
	m.NetG = nn.Add(m, "netG", NewGenerator(nz, ngf, m.nc))
	weightsInit(m.NetG.Main)
	m.NetD = nn.Add(m, "netD", NewDiscriminator(ndf, m.nc))
	weightsInit(m.NetD.Main)
	m.FixedNoise = torch.Randn([]int64{samples, nz, 1, 1}).Persist()
	return m
}

// AutomaticOptimization is false: TrainingStep steps the optimizers.
func (m *DCGAN) AutomaticOptimization() bool { return false }

// ConfigureOptimizers gives D's Adam, then G's, with dcgan/main.py's
// learning rate and betas.
func (m *DCGAN) ConfigureOptimizers() (lightning.Optimization, error) {
	o := optim.AdamOptions{LR: new(m.lr), Betas: &[2]float64{m.beta1, 0.999}}
	optD, err := optim.NewAdam(m.NetD.Parameters(), o)
	if err != nil {
		return lightning.Optimization{}, err
	}
	optG, err := optim.NewAdam(m.NetG.Parameters(), o)
	return lightning.Optimization{Optimizers: []optim.Optimizer{optD, optG}}, err
}

func bce(out *torch.Tensor, label float64) *torch.Tensor {
	target := torch.Full([]int64{out.Size(0)}, label, torch.Float32)
	return torch.BinaryCrossEntropy(out, target, nil, torch.ReduceMean)
}

// TrainingStep is one iteration of dcgan/main.py's loop.
func (m *DCGAN) TrainingStep(batch any, i int) *torch.Tensor {
	opts := m.Optimizers()
	optD, optG := opts[0], opts[1]
	real := batch.(data.Batch).Tensor(0)
	bs := real.Size(0)

	// (1) Update D network: maximize log(D(x)) + log(1 - D(G(z))). The
	// fake batch goes into D detached, so D's backward passes leave G's
	// gradients alone without a toggle; G's forward must keep its graph
	// for step (2).
	optD.ZeroGrad()
	output := m.NetD.Forward(real)
	errDReal := bce(output, 1)
	m.ManualBackward(errDReal)
	dx := output.Mean().Item()
	noise := torch.Randn([]int64{bs, m.nz, 1, 1})
	fake := m.NetG.Forward(noise)
	output = m.NetD.Forward(fake.Detach())
	errDFake := bce(output, 0)
	m.ManualBackward(errDFake)
	dgz1 := output.Mean().Item()
	errD := errDReal.Add(errDFake)
	optD.Step()

	// (2) Update G network: maximize log(D(G(z))), with D's parameters
	// requiring no gradient meanwhile.
	var errG *torch.Tensor
	var dgz2 float64
	m.ToggledOptimizer(optG, func() {
		optG.ZeroGrad()
		output := m.NetD.Forward(fake)
		errG = bce(output, 1) // fake labels are real for generator cost
		m.ManualBackward(errG)
		dgz2 = output.Mean().Item()
		optG.Step()
	})

	s := Step{ErrD: errD.Item(), ErrG: errG.Item(), DX: dx, DGZ1: dgz1, DGZ2: dgz2}
	m.History = append(m.History, s)
	m.Log("loss_d", errD, lightning.LogOptions{ProgBar: true})
	m.Log("loss_g", errG, lightning.LogOptions{ProgBar: true})
	m.Log("d_x", dx)
	if m.Out != nil && m.LogEvery > 0 && (i+1)%m.LogEvery == 0 {
		tr := m.Trainer()
		fmt.Fprintf(m.Out, "[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f\n",
			m.CurrentEpoch(), tr.Config().MaxEpochs, i, tr.NumTrainingBatches(), s.ErrD, s.ErrG, s.DX, s.DGZ1, s.DGZ2)
	}
	return errG
}

// OnTrainEpochEnd hands G(FixedNoise) to SampleEpoch.
func (m *DCGAN) OnTrainEpochEnd() {
	if m.SampleEpoch == nil {
		return
	}
	torch.WithScope(func(*torch.Scope) {
		torch.NoGrad(func() { m.SampleEpoch(m.CurrentEpoch(), m.NetG.Forward(m.FixedNoise)) })
	})
}
