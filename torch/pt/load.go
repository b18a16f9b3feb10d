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
//
// A safetensors file is one whose first 8 bytes are a little-endian length
// that fits in the file and whose header, at byte 8, starts with '{'. It is
// recognised first: its length may start with any byte, such as 0x80 (a
// pickle's PROTO opcode) for headers of 128, 384, ... bytes, or spell "PK"
// (a zip's signature). A zip archive starts "PK\x03\x04" and has its
// compression method at byte 8, which is never '{'; a legacy torch.save
// file starts with a pickle's PROTO opcode and protocol (0x80 0x02 for
// torch.save's default protocol 2), followed by LONG1 (0x8a) or, from
// protocol 4, FRAME (0x95).
func DetectFormat(r io.ReaderAt, size int64) Format {
	var head [9]byte
	n, _ := r.ReadAt(head[:], 0)
	b := head[:n]
	switch {
	case n == 9 && b[8] == '{' && size >= 10 && binary.LittleEndian.Uint64(b[:8]) <= uint64(size-8) && binary.LittleEndian.Uint64(b[:8]) >= 2:
		return FormatSafetensors
	case n >= 4 && string(b[:4]) == "PK\x03\x04":
		return FormatZip
	case n >= 3 && b[0] == opProto && b[1] >= 2 && b[1] <= highestProtocol && (b[2] == opLong1 || b[2] == opFrame):
		return FormatLegacy
	case isLegacyTar(r, size):
		return FormatLegacyTar
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
