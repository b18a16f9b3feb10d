package pt

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// addFixtureSeeds adds every fixture file with one of the extensions as a
// seed input.
func addFixtureSeeds(f *testing.F, exts ...string) {
	for _, ext := range exts {
		paths, err := filepath.Glob(filepath.Join("testdata", "*"+ext))
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

// FuzzLoad feeds arbitrary bytes to the .pt loader. It must never panic or
// hang, every tensor it returns must be valid, and whatever it loads must
// save and load again.
func FuzzLoad(f *testing.F) {
	addFixtureSeeds(f, ".pt")
	f.Add([]byte{})
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{opProto, 2, opLong1, 10})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := LoadReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		tensors, _, err := Flatten(v)
		if err != nil {
			t.Fatalf("Flatten of a loaded value: %v", err)
		}
		for _, nt := range tensors {
			if err := nt.Tensor.Validate(); err != nil {
				t.Fatalf("loaded invalid tensor %q: %v", nt.Name, err)
			}
			if got, want := len(nt.Tensor.Contiguous()), nt.Tensor.Numel()*int64(nt.Tensor.DType().ElementSize()); int64(got) != want {
				t.Fatalf("%q: Contiguous gave %d bytes, want %d", nt.Name, got, want)
			}
		}
		var buf bytes.Buffer
		if err := WriteTo(&buf, v); err != nil {
			return // e.g. strings that are not UTF-8
		}
		if _, err := LoadReader(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
			t.Fatalf("reloading a saved value: %v", err)
		}
	})
}

// FuzzSafetensors feeds arbitrary bytes to the safetensors reader.
func FuzzSafetensors(f *testing.F) {
	addFixtureSeeds(f, ".safetensors")
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, '{', '}'})
	f.Fuzz(func(t *testing.T, data []byte) {
		d, _, err := LoadSafetensorsReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, d, nil); err != nil {
			t.Fatalf("writing a loaded file: %v", err)
		}
		back, _, err := LoadSafetensorsReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil || back.Len() != d.Len() {
			t.Fatalf("reloading: %v", err)
		}
	})
}
