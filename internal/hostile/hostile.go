// Package hostile generates the hostile-input corpus of torch/pt's loaders:
// files built to cost a loader unbounded memory or time (zip bombs,
// overlapping zip entries, pickle stack, memo and value floods, dict keys
// that are expensive to hash), malformed files (truncated zips, wrong
// CRC-32s, storages shorter than declared, huge declared shapes and
// lengths, deep nesting, cyclic memo references, strings that are not
// UTF-8) and valid files that naive format detection misreads.
//
// Every file is generated here, byte by byte, so the corpus needs no
// Python and is not committed: tests generate it into a temporary folder,
// fuzz targets take the Seed scale as their seed corpus, and
//
//	go run ./internal/hostile/gen -scale full DIR
//
// writes the files of a scale to DIR with a corpus.json manifest, for
// measuring a loader with /usr/bin/time -v (or PyTorch on the same bytes).
//
// Each Case says what a correct loader does with it: fail with a one-line
// error containing Err, or load a value matching Want; and what that may
// cost at most (MaxMiB of peak resident memory, for the whole test process
// that loads it, and MaxTime).
package hostile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Kind is the loader a file is meant for.
type Kind string

// The loaders of the corpus.
const (
	PT          Kind = "pt"          // torch.save zip or legacy file: pt.Load
	Safetensors Kind = "safetensors" // pt.LoadSafetensors
	Pickle      Kind = "pkl"         // plain Python pickle: pt.LoadPickle, no extra globals
)

// Scale sets the sizes of the generated files.
type Scale int

// The scales of the corpus.
const (
	// Seed files are small (at most a few hundred KiB, most under 1 KiB,
	// expanding to at most a few MiB): fuzz seeds. Floods are too small
	// to reach the limits, so some load where the larger scales fail.
	Seed Scale = iota
	// Test is what the corpus test loads: every attack reaches its limit,
	// at about a quarter of the sizes of issue 16 (a 256 MiB zip bomb).
	Test
	// Full has the sizes of issue 16: a 1 MiB zip entry expanding to
	// 1 GiB, 64 Mi stack items, 16 Mi memo entries.
	Full
)

// String names the scale as the gen command's -scale flag does.
func (s Scale) String() string {
	return [...]string{"seed", "test", "full"}[s]
}

// ParseScale is the inverse of String.
func ParseScale(name string) (Scale, error) {
	for s := Seed; s <= Full; s++ {
		if s.String() == name {
			return s, nil
		}
	}
	return 0, fmt.Errorf("hostile: unknown scale %q (seed, test or full)", name)
}

// pick returns the size for the scale.
func (s Scale) pick(seed, test, full int64) int64 {
	return [...]int64{seed, test, full}[s]
}

// Case is one file of the corpus.
type Case struct {
	// Name identifies the case; the file is Name + Ext().
	Name string
	// Kind is the loader the file is for.
	Kind Kind
	// What says what the file does, for people.
	What string
	// Err is a substring of the one-line error a loader must return; empty
	// when the file is valid and must load into Want.
	Err string
	// Want describes the value a valid file loads to.
	Want Want
	// Holds is how many bytes of data the file really holds: tensor
	// elements, after decompression, that loading it must allocate.
	Holds int64
	// MaxMiB bounds the peak resident memory of a Go test process that
	// loads the file (runtime and test binary included), in MiB.
	MaxMiB float64
	// MaxTime bounds the time loading it takes, on a slow shared machine.
	MaxTime time.Duration
	// Data generates the file's bytes.
	Data func() []byte `json:"-"`
}

// Ext is the file name extension of the case's kind.
func (c Case) Ext() string {
	switch c.Kind {
	case Safetensors:
		return ".safetensors"
	case Pickle:
		return ".pkl"
	}
	return ".pt"
}

// Want describes a loaded value.
type Want struct {
	// Type is the Python type of the value: dict, list, tuple, NoneType...
	Type string `json:",omitempty"`
	// Len is the number of entries of a dict or items of a list or tuple.
	Len int `json:",omitempty"`
	// Tensors, when not empty, are the tensors in the value, in the
	// order pt.Flatten gives.
	Tensors []Tensor `json:",omitempty"`
}

// Tensor describes one loaded tensor.
type Tensor struct {
	// Name is the key path pt.Flatten gives it.
	Name string
	// DType is PyTorch's name of the element type (float32, uint8, ...).
	DType string
	// Shape is the tensor's size.
	Shape []int64
	// SHA256 hashes the elements in row-major order as little-endian
	// bytes, hex; empty when Zero tells the content instead.
	SHA256 string `json:",omitempty"`
	// Zero is true for a tensor whose bytes are all zero (large ones).
	Zero bool `json:",omitempty"`
}

// Write generates the cases of the scale that keep accepts (every case when
// keep is nil) into dir, created if needed, with a corpus.json manifest, and
// returns them.
func Write(dir string, s Scale, keep func(Case) bool) ([]Case, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var cases []Case
	for _, c := range Corpus(s) {
		if keep == nil || keep(c) {
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		if err := os.WriteFile(filepath.Join(dir, c.Name+c.Ext()), c.Data(), 0o644); err != nil {
			return nil, err
		}
	}
	manifest, err := json.MarshalIndent(cases, "", "  ")
	if err != nil {
		return nil, err
	}
	return cases, os.WriteFile(filepath.Join(dir, "corpus.json"), append(manifest, '\n'), 0o644)
}
