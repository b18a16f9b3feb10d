package pt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// Legacy (pre-1.6, _use_new_zipfile_serialization=False) layout: five
// pickles in a row (magic number, protocol version, sys_info, data, storage
// keys), then for each key its storage as an int64 element count followed
// by the raw little-endian elements.

// legacyMagic is the encoding of torch's magic number 0x1950a86a20f9469cfc6c
// as a LONG1 operand.
var legacyMagic = []byte{0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// legacyProtocolVersion is the second pickle of a legacy file.
const legacyProtocolVersion = 1001

// legacyStorage is a storage declared by the data pickle of a legacy file.
type legacyStorage struct {
	key   string
	st    *Storage
	numel int64
	// For a view of another storage: its root key and element offset.
	root   string
	offset int64
}

// isLegacyTar reports whether the file is a tar archive, the layout of
// torch < 0.4.
func isLegacyTar(r io.ReaderAt, size int64) bool {
	var magic [5]byte
	return size > 262 && readFull(r, magic[:], 257) == nil && string(magic[:]) == "ustar"
}

func readFull(r io.ReaderAt, buf []byte, off int64) error {
	_, err := r.ReadAt(buf, off)
	return err
}

// loadLegacy loads a legacy torch.save file.
func loadLegacy(r io.ReaderAt, size int64) (any, error) {
	in := newPickleInput(bufio.NewReader(io.NewSectionReader(r, 0, size)), size)
	run := func(where string, configure func(*unpickler)) (any, error) {
		u := newUnpickler(in, where)
		if configure != nil {
			configure(u)
		}
		return u.load()
	}

	magic, err := run("legacy magic number", func(u *unpickler) { u.bigInts = true })
	if err != nil {
		return nil, err
	}
	if b, ok := magic.(bigInt); !ok || !bytes.Equal(b, legacyMagic) {
		return nil, errorf("not a torch file: bad legacy magic number")
	}
	proto, err := run("legacy protocol version", nil)
	if err != nil {
		return nil, err
	}
	if proto != int64(legacyProtocolVersion) {
		return nil, errorf("legacy protocol version %s is not supported", describeValue(proto))
	}
	sysInfo, err := run("legacy sys_info", nil)
	if err != nil {
		return nil, err
	}
	if d, ok := sysInfo.(*OrderedDict); !ok {
		return nil, errorf("legacy sys_info is a %s, not a dict", typeName(sysInfo))
	} else if le, _ := d.Get("little_endian"); le != true {
		return nil, errorf("legacy file written on a big-endian machine is not supported")
	}

	declared := make(map[string]*legacyStorage)
	var order []*legacyStorage
	numels := make(map[*Storage]int64)
	data, err := run("legacy data pickle", func(u *unpickler) {
		u.storageNumel = func(s *Storage) int64 { return numels[s] }
		u.persistentLoad = func(pid []any) (any, error) {
			return legacyPersistentLoad(pid, declared, &order, numels)
		}
	})
	if err != nil {
		return nil, err
	}
	keysVal, err := run("legacy storage keys", nil)
	if err != nil {
		return nil, err
	}
	keys, ok := keysVal.([]any)
	if !ok {
		return nil, errorf("legacy storage keys pickle is a %s, not a list", typeName(keysVal))
	}

	pos := in.pos
	filled := make(map[string]bool)
	for _, k := range keys {
		key, ok := k.(string)
		if !ok {
			return nil, errorf("legacy storage key is a %s, not a str", typeName(k))
		}
		ls := declared[key]
		if ls == nil || ls.root != "" {
			return nil, errorf("legacy storage key %q is not a storage of the data pickle", key)
		}
		if filled[key] {
			return nil, errorf("legacy storage key %q listed twice", key)
		}
		filled[key] = true
		var hdr [8]byte
		if err := readFull(r, hdr[:], pos); err != nil || size-pos < 8 {
			return nil, errorf("legacy storage %q at byte %d: %w", key, pos, ErrTruncated)
		}
		pos += 8
		n := int64(binary.LittleEndian.Uint64(hdr[:]))
		if n != ls.numel {
			return nil, errorf("legacy storage %q at byte %d: holds %d elements, its persistent id declares %d", key, pos-8, n, ls.numel)
		}
		nbytes, _ := storageBytes(n, ls.st.DType)
		if nbytes > size-pos {
			return nil, errorf("legacy storage %q at byte %d: %d bytes declared, %d left: %w", key, pos, nbytes, size-pos, ErrTruncated)
		}
		buf := make([]byte, nbytes)
		if nbytes > 0 {
			if err := readFull(r, buf, pos); err != nil {
				return nil, errorf("legacy storage %q at byte %d: %v", key, pos, err)
			}
		}
		pos += nbytes
		ls.st.Data = buf
	}
	for _, ls := range order {
		if ls.root == "" {
			if !filled[ls.key] {
				return nil, errorf("legacy storage %q has no data in the file", ls.key)
			}
			continue
		}
		root := declared[ls.root]
		if !filled[ls.root] {
			return nil, errorf("legacy storage %q has no data in the file", ls.root)
		}
		es := int64(ls.st.DType.ElementSize())
		ls.st.Data = root.st.Data[ls.offset*es : (ls.offset+ls.numel)*es : (ls.offset+ls.numel)*es]
	}
	return data, nil
}

// legacyPersistentLoad resolves ('storage', class, key, location, numel,
// view_metadata) where view_metadata is None or (view_key, offset,
// view_size).
func legacyPersistentLoad(pid []any, declared map[string]*legacyStorage, order *[]*legacyStorage, numels map[*Storage]int64) (any, error) {
	cls, key, location, numel, rest, err := parseStoragePID(pid)
	if err != nil {
		return nil, err
	}
	if len(rest) != 1 {
		return nil, fmt.Errorf("legacy persistent id has %d fields, want 6", len(pid))
	}
	root, ok := declared[key]
	if ok {
		if root.root != "" || root.st.DType != cls.dtype || root.numel != numel {
			return nil, fmt.Errorf("storage %q is declared twice with different types or sizes", key)
		}
	} else {
		root = &legacyStorage{key: key, st: &Storage{DType: cls.dtype, Device: location}, numel: numel}
		declared[key] = root
		*order = append(*order, root)
		numels[root.st] = numel
	}
	if rest[0] == nil {
		return root.st, nil
	}
	view, ok := rest[0].(*pyTuple)
	if !ok || len(view.items) != 3 {
		return nil, fmt.Errorf("legacy view metadata is a %s, not a 3-tuple", typeName(rest[0]))
	}
	viewKey, ok1 := view.items[0].(string)
	off, ok2 := view.items[1].(int64)
	vsize, ok3 := view.items[2].(int64)
	if !ok1 || !ok2 || !ok3 || off < 0 || vsize < 0 || off > numel || vsize > numel-off {
		parts := make([]string, len(view.items))
		for i, it := range view.items {
			parts[i] = describeValue(it)
		}
		return nil, fmt.Errorf("legacy storage view (%s) of storage %q (%d elements) is invalid", strings.Join(parts, ", "), key, numel)
	}
	if v, ok := declared[viewKey]; ok {
		if v.root != key || v.offset != off || v.numel != vsize {
			return nil, fmt.Errorf("legacy storage view %q is declared twice differently", viewKey)
		}
		return v.st, nil
	}
	v := &legacyStorage{key: viewKey, st: &Storage{DType: cls.dtype, Device: location}, numel: vsize, root: key, offset: off}
	declared[viewKey] = v
	*order = append(*order, v)
	numels[v.st] = vsize
	return v.st, nil
}
