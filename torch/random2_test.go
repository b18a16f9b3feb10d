package torch

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// DataLoader's base seed: an int64 random_() on the default generator.
func TestRandomIntMatchesPyTorch(t *testing.T) {
	var want []int64
	pyref.Run(t, `
torch.manual_seed(0)
a = torch.empty((), dtype=torch.int64).random_().item()
b = torch.empty((), dtype=torch.int64).random_().item()
g = torch.Generator().manual_seed(9)
c = torch.empty((), dtype=torch.int64).random_(generator=g).item()
out([a, b, c])
`, nil, &want)
	ManualSeed(0)
	a := Empty(nil, Int64).Random_(nil).ItemInt()
	b := Empty(nil, Int64).Random_(nil).ItemInt()
	c := Empty(nil, Int64).Random_(NewGenerator(9)).ItemInt()
	require.Equal(t, want, []int64{a, b, c})
}
