package nn_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
)

// keeper is a layer of another package that keeps its output, as a user's
// feature extractor may.
type keeper struct {
	nn.Module
	last *torch.Tensor
}

func (k *keeper) Forward(x *torch.Tensor) *torch.Tensor {
	k.last = x.MulScalar(2)
	return k.last
}

// Sequential frees the intermediate outputs its own layers make and take,
// and leaves those a foreign layer makes or takes: the values are the same
// either way, with or without autograd.
func TestSequentialFreesOnlyItsOwnIntermediates(t *testing.T) {
	torch.ManualSeed(0)
	own := nn.NewSequential(nn.NewLinear(8, 16), nn.NewReLU(), nn.NewLinear(16, 16), nn.NewTanh(),
		nn.NewSequential(nn.NewLinear(16, 16), nn.NewSigmoid()), nn.NewLinear(16, 4))
	x := torch.Randn([]int64{3, 8})
	torch.NoGrad(func() {
		torch.WithScope(func(*torch.Scope) {
			before := torch.LiveTensors()
			own.Forward(x)
			require.Equal(t, int64(1), torch.LiveTensors()-before, "only the output is left")
		})
	})

	k := &keeper{}
	mixed := nn.NewSequential(nn.NewLinear(8, 16), k, nn.NewReLU(), nn.NewLinear(16, 4))
	torch.WithScope(func(*torch.Scope) {
		y := mixed.Forward(x)
		require.Equal(t, []int64{3, 16}, k.last.Shape(), "the keeper's output is still usable")
		want := mixed.Layers[3].Forward(k.last.ReLU())
		require.Equal(t, want.Float32s(), y.Float32s())
		y.Sum().Backward() // autograd kept what it needs
		require.NotNil(t, mixed.Layers[0].(*nn.Linear).Weight.Grad())
	})
}
