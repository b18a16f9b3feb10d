package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch/pt"
)

// A safetensors file whose header length starts with the byte 0x80 (128,
// 384, ... bytes: 1 file in 32, including those pt.SaveSafetensors writes)
// was taken for a legacy pickle: "pt: legacy magic number: at byte 2:
// invalid pickle opcode 0x00".
func TestSafetensorsHeaderLengthStartingWith0x80(t *testing.T) {
	dir := t.TempDir()
	found := 0
	for pad := 0; pad < 400; pad++ {
		d := pt.NewOrderedDict()
		w, err := pt.NewTensor(pt.Float32, []int64{2}, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40})
		require.NoError(t, err)
		d.MustSet("w", w)
		meta := map[string]string{"pad": strings.Repeat("p", pad)}
		path := filepath.Join(dir, "x.safetensors")
		require.NoError(t, pt.SaveSafetensors(path, d, meta))
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		if b[0] != 0x80 {
			continue
		}
		found++
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, run([]string{path}, &stdout, &stderr), "header of %d bytes: %s", binary.LittleEndian.Uint64(b), stderr.String())
		require.Contains(t, stdout.String(), "safetensors format")
		require.Regexp(t, `(?m)^w\s+float32\s+\[2\]\s+[0-9a-f]{64}$`, stdout.String())
	}
	require.GreaterOrEqual(t, found, 2, "headers of 128 and 384 bytes")
}
