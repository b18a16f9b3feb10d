package pt

import (
	"encoding/binary"
	"io"
	"os"
)

// Format is the container layout of a file, as told by DetectFormat.
type Format int

// The formats DetectFormat distinguishes.
const (
	FormatUnknown     Format = iota // none of the below
	FormatZip                       // torch.save zip layout (or a TorchScript archive)
	FormatLegacy                    // torch.save legacy pickle layout
	FormatLegacyTar                 // torch < 0.4 tar layout (not supported)
	FormatSafetensors               // safetensors
)

// String names the format.
func (f Format) String() string {
	switch f {
	case FormatZip:
		return "zip"
	case FormatLegacy:
		return "legacy"
	case FormatLegacyTar:
		return "legacy-tar"
	case FormatSafetensors:
		return "safetensors"
	}
	return "unknown"
}

// DetectFormat looks at the first bytes of a file of size bytes and tells
// its layout. It does not validate the rest of the file.
func DetectFormat(r io.ReaderAt, size int64) Format {
	var head [9]byte
	n, _ := r.ReadAt(head[:], 0)
	b := head[:n]
	switch {
	case n >= 4 && string(b[:4]) == "PK\x03\x04":
		return FormatZip
	case n >= 2 && b[0] == opProto:
		return FormatLegacy
	case isLegacyTar(r, size):
		return FormatLegacyTar
	case n == 9 && b[8] == '{' && binary.LittleEndian.Uint64(b[:8]) <= uint64(size-8):
		return FormatSafetensors
	}
	return FormatUnknown
}

// Load reads a torch.save file (zip or legacy layout) from path and returns
// the saved object in the data model described in the package
// documentation, typically an *OrderedDict mapping parameter names to
// *Tensor.
func Load(path string) (any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errorf("%w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, errorf("%w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, errorf("%s is not a regular file", path)
	}
	return LoadReader(f, st.Size())
}

// LoadReader is Load for a file of size bytes read through r.
func LoadReader(r io.ReaderAt, size int64) (any, error) {
	if size < 0 {
		return nil, errorf("negative file size %d", size)
	}
	switch DetectFormat(r, size) {
	case FormatZip:
		return loadZip(r, size)
	case FormatLegacy:
		return loadLegacy(r, size)
	case FormatLegacyTar:
		return nil, errorf("legacy tar checkpoints (torch < 0.4) are not supported")
	case FormatSafetensors:
		return nil, errorf("this is a safetensors file: use LoadSafetensors")
	}
	if size == 0 {
		return nil, errorf("empty file")
	}
	return nil, errorf("not a torch.save file (neither a zip archive nor a legacy pickle)")
}
