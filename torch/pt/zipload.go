package pt

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// maxDeflateRatio bounds the declared size of a compressed entry relative to
// its compressed size (deflate cannot exceed about 1032:1).
const maxDeflateRatio = 1100

// zipArchive is an opened torch zip checkpoint.
type zipArchive struct {
	r      io.ReaderAt
	size   int64
	prefix string // archive folder, e.g. "archive"
	files  map[string]*zip.File
}

// openZip parses the zip directory and finds the archive folder.
func openZip(r io.ReaderAt, size int64) (*zipArchive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, errorf("corrupt or truncated zip archive: %v", err)
	}
	a := &zipArchive{r: r, size: size, files: make(map[string]*zip.File, len(zr.File))}
	var prefixes []string
	for _, f := range zr.File {
		if _, dup := a.files[f.Name]; dup {
			return nil, errorf("zip archive has two entries named %q", f.Name)
		}
		a.files[f.Name] = f
		dir, rest, ok := strings.Cut(f.Name, "/")
		if !ok {
			continue
		}
		switch {
		case rest == "constants.pkl" || strings.HasPrefix(rest, "code/"):
			return nil, errorf("%w", ErrTorchScript)
		case rest == "data.pkl":
			prefixes = append(prefixes, dir)
		}
	}
	switch len(prefixes) {
	case 0:
		return nil, errorf("zip archive has no data.pkl entry: not a torch.save file")
	case 1:
		a.prefix = prefixes[0]
	default:
		for i := range prefixes {
			prefixes[i] = printable(prefixes[i])
		}
		return nil, errorf("zip archive has %d data.pkl entries (%s)", len(prefixes), strings.Join(prefixes, ", "))
	}
	if err := checkOverlaps(zr.File, size); err != nil {
		return nil, err
	}
	return a, nil
}

// checkOverlaps refuses archives whose entries share bytes: several
// central directory entries pointing at one local entry would let a small
// file hold each of its bytes many times (an overlapping zip bomb).
func checkOverlaps(files []*zip.File, size int64) error {
	type span struct {
		start, end int64
		name       string
	}
	spans := make([]span, 0, len(files))
	for _, f := range files {
		start, err := f.DataOffset()
		if err != nil {
			return errorf("zip entry %s: %v", printable(f.Name), err)
		}
		// The local header starts 30 bytes and a name before the data.
		hdr := max(start-30-int64(len(f.Name)), 0)
		if f.CompressedSize64 > uint64(size) || start > size-int64(f.CompressedSize64) {
			return errorf("zip entry %s: %d bytes at offset %d run past the end of the %d-byte file", printable(f.Name), f.CompressedSize64, start, size)
		}
		spans = append(spans, span{hdr, start + int64(f.CompressedSize64), printable(f.Name)})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return errorf("zip entries %s and %s overlap (bytes %d to %d and %d to %d)", spans[i-1].name, spans[i].name,
				spans[i-1].start, spans[i-1].end, spans[i].start, spans[i].end)
		}
	}
	return nil
}

// entry returns the file for a record name below the archive folder.
func (a *zipArchive) entry(name string) *zip.File {
	return a.files[a.prefix+"/"+name]
}

// read returns the contents of the record name, checking its declared size
// against the file before allocating. Errors have no package prefix.
func (a *zipArchive) read(name string) ([]byte, error) {
	f := a.entry(name)
	if f == nil {
		return nil, fmt.Errorf("zip archive has no entry %s", printable(a.prefix+"/"+name))
	}
	where := printable(f.Name)
	n := f.UncompressedSize64
	switch f.Method {
	case zip.Store:
		if f.CompressedSize64 != n {
			return nil, fmt.Errorf("entry %s: stored entry with compressed size %d != size %d", where, f.CompressedSize64, n)
		}
		off, err := f.DataOffset()
		if err != nil {
			return nil, fmt.Errorf("entry %s: %v", where, err)
		}
		if off < 0 || off > a.size || n > uint64(a.size-off) {
			return nil, fmt.Errorf("entry %s: %d bytes at offset %d run past the end of the %d-byte file", where, n, off, a.size)
		}
		buf := make([]byte, n)
		if _, err := a.r.ReadAt(buf, off); err != nil {
			return nil, fmt.Errorf("entry %s: %v", where, err)
		}
		if f.CRC32 != 0 && crc32.ChecksumIEEE(buf) != f.CRC32 {
			return nil, fmt.Errorf("entry %s: CRC-32 mismatch, the file is corrupt", where)
		}
		return buf, nil
	case zip.Deflate:
		if f.CompressedSize64 > uint64(a.size) || n/maxDeflateRatio > f.CompressedSize64 {
			return nil, fmt.Errorf("entry %s: implausible sizes (%d compressed, %d declared)", where, f.CompressedSize64, n)
		}
		if n > math.MaxInt-1 {
			return nil, fmt.Errorf("entry %s: %d bytes declared", where, n)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("entry %s: %v", where, err)
		}
		defer rc.Close()
		// Inflate into a buffer of the declared size (for a storage, the
		// size its persistent id declares), never past it but by the one
		// byte that tells a longer stream. Pages the stream never
		// reaches are never touched, so a stream shorter than declared
		// costs what it holds.
		buf := make([]byte, n)
		if got, err := io.ReadFull(rc, buf); err != nil {
			if err == io.ErrUnexpectedEOF || err == io.EOF {
				return nil, fmt.Errorf("entry %s: deflated data ends after %d of the %d bytes declared", where, got, n)
			}
			return nil, fmt.Errorf("entry %s: %v", where, err)
		}
		// The end of the stream is where archive/zip checks the CRC-32.
		var extra [1]byte
		switch k, err := io.ReadAtLeast(rc, extra[:], 1); {
		case k > 0 || errors.Is(err, zip.ErrFormat):
			// archive/zip reports reading past the declared size as
			// ErrFormat.
			return nil, fmt.Errorf("entry %s: deflated data holds more than the %d bytes declared", where, n)
		case err != io.EOF:
			return nil, fmt.Errorf("entry %s: %v", where, err)
		}
		return buf, nil
	}
	return nil, fmt.Errorf("entry %s: unsupported zip compression method %d", where, f.Method)
}

// checkHeader validates the version and byteorder records.
func (a *zipArchive) checkHeader() error {
	vname := "version"
	if a.entry(vname) == nil {
		vname = ".data/version"
	}
	if f := a.entry(vname); f == nil || f.UncompressedSize64 > 64 {
		return errorf("zip archive has no valid %s record", printable(a.prefix+"/version"))
	}
	vb, err := a.read(vname)
	if err != nil {
		return errorf("%w", err)
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(vb)))
	if err != nil || v < 1 || v > 10 {
		return errorf("entry %s: unsupported format version %q", printable(a.prefix+"/"+vname), vb)
	}
	if f := a.entry("byteorder"); f != nil {
		if f.UncompressedSize64 > 16 {
			return errorf("entry %s is too large", printable(a.prefix+"/byteorder"))
		}
		b, err := a.read("byteorder")
		if err != nil {
			return errorf("%w", err)
		}
		if order := strings.TrimSpace(string(b)); order != "little" {
			return errorf("entry %s: %q byte order is not supported", printable(a.prefix+"/byteorder"), order)
		}
	}
	return nil
}

// loadZip loads a torch zip checkpoint.
func loadZip(r io.ReaderAt, size int64) (any, error) {
	a, err := openZip(r, size)
	if err != nil {
		return nil, err
	}
	if err := a.checkHeader(); err != nil {
		return nil, err
	}
	pkl, err := a.read("data.pkl")
	if err != nil {
		return nil, errorf("%w", err)
	}
	u := newUnpickler(newPickleInput(bytes.NewReader(pkl), int64(len(pkl))), "data.pkl")
	storages := make(map[string]*Storage)
	u.persistentLoad = func(pid []any) (any, error) {
		cls, key, location, numel, rest, err := parseStoragePID(pid)
		if err != nil {
			return nil, err
		}
		if len(rest) != 0 {
			return nil, fmt.Errorf("persistent id has %d fields, want 5", len(pid))
		}
		if st, ok := storages[key]; ok {
			if st.DType != cls.dtype || st.Numel() != numel {
				return nil, fmt.Errorf("storage %q is used as %d %v and as %d %v elements", key, st.Numel(), st.DType, numel, cls.dtype)
			}
			return st, nil
		}
		name := "data/" + key
		f := a.entry(name)
		if f == nil {
			return nil, fmt.Errorf("storage record %s is missing", printable(a.prefix+"/"+name))
		}
		want, _ := storageBytes(numel, cls.dtype)
		if f.UncompressedSize64 != uint64(want) {
			return nil, fmt.Errorf("storage record %s holds %d bytes, but its persistent id declares %d %v elements (%d bytes)", printable(f.Name), f.UncompressedSize64, numel, cls.dtype, want)
		}
		data, err := a.read(name)
		if err != nil {
			return nil, err
		}
		st := &Storage{DType: cls.dtype, Data: data, Device: location}
		storages[key] = st
		return st, nil
	}
	return u.load()
}
