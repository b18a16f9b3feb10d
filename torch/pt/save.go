package pt

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// archiveName is the folder of every record in files written by Save.
const archiveName = "archive"

// recordAlignment is the alignment, in bytes within the file, of every
// record's payload, as torch.save writes it (so storages can be mapped).
// See zipwriter.go.
const recordAlignment = 64

// Save writes v to path in torch.save's zip layout, readable by
// torch.load(path, weights_only=True). See WriteTo for what v may hold.
//
// The file is replaced atomically: Save writes a temporary file in the same
// directory, syncs it, renames it over path and syncs the directory. On
// error the temporary file is removed and path is left untouched. The new
// file has mode 0644.
func Save(path string, v any) error {
	return writeFileAtomic(path, func(w io.Writer) error { return WriteTo(w, v) })
}

// WriteTo writes v to w in torch.save's zip layout: records
// archive/data.pkl (a protocol 2 pickle), archive/byteorder ("little"),
// archive/data/0..N-1 (one per distinct *Storage, whole, shared between the
// tensors that view it) and archive/version ("3\n"), stored uncompressed
// with each payload aligned to 64 bytes.
//
// v may hold the types of the data model (see the package documentation);
// Go int, int8..int32, uint8..uint32, float32, complex64 and
// map[string]any (written as a dict with sorted keys) are accepted too.
// Tensors keep their offset and strides. *OrderedDict is written as
// collections.OrderedDict (with its Attrs, such as _metadata), or as dict
// when Plain is set.
//
// torch 1.13's weights_only loader accepts only tensors, dicts, lists,
// tuples, str, int, bool, None and torch.Size: files holding floats,
// complex numbers, bytes, sets, devices or dtypes need torch 2.x or
// weights_only=False there.
//
// Nothing is written to w when v cannot be encoded.
func WriteTo(w io.Writer, v any) error {
	p := newPickler()
	if err := p.pickle(v); err != nil {
		return err
	}
	zw := newZipWriter(w)
	type record struct {
		name string
		data []byte
	}
	records := []record{{"data.pkl", p.buf.Bytes()}, {"byteorder", []byte("little")}}
	for i, st := range p.storages {
		records = append(records, record{"data/" + strconv.Itoa(i), st.Data})
	}
	records = append(records, record{"version", []byte("3\n")})
	for _, r := range records {
		if err := zw.add(archiveName+"/"+r.name, r.data); err != nil {
			return errorf("writing %s/%s: %w", archiveName, r.name, err)
		}
	}
	if err := zw.close(); err != nil {
		return errorf("writing zip directory: %w", err)
	}
	return nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// writeFileAtomic writes path through write into a temporary file in the
// same directory and renames it into place once it is synced.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return errorf("%w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return errorf("writing %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return errorf("%w", err)
	}
	if err = f.Sync(); err != nil {
		return errorf("syncing %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return errorf("closing %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return errorf("%w", err)
	}
	if err = syncDir(dir); err != nil {
		return fmt.Errorf("pt: %s was written but its directory could not be synced: %w", path, err)
	}
	return nil
}

// syncDir fsyncs a directory so that a rename in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
