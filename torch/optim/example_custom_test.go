package optim_test

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
)

// signSGD is a user-written optimizer: it moves each parameter by its
// group's learning rate against the sign of its gradient. Returning its
// groups makes it an optim.ParamGrouper, which the LR schedulers drive.
type signSGD struct{ groups []*optim.ParamGroup }

func newSignSGD(params []*torch.Tensor, lr float64) (*signSGD, error) {
	// A zero ParamGroup takes any options through Set, in order; Set
	// refuses values no option can hold.
	g := &optim.ParamGroup{Params: params}
	if err := g.Set("lr", lr); err != nil {
		return nil, err
	}
	return &signSGD{groups: []*optim.ParamGroup{g}}, nil
}

// ParamGroups returns the groups themselves: schedulers set their "lr".
func (o *signSGD) ParamGroups() []*optim.ParamGroup { return o.groups }

// Step reads each group's current LR, as the optimizers of this package do.
func (o *signSGD) Step() {
	torch.NoGrad(func() {
		torch.WithScope(func(*torch.Scope) {
			for _, g := range o.groups {
				for _, p := range g.Params {
					if gr := p.Grad(); gr != nil {
						p.AddScaled_(gr.Sign(), -g.LR())
					}
				}
			}
		})
	})
}

// A user-written optimizer exposes its parameter groups (optim.ParamGrouper)
// and any LR scheduler of this package drives it.
func Example_customOptimizer() {
	w := torch.FromSlice([]float32{1, -2}, nil).SetRequiresGrad(true)
	opt, err := newSignSGD([]*torch.Tensor{w}, 0.5)
	if err != nil {
		panic(err)
	}
	sched, err := optim.NewStepLR(opt, 2, 0.5) // halve the lr every 2 epochs
	if err != nil {
		panic(err)
	}
	for epoch := 0; epoch < 4; epoch++ {
		torch.WithScope(func(*torch.Scope) {
			w.Mul(w).Sum().Backward()
			opt.Step()
			w.SetGrad(nil)
		})
		sched.Step()
		fmt.Printf("epoch %d: w %v, lr %v\n", epoch, w.Float32s(), opt.ParamGroups()[0].LR())
	}
	// Output:
	// epoch 0: w [0.5 -1.5], lr 0.5
	// epoch 1: w [0 -1], lr 0.25
	// epoch 2: w [0 -0.75], lr 0.25
	// epoch 3: w [0 -0.5], lr 0.125
}
