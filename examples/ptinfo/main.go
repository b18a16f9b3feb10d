// Command ptinfo lists the contents of a PyTorch checkpoint (.pt/.pth, zip
// or legacy layout) or a safetensors file without libtorch.
//
// Usage:
//
//	go run ./examples/ptinfo FILE [--json]
//
// It prints every tensor with its dotted key path, dtype (PyTorch's name),
// shape and the SHA-256 of its elements in row-major order as little-endian
// bytes (what tensor.contiguous().numpy().tobytes() gives in Python), then
// every non-tensor leaf with its value. With --json the same is printed as
//
//	{"tensors": [{"key": ..., "dtype": ..., "shape": [...], "sha256": ...}],
//	 "values": {"key": value}}
//
// with values encoded by pt.JSONValue; a safetensors file's __metadata__
// entries appear as values "__metadata__.NAME". A file that cannot be read
// gives exit status 1 and one line on stderr.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/torchgo/torchgo/torch/pt"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = "usage: ptinfo FILE [--json]"

// tensorInfo is one tensor of the report.
type tensorInfo struct {
	Key   string  `json:"key"`
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"`
	// SHA256 hashes the elements in row-major order; for a view with
	// far more elements than the storage it spans (an expanded tensor of
	// over 16 elements per stored one, past the first 2^20) it is empty and
	// StorageSHA256 hashes that span instead, which costs the file's bytes
	// rather than the view's logical size.
	SHA256        string  `json:"sha256"`
	Stride        []int64 `json:"stride,omitempty"`
	StorageSHA256 string  `json:"storage_sha256,omitempty"`
}

// report is what ptinfo prints.
type report struct {
	Format  string         `json:"-"`
	Tensors []tensorInfo   `json:"tensors"`
	Values  map[string]any `json:"values"`
	order   []string       // value keys in file order, for the text output
}

// run is the whole command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	var path string
	asJSON := false
	for _, a := range args {
		switch {
		case a == "--json" || a == "-json":
			asJSON = true
		case a == "-h" || a == "--help" || a == "-help":
			fmt.Fprintln(stdout, usage)
			return 0
		case strings.HasPrefix(a, "-") && a != "-":
			fmt.Fprintf(stderr, "ptinfo: unknown flag %s; %s\n", a, usage)
			return 2
		case path != "":
			fmt.Fprintf(stderr, "ptinfo: more than one file; %s\n", usage)
			return 2
		default:
			path = a
		}
	}
	if path == "" {
		fmt.Fprintln(stderr, "ptinfo: no file given; "+usage)
		return 2
	}
	rep, err := inspect(path)
	if err != nil {
		fmt.Fprintln(stderr, "ptinfo: "+oneLine(err.Error()))
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = writeText(stdout, path, rep)
	}
	if err != nil {
		fmt.Fprintln(stderr, "ptinfo: "+oneLine(err.Error()))
		return 1
	}
	return 0
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// inspect loads the file and describes its tensors and values.
func inspect(path string) (*report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, errors.New(path + " is a directory")
	}
	format := pt.DetectFormat(f, st.Size())
	var v any
	var meta map[string]string
	if format == pt.FormatSafetensors {
		var d *pt.OrderedDict
		d, meta, err = pt.LoadSafetensorsReader(f, st.Size())
		v = d
	} else {
		v, err = pt.LoadReader(f, st.Size())
	}
	if err != nil {
		return nil, err
	}
	tensors, values, err := pt.Flatten(v)
	if err != nil {
		return nil, err
	}
	rep := &report{Format: format.String(), Tensors: []tensorInfo{}, Values: map[string]any{}}
	for _, nt := range tensors {
		rep.Tensors = append(rep.Tensors, describe(nt))
	}
	for _, nv := range values {
		rep.Values[nv.Name] = pt.JSONValue(nv.Value)
		rep.order = append(rep.order, nv.Name)
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := "__metadata__." + k
		rep.Values[name] = meta[k]
		rep.order = append(rep.order, name)
	}
	return rep, nil
}

// describe hashes a tensor's elements, or the storage span of a heavily
// expanded view (never materialising much more than the file holds).
func describe(nt pt.NamedTensor) tensorInfo {
	t := nt.Tensor
	info := tensorInfo{Key: nt.Name, DType: t.DType().String(), Shape: t.Shape}
	if info.Shape == nil {
		info.Shape = []int64{}
	}
	first, end := t.Span()
	if t.Numel() <= 16*(end-first)+1<<20 {
		sum := sha256.Sum256(t.Contiguous())
		info.SHA256 = hex.EncodeToString(sum[:])
		return info
	}
	es := int64(t.DType().ElementSize())
	sum := sha256.Sum256(t.Storage.Data[first*es : end*es])
	info.Stride, info.StorageSHA256 = t.Stride, hex.EncodeToString(sum[:])
	return info
}

// writeText prints the report as aligned columns.
func writeText(w io.Writer, path string, rep *report) error {
	var elems int64
	for _, t := range rep.Tensors {
		n := int64(1)
		for _, s := range t.Shape {
			n *= s
		}
		elems += n
	}
	fmt.Fprintf(w, "%s: %s format, %d tensors (%d elements), %d values\n", path, rep.Format, len(rep.Tensors), elems, len(rep.Values))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(rep.Tensors) > 0 {
		fmt.Fprintln(tw, "\nTENSOR\tDTYPE\tSHAPE\tSHA256")
		for _, t := range rep.Tensors {
			sum := t.SHA256
			if sum == "" {
				sum = fmt.Sprintf("view (stride %v) of storage %s", t.Stride, t.StorageSHA256)
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", displayKey(t.Key), t.DType, t.Shape, sum)
		}
	}
	if len(rep.order) > 0 {
		fmt.Fprintln(tw, "\nVALUE\t\t\t")
		for _, k := range rep.order {
			b, err := json.Marshal(rep.Values[k])
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "%s\t%s\t\t\n", displayKey(k), b)
		}
	}
	return tw.Flush()
}

// displayKey names the top-level value, whose key path is empty.
func displayKey(k string) string {
	if k == "" {
		return "(top level)"
	}
	return k
}
