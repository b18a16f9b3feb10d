package main

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/childtest"
	"github.com/torchgo/torchgo/torch/pt"
)

// A 523-byte file holding a [2^40] tensor of stride 0 over one element used
// to exhaust memory in ptinfo; an expanded view is now described by its
// strides and the hash of the storage it spans.
func TestExpandedViewIsDescribedNotMaterialised(t *testing.T) {
	r := childtest.Run(t, time.Minute, func(t *testing.T) {
		st := &pt.Storage{DType: pt.Float32, Data: []byte{0, 0, 0x80, 0x3f}, Device: "cpu"}
		d := pt.NewOrderedDict()
		d.MustSet("w", &pt.Tensor{Storage: st, Shape: []int64{1 << 40}, Stride: []int64{0}})
		path := filepath.Join(t.TempDir(), "expanded.pt")
		require.NoError(t, pt.Save(path, d))
		rep, err := inspect(path)
		require.NoError(t, err)
		require.Len(t, rep.Tensors, 1)
		sum := sha256.Sum256(st.Data)
		require.Equal(t, tensorInfo{Key: "w", DType: "float32", Shape: []int64{1 << 40}, Stride: []int64{0},
			StorageSHA256: hex.EncodeToString(sum[:])}, rep.Tensors[0])
	})
	require.NoError(t, r.Err, r.Output)
	require.Less(t, r.MiB(), 300.0)
}
