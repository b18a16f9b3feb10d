package torch

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// The same seed gives the same streams as Python on the same libtorch:
// through the default generator and through explicit generators.
func TestRandomStreamsMatchPyTorch(t *testing.T) {
	var want map[string]pyref.Tensor
	pyref.Run(t, `
res = {}
torch.manual_seed(0)
res["rand"] = enc(torch.rand(5, 3))
res["randn"] = enc(torch.randn(7))
res["randperm"] = enc(torch.randperm(60000)[:50])
res["randint"] = enc(torch.randint(0, 10, (4, 4)))
res["randn64"] = enc(torch.randn(3, dtype=torch.float64))
res["randperm_small"] = enc(torch.randperm(10))
res["randn_big"] = enc(torch.randn(33))
g = torch.Generator().manual_seed(1234)
res["g_rand"] = enc(torch.rand(4, generator=g))
res["g_randperm"] = enc(torch.randperm(100, generator=g))
res["g_state"] = enc(g.get_state())
res["g_after"] = enc(torch.randn(2, generator=g))
res["seed_after"] = enc(torch.rand(2))
out(res)
`, nil, &want)

	ManualSeed(0)
	requireSameTensor(t, want["rand"], Rand([]int64{5, 3}))
	requireSameTensor(t, want["randn"], Randn([]int64{7}))
	requireSameTensor(t, want["randperm"], Randperm(60000).Slice(0, 0, 50, 1))
	requireSameTensor(t, want["randint"], Randint(0, 10, []int64{4, 4}))
	requireSameTensor(t, want["randn64"], Randn([]int64{3}, Float64))
	requireSameTensor(t, want["randperm_small"], Randperm(10))
	requireSameTensor(t, want["randn_big"], Randn([]int64{33}))
	g := NewGenerator(1234)
	requireSameTensor(t, want["g_rand"], Rand([]int64{4}, g))
	requireSameTensor(t, want["g_randperm"], Randperm(100, g))
	state := g.State()
	requireSameTensor(t, want["g_state"], state)
	requireSameTensor(t, want["g_after"], Randn([]int64{2}, g))
	// An explicit generator leaves the default stream alone.
	requireSameTensor(t, want["seed_after"], Rand([]int64{2}))

	// Restoring a state replays the stream; a state from Python works too.
	require.NoError(t, g.SetState(dec(t, want["g_state"])))
	requireSameTensor(t, want["g_after"], Randn([]int64{2}, g))
	require.NoError(t, g.SetState(state))
	requireSameTensor(t, want["g_after"], Randn([]int64{2}, g))
	require.Equal(t, uint64(1234), g.InitialSeed())
}

func TestGeneratorBadState(t *testing.T) {
	g := NewGenerator(1)
	before := g.State()
	err := g.SetState(Zeros([]int64{3}, Uint8))
	require.Error(t, err)
	require.Contains(t, err.Error(), "Generator.SetState")
	require.Error(t, g.SetState(nil))
	require.True(t, before.Equal(g.State()), "a failed SetState changes nothing")
}

func TestGeneratorSeedIsFresh(t *testing.T) {
	g := NewGenerator(1)
	s := g.Seed()
	require.Equal(t, s, g.InitialSeed())
	require.True(t, Rand([]int64{4}, g).Equal(Rand([]int64{4}, NewGenerator(s))))
}
