package pt

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/torchgo/torchgo/internal/hostile"
)

// The fuzz targets are seeded with the test fixtures and the Seed scale of
// the hostile corpus (internal/hostile); inputs that once failed are kept
// in testdata/fuzz/FuzzXxx. Each target checks, besides not panicking,
// that loading allocated and took no more than a bound proportional to
// the input (see bounded).

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

// addHostileSeeds adds the files of the hostile corpus' Seed scale that
// keep accepts.
func addHostileSeeds(f *testing.F, keep func(hostile.Case, []byte) bool) {
	for _, c := range hostile.Corpus(hostile.Seed) {
		if b := c.Data(); keep(c, b) {
			f.Add(b)
		}
	}
}

// zipped reports whether b is a zip archive.
func zipped(b []byte) bool { return bytes.HasPrefix(b, []byte("PK\x03\x04")) }

// dataPickles returns the data.pkl records of the zip archives among
// files, for seeding the pickle reader.
func dataPickles(files [][]byte) [][]byte {
	var out [][]byte
	for _, b := range files {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			continue
		}
		for _, f := range zr.File {
			if !strings.HasSuffix(f.Name, "/data.pkl") || f.UncompressedSize64 > 1<<20 {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				continue
			}
			p, err := io.ReadAll(io.LimitReader(rc, 1<<20))
			rc.Close()
			if err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

var allocsMetric = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}

// heapAllocs returns the bytes allocated on the heap so far.
func heapAllocs() uint64 {
	metrics.Read(allocsMetric)
	return allocsMetric[0].Value.Uint64()
}

// bounded runs load on an input of n bytes and fails if it allocated more
// than 64 MiB plus 1200 bytes per input byte (a deflated zip entry may
// expand 1100 times) or took more than 5s plus 50µs per byte (the work
// limits allow about 0.2µs per byte of pickle, inflating a few ns per
// byte; the margin is for slow shared machines).
func bounded(t *testing.T, n int, load func()) {
	t.Helper()
	start, a0 := time.Now(), heapAllocs()
	load()
	allocated, elapsed := heapAllocs()-a0, time.Since(start)
	if limit := uint64(64<<20 + 1200*n); allocated > limit {
		t.Fatalf("loading %d bytes allocated %d bytes (bound %d)", n, allocated, limit)
	}
	if limit := 5*time.Second + time.Duration(n)*50*time.Microsecond; elapsed > limit {
		t.Fatalf("loading %d bytes took %v (bound %v)", n, elapsed, limit)
	}
}

// checkLoaded checks what a .pt loader returned: every tensor is valid,
// and the value saves and loads again.
func checkLoaded(t *testing.T, v any) {
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
		return // e.g. values Save cannot write
	}
	if _, err := LoadReader(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
		t.Fatalf("reloading a saved value: %v", err)
	}
}

// checkOneLine fails for an error message of several lines.
func checkOneLine(t *testing.T, err error) {
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Fatalf("error of several lines: %q", err)
	}
}

// FuzzLoad feeds arbitrary bytes to LoadReader, which detects the format.
func FuzzLoad(f *testing.F) {
	addFixtureSeeds(f, ".pt", ".safetensors")
	addHostileSeeds(f, func(c hostile.Case, _ []byte) bool { return c.Kind != hostile.Pickle })
	f.Add([]byte{})
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{opProto, 2, opLong1, 10})
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		var err error
		bounded(t, len(data), func() { v, err = LoadReader(bytes.NewReader(data), int64(len(data))) })
		checkOneLine(t, err)
		if err == nil {
			checkLoaded(t, v)
		}
	})
}

// FuzzLoadZip feeds arbitrary bytes to the zip layout's loader.
func FuzzLoadZip(f *testing.F) {
	addFixtureSeeds(f, ".pt")
	addHostileSeeds(f, func(c hostile.Case, b []byte) bool { return c.Kind == hostile.PT && zipped(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		var err error
		bounded(t, len(data), func() { v, err = loadZip(bytes.NewReader(data), int64(len(data))) })
		checkOneLine(t, err)
		if err == nil {
			checkLoaded(t, v)
		}
	})
}

// FuzzLoadLegacy feeds arbitrary bytes to the legacy layout's loader.
func FuzzLoadLegacy(f *testing.F) {
	for _, p := range []string{"legacy_checkpoint.pt", "legacy_state_dict.pt", "legacy_views.pt", "bad_legacy_truncated.pt"} {
		b, err := os.ReadFile(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	addHostileSeeds(f, func(c hostile.Case, b []byte) bool { return c.Kind == hostile.PT && !zipped(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		var err error
		bounded(t, len(data), func() { v, err = loadLegacy(bytes.NewReader(data), int64(len(data))) })
		checkOneLine(t, err)
		if err == nil {
			checkLoaded(t, v)
		}
	})
}

// FuzzSafetensors feeds arbitrary bytes to the safetensors reader: what it
// loads must write and load again, with the same names and tensors.
func FuzzSafetensors(f *testing.F) {
	addFixtureSeeds(f, ".safetensors")
	addHostileSeeds(f, func(c hostile.Case, _ []byte) bool { return c.Kind == hostile.Safetensors })
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, '{', '}'})
	f.Fuzz(func(t *testing.T, data []byte) {
		var d *OrderedDict
		var err error
		bounded(t, len(data), func() { d, _, err = LoadSafetensorsReader(bytes.NewReader(data), int64(len(data))) })
		checkOneLine(t, err)
		if err != nil {
			return
		}
		if got := DetectFormat(bytes.NewReader(data), int64(len(data))); got != FormatSafetensors {
			t.Fatalf("a loadable safetensors file is detected as %v", got)
		}
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, d, nil); err != nil {
			t.Fatalf("writing a loaded file: %v", err)
		}
		back, _, err := LoadSafetensorsReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil || back.Len() != d.Len() {
			t.Fatalf("reloading: %v", err)
		}
		for i := 0; i < d.Len(); i++ {
			k, v := d.entry(i)
			w, ok := back.Get(k)
			if !ok || !bytes.Equal(v.(*Tensor).Contiguous(), w.(*Tensor).Contiguous()) {
				t.Fatalf("tensor %q changed in a round trip", k)
			}
		}
	})
}

// fuzzObject is what the fuzzed pickles' test.obj global builds.
type fuzzObject struct{ state any }

func (o *fuzzObject) SetState(state any) error {
	o.state = state
	return nil
}

// fuzzGlobals are the caller's globals of FuzzLoadPickle.
var fuzzGlobals = map[string]Global{
	"test.obj": {Call: func(args Tuple) (any, error) { return &fuzzObject{}, nil }},
	"test.cls": {},
}

// FuzzLoadPickle feeds arbitrary bytes to LoadPickle, with globals of its
// own (one building objects that accept BUILD, one only named) and every
// encoding of Python 2 str.
func FuzzLoadPickle(f *testing.F) {
	var zips [][]byte
	for _, c := range hostile.Corpus(hostile.Seed) {
		b := c.Data()
		switch {
		case c.Kind == hostile.Pickle:
			f.Add(b)
		case zipped(b):
			zips = append(zips, b)
		}
	}
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.pt"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		zips = append(zips, b)
	}
	for _, p := range dataPickles(zips) {
		f.Add(p)
	}
	f.Add([]byte("\x80\x02ctest\nobj\nctest\ncls\n\x85R}X\x01\x00\x00\x00aK\x01sb."))
	f.Add([]byte("\x80\x02U\x03\xe9t\xe9q\x00h\x00\x86."))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, enc := range []string{"", "utf-8", "latin1", "bytes"} {
			var err error
			bounded(t, len(data), func() {
				_, err = LoadPickle(bytes.NewReader(data), int64(len(data)), PickleOptions{Globals: fuzzGlobals, Encoding: enc})
			})
			checkOneLine(t, err)
		}
	})
}
