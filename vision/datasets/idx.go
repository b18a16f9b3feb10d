// Package datasets loads torchvision's data sets from torchvision's on-disk
// layout (root/MNIST/raw/...), as tensors ready for torch/data.
package datasets

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
)

// idx is one IDX file (the MNIST format): unsigned bytes with a shape.
type idx struct {
	shape []int64
	data  []byte
}

// readIDX reads an IDX file of unsigned bytes, gzip-compressed when its
// name ends in ".gz", checking the magic number, the dimension count and
// that the data is exactly as long as the header says.
func readIDX(path string, wantDims int) (*idx, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, fmt.Errorf("%s: truncated IDX header", path)
	}
	if magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || int(magic[3]) != wantDims {
		return nil, fmt.Errorf("%s: not an IDX file of unsigned bytes with %d dims (magic % x)", path, wantDims, magic)
	}
	shape := make([]int64, wantDims)
	n := int64(1)
	for i := range shape {
		var d uint32
		if err := binary.Read(r, binary.BigEndian, &d); err != nil {
			return nil, fmt.Errorf("%s: truncated IDX header", path)
		}
		shape[i] = int64(d)
		n *= int64(d)
		if n > 1<<34 {
			return nil, fmt.Errorf("%s: IDX shape %v is implausibly large", path, shape[:i+1])
		}
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("%s: truncated: header promises %d bytes of data: %w", path, n, err)
	}
	if extra, _ := r.Read(make([]byte, 1)); extra > 0 {
		return nil, fmt.Errorf("%s: %d bytes of data expected, file is longer", path, n)
	}
	return &idx{shape: shape, data: data}, nil
}
