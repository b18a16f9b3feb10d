package pt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/bits"
	"os"
	"sort"
	"unicode/utf8"
)

// maxSafetensorsHeader is the largest JSON header accepted, in bytes (the
// limit of the reference implementation).
const maxSafetensorsHeader = 100_000_000

// safetensorsMetadataKey is the header key holding free-form metadata.
const safetensorsMetadataKey = "__metadata__"

// safetensorsEntry is one tensor of a safetensors header.
type safetensorsEntry struct {
	DType       *string   `json:"dtype"`
	Shape       *[]int64  `json:"shape"`
	DataOffsets *[]uint64 `json:"data_offsets"`
}

// LoadSafetensors reads a safetensors file. It returns the tensors as an
// *OrderedDict from name (string) to *Tensor, in the order of their data in
// the file, and the header's __metadata__ (nil when absent). Each tensor is
// contiguous on its own CPU storage.
//
// The header must be valid JSON without duplicate names; dtypes must be
// one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL; each tensor's
// data_offsets [begin, end) (bytes, relative to the end of the header) must
// hold exactly numel*element-size bytes, and the tensors must cover the
// data section exactly, without gaps or overlaps.
func LoadSafetensors(path string) (*OrderedDict, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, errorf("%w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, errorf("%w", err)
	}
	return LoadSafetensorsReader(f, st.Size())
}

// LoadSafetensorsReader is LoadSafetensors for a file of size bytes read
// through r.
func LoadSafetensorsReader(r io.ReaderAt, size int64) (*OrderedDict, map[string]string, error) {
	var hdr [8]byte
	if size < 8 || readFull(r, hdr[:], 0) != nil {
		return nil, nil, errorf("safetensors: file of %d bytes is too short for a header: %w", size, ErrTruncated)
	}
	n := binary.LittleEndian.Uint64(hdr[:])
	if n > uint64(size-8) {
		return nil, nil, errorf("safetensors: header of %d bytes declared, file has %d bytes after the length: %w", n, size-8, ErrTruncated)
	}
	if n > maxSafetensorsHeader {
		return nil, nil, errorf("safetensors: header of %d bytes is larger than %d", n, maxSafetensorsHeader)
	}
	header := make([]byte, n)
	if err := readFull(r, header, 8); err != nil {
		return nil, nil, errorf("safetensors: reading header: %v", err)
	}
	names, entries, meta, err := parseSafetensorsHeader(header)
	if err != nil {
		return nil, nil, errorf("safetensors: header: %v", err)
	}
	dataStart := 8 + int64(n)
	dataLen := size - dataStart

	type span struct {
		name       string
		dtype      DType
		shape      []int64
		begin, end uint64
	}
	spans := make([]span, 0, len(names))
	for _, name := range names {
		e := entries[name]
		dt, ok := dtypeForSafetensors(*e.DType)
		if !ok {
			return nil, nil, errorf("safetensors: tensor %q: unsupported dtype %q", name, *e.DType)
		}
		shape := append([]int64{}, (*e.Shape)...)
		numel, err := numelOf(shape)
		if err != nil {
			return nil, nil, errorf("safetensors: tensor %q: %v", name, err)
		}
		offs := *e.DataOffsets
		if len(offs) != 2 || offs[0] > offs[1] {
			return nil, nil, errorf("safetensors: tensor %q: data_offsets %v are not [begin, end]", name, offs)
		}
		hi, want := bits.Mul64(uint64(numel), uint64(dt.ElementSize()))
		if hi != 0 || offs[1]-offs[0] != want {
			need := new(big.Int).Mul(big.NewInt(numel), big.NewInt(int64(dt.ElementSize())))
			return nil, nil, errorf("safetensors: tensor %q: shape %v of %v needs %s bytes, data_offsets %v give %d", name, shape, dt, need, offs, offs[1]-offs[0])
		}
		if offs[1] > uint64(dataLen) {
			return nil, nil, errorf("safetensors: tensor %q: data_offsets %v run past the %d-byte data section: %w", name, offs, dataLen, ErrTruncated)
		}
		spans = append(spans, span{name, dt, shape, offs[0], offs[1]})
	}
	sort.SliceStable(spans, func(i, j int) bool {
		if spans[i].begin != spans[j].begin {
			return spans[i].begin < spans[j].begin
		}
		return spans[i].end < spans[j].end
	})
	var pos uint64
	for _, s := range spans {
		if s.begin != pos {
			if s.begin < pos {
				return nil, nil, errorf("safetensors: tensor %q at bytes [%d, %d) overlaps the previous tensor", s.name, s.begin, s.end)
			}
			return nil, nil, errorf("safetensors: gap in the data section before tensor %q at byte %d", s.name, s.begin)
		}
		pos = s.end
	}
	if pos != uint64(dataLen) {
		return nil, nil, errorf("safetensors: tensors cover %d bytes of the %d-byte data section", pos, dataLen)
	}

	data := make([]byte, dataLen)
	if dataLen > 0 {
		if err := readFull(r, data, dataStart); err != nil {
			return nil, nil, errorf("safetensors: reading data: %v", err)
		}
	}
	out := NewDict()
	for _, s := range spans {
		t := &Tensor{
			Storage: &Storage{DType: s.dtype, Data: data[s.begin:s.end:s.end], Device: "cpu"},
			Shape:   s.shape,
			Stride:  ContiguousStrides(s.shape),
		}
		out.MustSet(s.name, t)
	}
	return out, meta, nil
}

// parseSafetensorsHeader decodes the JSON header, keeping the order of the
// names and refusing duplicates (of names, of an entry's fields and of
// __metadata__ keys) and text that is not UTF-8 (raw, or escaped as a lone
// surrogate), which encoding/json would silently accept.
func parseSafetensorsHeader(header []byte) ([]string, map[string]safetensorsEntry, map[string]string, error) {
	if err := checkJSONText(header); err != nil {
		return nil, nil, nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, nil, errors.New("not a JSON object")
	}
	var names []string
	entries := make(map[string]safetensorsEntry)
	var meta map[string]string
	seenMeta := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, nil, err
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, nil, errors.New("object key is not a string")
		}
		if name == safetensorsMetadataKey {
			if seenMeta {
				return nil, nil, nil, errors.New("duplicate __metadata__")
			}
			seenMeta = true
			if err := dec.Decode(&meta); err != nil {
				return nil, nil, nil, fmt.Errorf("__metadata__: %v", err)
			}
			continue
		}
		if _, dup := entries[name]; dup {
			return nil, nil, nil, fmt.Errorf("duplicate tensor name %q", name)
		}
		var e safetensorsEntry
		if err := dec.Decode(&e); err != nil {
			return nil, nil, nil, fmt.Errorf("tensor %q: %v", name, err)
		}
		if e.DType == nil || e.Shape == nil || e.DataOffsets == nil {
			return nil, nil, nil, fmt.Errorf("tensor %q: needs dtype, shape and data_offsets", name)
		}
		entries[name] = e
		names = append(names, name)
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, nil, nil, err
	}
	if rest := bytes.TrimRight(header[dec.InputOffset():], " \t\r\n"); len(rest) != 0 {
		return nil, nil, nil, errors.New("data after the JSON object")
	}
	return names, entries, meta, nil
}

// maxJSONDepth is the deepest nesting checkJSONText follows, as
// encoding/json's.
const maxJSONDepth = 10000

// checkJSONText checks what encoding/json would let through: it refuses
// text that is not UTF-8 or whose strings escape a lone UTF-16 surrogate
// (such as \udc80), both of which encoding/json silently decodes to
// U+FFFD, and objects with a key given twice, of which it keeps the last
// value; the reference implementation refuses all three. Other syntax
// errors are left to encoding/json. Offsets in errors are those of the
// file (the header starts at byte 8).
func checkJSONText(b []byte) error {
	if !utf8.Valid(b) {
		i := 0
		for {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return fmt.Errorf("not valid UTF-8 (byte %d is 0x%02x)", 8+i, b[i])
	}
	type level struct {
		object, wantKey bool
		keys            [][]byte        // the keys, while few
		set             map[string]bool // all keys, once many
		last            []byte          // the last key
	}
	var stack []level
	for i := 0; i < len(b); {
		switch b[i] {
		case '{', '[':
			if len(stack) >= maxJSONDepth {
				return nil // encoding/json reports it
			}
			if len(stack) < cap(stack) {
				stack = stack[:len(stack)+1]
				top := &stack[len(stack)-1]
				top.keys, top.set, top.last = top.keys[:0], nil, nil
				top.object, top.wantKey = b[i] == '{', b[i] == '{'
			} else {
				stack = append(stack, level{object: b[i] == '{', wantKey: b[i] == '{'})
			}
			i++
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			i++
		case ',':
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].wantKey = true
			}
			i++
		case '"':
			end, escaped, err := scanJSONString(b, i)
			if err != nil || end < 0 {
				return err
			}
			if len(stack) > 0 && stack[len(stack)-1].wantKey {
				top := &stack[len(stack)-1]
				top.wantKey = false
				key := b[i+1 : end-1]
				if escaped {
					var k string
					if json.Unmarshal(b[i:end], &k) != nil {
						return nil // encoding/json reports it
					}
					key = []byte(k)
				}
				dup := false
				if top.set != nil {
					dup = top.set[string(key)]
					top.set[string(key)] = true
				} else {
					for _, k := range top.keys {
						dup = dup || bytes.Equal(k, key)
					}
					top.keys = append(top.keys, key)
					if len(top.keys) > 16 {
						top.set = make(map[string]bool)
						for _, k := range top.keys {
							top.set[string(k)] = true
						}
					}
				}
				top.last = key
				switch {
				case !dup:
				case len(stack) == 1 && string(key) == safetensorsMetadataKey:
					return errors.New("duplicate __metadata__")
				case len(stack) == 1:
					return fmt.Errorf("duplicate tensor name %q", key)
				case len(stack) == 2 && string(stack[0].last) == safetensorsMetadataKey:
					return fmt.Errorf("__metadata__: duplicate field %q", key)
				case len(stack) == 2:
					return fmt.Errorf("tensor %q: duplicate field %q", stack[0].last, key)
				default:
					return fmt.Errorf("duplicate field %q at byte %d", key, 8+i)
				}
			}
			i = end
		default:
			i++
		}
	}
	return nil
}

// scanJSONString returns the offset after the string literal starting at
// b[i], whether it has escapes, and an error for an escaped lone
// surrogate; end is -1 for an unterminated string.
func scanJSONString(b []byte, i int) (end int, escaped bool, err error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			return j + 1, escaped, nil
		case '\\':
			escaped = true
			if j+1 >= len(b) || b[j+1] != 'u' {
				j++ // the escaped character
				continue
			}
			r, ok := hex4(b, j+2)
			switch {
			case !ok:
				return -1, escaped, nil // encoding/json reports it
			case r >= 0xd800 && r < 0xdc00:
				low, ok := hex4(b, j+8)
				if !ok || b[j+6] != '\\' || b[j+7] != 'u' || low < 0xdc00 || low >= 0xe000 {
					return 0, escaped, fmt.Errorf("lone surrogate escape \\u%04x at byte %d is not valid UTF-8", r, 8+j)
				}
				j += 11
			case r >= 0xdc00 && r < 0xe000:
				return 0, escaped, fmt.Errorf("lone surrogate escape \\u%04x at byte %d is not valid UTF-8", r, 8+j)
			default:
				j += 5
			}
		}
	}
	return -1, escaped, nil
}

// hex4 decodes the 4 hexadecimal digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// SaveSafetensors writes tensors (an *OrderedDict from string names to
// *Tensor) to path in the safetensors format, atomically like Save.
// metadata, which may be nil, becomes the header's __metadata__. See
// WriteSafetensors for the layout.
func SaveSafetensors(path string, tensors *OrderedDict, metadata map[string]string) error {
	return writeFileAtomic(path, func(w io.Writer) error { return WriteSafetensors(w, tensors, metadata) })
}

// WriteSafetensors writes tensors and metadata to w in the safetensors
// format. Every tensor is written contiguously on its own (storage sharing
// is not kept). Tensors are laid out by decreasing element size, keeping
// the given order within a size, so that every tensor's data is aligned to
// its element size; the header is padded with spaces to a multiple of 8
// bytes. complex64 and complex128 tensors cannot be written.
func WriteSafetensors(w io.Writer, tensors *OrderedDict, metadata map[string]string) error {
	if tensors == nil {
		return errorf("safetensors: nil tensors")
	}
	type item struct {
		name string
		t    *Tensor
	}
	items := make([]item, 0, tensors.Len())
	for i := 0; i < tensors.Len(); i++ {
		k, v := tensors.entry(i)
		name, ok := k.(string)
		if !ok {
			return errorf("safetensors: key %v is a %s, not a string", k, typeName(k))
		}
		if name == safetensorsMetadataKey {
			return errorf("safetensors: a tensor may not be named %s", safetensorsMetadataKey)
		}
		t, ok := v.(*Tensor)
		if !ok || t == nil {
			return errorf("safetensors: %q is a %s, not a tensor", name, typeName(v))
		}
		if err := t.Validate(); err != nil {
			return errorf("safetensors: tensor %q: %v", name, err)
		}
		if dtypeInfos[t.DType()].safetensors == "" {
			return errorf("safetensors: tensor %q: dtype %v has no safetensors equivalent", name, t.DType())
		}
		items = append(items, item{name, t})
	}
	sort.SliceStable(items, func(i, j int) bool {
		return items[i].t.DType().ElementSize() > items[j].t.DType().ElementSize()
	})

	var hdr bytes.Buffer
	hdr.WriteByte('{')
	if len(metadata) > 0 {
		b, err := json.Marshal(metadata) // map keys are sorted
		if err != nil {
			return errorf("safetensors: metadata: %v", err)
		}
		hdr.WriteString(`"__metadata__":`)
		hdr.Write(b)
	}
	var offset uint64
	for i, it := range items {
		if i > 0 || len(metadata) > 0 {
			hdr.WriteByte(',')
		}
		name, _ := json.Marshal(it.name)
		shape := it.t.Shape
		if shape == nil {
			shape = []int64{}
		}
		shapeJSON, _ := json.Marshal(shape)
		nbytes := uint64(it.t.Numel()) * uint64(it.t.DType().ElementSize())
		fmt.Fprintf(&hdr, `%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`,
			name, dtypeInfos[it.t.DType()].safetensors, shapeJSON, offset, offset+nbytes)
		offset += nbytes
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}
	if hdr.Len() > maxSafetensorsHeader {
		return errorf("safetensors: header of %d bytes is too large", hdr.Len())
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(hdr.Len()))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return errorf("safetensors: %w", err)
	}
	if _, err := w.Write(hdr.Bytes()); err != nil {
		return errorf("safetensors: %w", err)
	}
	for _, it := range items {
		if _, err := w.Write(it.t.Contiguous()); err != nil {
			return errorf("safetensors: writing %q: %w", it.name, err)
		}
	}
	return nil
}
