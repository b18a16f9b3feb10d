package datasets

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/data"
	"github.com/torchgo/torchgo/vision/transforms"
)

// The per-sample path (Get, a transform, collation) gives the same batches
// as the batched ToTensor path.
func TestForLoaderMatchesBatchPath(t *testing.T) {
	root := dataRoot(t)
	mnist, err := MNIST(root, false)
	require.NoError(t, err)
	defer mnist.Close()
	perSample, err := data.NewLoader(ForLoader(WithTransform(mnist, transforms.ToTensor{})), data.BatchSize(100))
	require.NoError(t, err)
	ds, err := data.NewTensorDataset(mnist.ToTensor(), mnist.Labels)
	require.NoError(t, err)
	batched, err := data.NewLoader(ds, data.BatchSize(100))
	require.NoError(t, err)
	a, b := perSample.Iter(), batched.Iter()
	defer a.Close()
	defer b.Close()
	for i := 0; i < 3; i++ {
		require.True(t, a.Next())
		require.True(t, b.Next())
		require.True(t, a.Batch().Tensor(0).Equal(b.Batch().Tensor(0)), "images of batch %d", i)
		require.True(t, a.Batch().Tensor(1).Equal(b.Batch().Tensor(1)), "labels of batch %d", i)
	}
	require.Equal(t, torch.Int64, a.Batch().Tensor(1).DType())
}
