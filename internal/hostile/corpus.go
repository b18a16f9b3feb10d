package hostile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// The defaults of torch/pt's limits that the floods are sized against, and
// the expected errors chosen by (torch/pt's corpus test checks that they
// are pt.DefaultMaxStack, pt.DefaultMaxMemo and pt.MaxNodes).
const (
	// StackLimit is pt.DefaultMaxStack.
	StackLimit = 1 << 20
	// MemoLimit is pt.DefaultMaxMemo.
	MemoLimit = 1 << 22
	// NodeLimit is pt.MaxNodes.
	NodeLimit = 1 << 24
)

// baseMiB is what a Go test process holds before loading anything, with a
// margin for the garbage collector.
const baseMiB = 32

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// inflateTime is a generous time to inflate n bytes on a slow machine.
func inflateTime(n int64) time.Duration {
	return 5*time.Second + time.Duration(float64(n)/(64<<20)*float64(time.Second))
}

// legacyMagic is torch's magic number 0x1950a86a20f9469cfc6c as the operand
// of LONG1.
var legacyMagic = []byte{0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// Corpus returns the cases of a scale. Their Data is generated on demand.
func Corpus(s Scale) []Case {
	var cs []Case
	add := func(c Case) {
		if c.MaxMiB == 0 {
			c.MaxMiB = baseMiB
		}
		if c.MaxTime == 0 {
			c.MaxTime = 5 * time.Second
		}
		cs = append(cs, c)
	}
	zipCases(s, add)
	pickleCases(s, add)
	cpuCases(s, add)
	legacyCases(s, add)
	safetensorsCases(s, add)
	return cs
}

// oneTensorPickle is {"w": tensor} over storage "0".
func oneTensorPickle(dtype string, numel, offset int64, shape, stride []int64) []byte {
	return newPickle(2).op(opEmptyDict, opMark).str("w").tensor("0", dtype, numel, offset, shape, stride).op(opSetItems).stop()
}

func zipCases(s Scale, add func(Case)) {
	// Zip bombs: deflated storage records. torch.save stores records
	// uncompressed, but a loader may accept deflated ones, bounded by the
	// sizes the pickle declares.
	n := s.pick(1<<20, 1<<28, 1<<30)
	add(Case{
		Name: "zip_bomb_storage", Kind: PT,
		What:  fmt.Sprintf("a uint8 storage of %d bytes declared by the pickle, deflated to about 1/1000 (valid)", n),
		Want:  Want{Type: "dict", Len: 1, Tensors: []Tensor{{Name: "w", DType: "uint8", Shape: []int64{n}, Zero: true}}},
		Holds: n, MaxMiB: baseMiB + 1.1*mib(n), MaxTime: inflateTime(n),
		Data: func() []byte {
			return torchZip(oneTensorPickle("uint8", n, 0, []int64{n}, []int64{1}), false, deflatedZeros("data/0", n))
		},
	})
	add(Case{
		Name: "zip_bomb_declared_larger", Kind: PT,
		What: "the pickle and the zip header declare n bytes, the deflated stream holds n/64 (then padding)",
		Err:  "deflated data ends after",
		// The record's buffer is allocated at its declared size, but only
		// the pages written are resident.
		MaxMiB: baseMiB + 1.1*mib(n/64), MaxTime: inflateTime(n / 64),
		Data: func() []byte {
			e := deflatedZeros("data/0", n/64)
			e.usize = uint64(n)
			e.data = append(e.data, make([]byte, n/1000)...)
			return torchZip(oneTensorPickle("uint8", n, 0, []int64{n}, []int64{1}), false, e)
		},
	})
	add(Case{
		Name: "zip_bomb_stream_longer", Kind: PT,
		What:   "the pickle and the zip header declare n bytes, the deflated stream holds 4n",
		Err:    "holds more than the",
		MaxMiB: baseMiB + 1.1*mib(n), MaxTime: inflateTime(n),
		Data: func() []byte {
			e := deflatedZeros("data/0", 4*n)
			e.usize = uint64(n)
			return torchZip(oneTensorPickle("uint8", n, 0, []int64{n}, []int64{1}), false, e)
		},
	})
	add(Case{
		Name: "zip_bomb_header_lies", Kind: PT,
		What: "the pickle declares 16 bytes, the zip header and the stream n",
		Err:  "but its persistent id declares 16 uint8 elements",
		Data: func() []byte {
			return torchZip(oneTensorPickle("uint8", 16, 0, []int64{16}, []int64{1}), false, deflatedZeros("data/0", n))
		},
	})
	add(Case{
		Name: "zip_bomb_implausible_ratio", Kind: PT,
		What: "a 1 GiB record declared with 8 bytes of deflated data",
		Err:  "implausible sizes",
		Data: func() []byte {
			e := deflatedZeros("data/0", 16)
			e.usize = 1 << 30
			return torchZip(oneTensorPickle("uint8", 1<<30, 0, []int64{1 << 30}, []int64{1}), false, e)
		},
	})
	m := s.pick(64<<10, 32<<20, 256<<20)
	add(Case{
		Name: "zip_overlapping_entries", Kind: PT,
		What: fmt.Sprintf("8 storage records of %d bytes whose central directory entries all point at one deflated blob", m),
		Err:  "overlap",
		Data: func() []byte {
			p := newPickle(2).op(opEmptyDict, opMark)
			for i := 0; i < 8; i++ {
				p.str(fmt.Sprint("w", i)).tensor(fmt.Sprint(i), "uint8", m, 0, []int64{m}, []int64{1})
			}
			recs := []zipEntry{deflatedZeros("data/0", m)}
			for i := 1; i < 8; i++ {
				recs = append(recs, zipEntry{name: fmt.Sprint("data/", i), alias: 0})
			}
			return torchZip(p.op(opSetItems).stop(), false, recs...)
		},
	})
	add(Case{
		Name: "zip_truncated", Kind: PT, What: "a valid checkpoint cut in half",
		Err:  "corrupt or truncated zip archive",
		Data: func() []byte { b := validZip(); return b[:len(b)/2] },
	})
	add(Case{
		Name: "zip_valid", Kind: PT, What: "a valid checkpoint: two tensors sharing a storage, nested values",
		Want: validZipWant(), Holds: 64,
		Data: validZip,
	})
	add(Case{
		Name: "zip_bad_crc_stored", Kind: PT, What: "a stored storage record with a wrong CRC-32",
		Err: "CRC-32 mismatch",
		Data: func() []byte {
			e := stored("data/0", make([]byte, 64))
			e.crc ^= 1
			return torchZip(oneTensorPickle("float32", 16, 0, []int64{16}, []int64{1}), false, e)
		},
	})
	add(Case{
		Name: "zip_bad_crc_deflated", Kind: PT, What: "a deflated storage record with a wrong CRC-32",
		Err: "checksum",
		Data: func() []byte {
			e := deflated("data/0", bytes.Repeat([]byte{1}, 64))
			e.crc ^= 1
			return torchZip(oneTensorPickle("float32", 16, 0, []int64{16}, []int64{1}), false, e)
		},
	})
	add(Case{
		Name: "zip_bad_method", Kind: PT, What: "a storage record compressed with method 12 (bzip2)",
		Err: "unsupported zip compression method 12",
		Data: func() []byte {
			e := stored("data/0", make([]byte, 64))
			e.method = 12
			return torchZip(oneTensorPickle("float32", 16, 0, []int64{16}, []int64{1}), false, e)
		},
	})
	add(Case{
		Name: "zip_storage_short", Kind: PT, What: "the pickle declares 1000 float32 elements, the record holds 40 bytes",
		Err: "holds 40 bytes, but its persistent id declares 1000 float32 elements",
		Data: func() []byte {
			return torchZip(oneTensorPickle("float32", 1000, 0, []int64{1000}, []int64{1}), false, stored("data/0", make([]byte, 40)))
		},
	})
	add(Case{
		Name: "zip_storage_missing", Kind: PT, What: "a storage whose record is absent",
		Err: "storage record archive/data/0 is missing",
		Data: func() []byte {
			return torchZip(oneTensorPickle("float32", 4, 0, []int64{4}, []int64{1}), false)
		},
	})
	add(Case{
		Name: "zip_huge_shape", Kind: PT, What: "a [2^40] float32 view of a 4-element storage",
		Err: "needs 1099511627776 storage elements, storage has 4",
		Data: func() []byte {
			return torchZip(oneTensorPickle("float32", 4, 0, []int64{1 << 40}, []int64{1}), false, stored("data/0", make([]byte, 16)))
		},
	})
	add(Case{
		Name: "zip_shape_overflow", Kind: PT, What: "a [2^62, 4] view: its element count overflows int64",
		Err: "more than 2^63 elements",
		Data: func() []byte {
			return torchZip(oneTensorPickle("float32", 4, 0, []int64{1 << 62, 4}, []int64{4, 1}), false, stored("data/0", make([]byte, 16)))
		},
	})
	add(Case{
		Name: "zip_stride_overflow", Kind: PT, What: "a [2, 2] view with stride 2^62: its extent overflows int64",
		Err: "overflows int64",
		Data: func() []byte {
			return torchZip(oneTensorPickle("float32", 4, 0, []int64{2, 2}, []int64{1 << 62, 1 << 62}), false, stored("data/0", make([]byte, 16)))
		},
	})
	add(Case{
		Name: "zip_huge_numel", Kind: PT, What: "a storage of 2^61 float64 elements (2^64 bytes)",
		Err: "is too large",
		Data: func() []byte {
			return torchZip(oneTensorPickle("float64", 1<<61, 0, []int64{1}, []int64{1}), false, stored("data/0", make([]byte, 8)))
		},
	})
	add(Case{
		Name: "zip_two_dtypes", Kind: PT, What: "one storage key used as float32 and as int32",
		Err: "is used as",
		Data: func() []byte {
			p := newPickle(2).op(opEmptyDict, opMark).str("a").tensor("0", "float32", 4, 0, []int64{4}, []int64{1})
			p.str("b").tensor("0", "int32", 4, 0, []int64{4}, []int64{1}).op(opSetItems)
			return torchZip(p.stop(), false, stored("data/0", make([]byte, 16)))
		},
	})
	add(Case{
		Name: "zip_no_version", Kind: PT, What: "an archive without its version record",
		Err: "no valid archive/version record",
		Data: func() []byte {
			return buildZip([]zipEntry{stored("archive/data.pkl", newPickle(2).op(opNone).stop())})
		},
	})
}

// validZip is {"a": tensor [2, 2], "b": view [2] at offset 2 of the same
// storage, "n": [1, 2.5, "x", (None, True)]}.
func validZip() []byte {
	data := make([]byte, 64)
	for i := range data {
		data[i] = byte(i)
	}
	p := newPickle(2).op(opEmptyDict, opMark)
	p.str("a").tensor("0", "float32", 16, 0, []int64{2, 2}, []int64{2, 1})
	p.str("b").tensor("0", "float32", 16, 2, []int64{2}, []int64{1})
	p.str("n").op(opMark).int(1).op('G', 0x40, 0x04, 0, 0, 0, 0, 0, 0).str("x").op(opNone, 0x88, opTuple2, opList)
	p.op(opSetItems)
	return torchZip(p.stop(), false, stored("data/0", data))
}

func validZipWant() Want {
	sum := func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }
	data := make([]byte, 64)
	for i := range data {
		data[i] = byte(i)
	}
	return Want{Type: "dict", Len: 3, Tensors: []Tensor{
		{Name: "a", DType: "float32", Shape: []int64{2, 2}, SHA256: sum(data[:16])},
		{Name: "b", DType: "float32", Shape: []int64{2}, SHA256: sum(data[8:16])},
	}}
}

// pickleCases are floods and malformed pickles, both as the data.pkl of a
// zip archive (deflated, so that a small file carries a large pickle) and,
// for some, as plain pickles.
func pickleCases(s Scale, add func(Case)) {
	inZip := func(pkl func() []byte) func() []byte {
		return func() []byte { return torchZip(pkl(), true) }
	}
	flood := func(name, what string, kind Kind, items int64, limit int64, errIfOver string, body func(n int64) []byte, perItemMiB float64) {
		c := Case{Name: name, Kind: kind, What: what}
		if items > limit {
			c.Err = errIfOver
		} else {
			c.Want = Want{Type: "NoneType"}
		}
		lim := items
		if lim > limit {
			lim = limit
		}
		// The pickle itself is held in memory, plus what the VM keeps of
		// it until its limit.
		c.MaxMiB = baseMiB + 1.1*mib(items) + perItemMiB*float64(lim)
		c.MaxTime = 5*time.Second + time.Duration(items)*40*time.Nanosecond
		pkl := func() []byte { return body(items) }
		if kind == PT {
			c.Data = func() []byte { return torchZip(pkl(), true) }
		} else {
			c.Data = pkl
		}
		add(c)
	}
	stack := func(n int64) []byte {
		return newPickle(2).repeat([]byte{opNone}, int(n)).stop()
	}
	memo := func(n int64) []byte {
		return newPickle(4).op(opNone).repeat([]byte{opMemoize}, int(n)).stop()
	}
	marks := func(n int64) []byte {
		return newPickle(2).repeat([]byte{opMark}, int(n)).op(opNone).stop()
	}
	const slot = 16.0 / (1 << 20) // an interface value, in MiB
	flood("zip_stack_flood", "PROTO 2 and 64 Mi NONE (None left on the stack) in a deflated data.pkl", PT,
		s.pick(4096, 16<<20, 64<<20), StackLimit, "Limits.MaxStack", stack, 3*slot)
	flood("zip_memo_flood", "NONE and 16 Mi MEMOIZE in a deflated data.pkl", PT,
		s.pick(4096, MemoLimit+1<<20, 16<<20), MemoLimit, "Limits.MaxMemo", memo, 2*slot)
	flood("zip_marks_flood", "64 Mi MARK in a deflated data.pkl", PT,
		s.pick(4096, 16<<20, 64<<20), StackLimit, "Limits.MaxStack", marks, 3*slot)
	flood("pkl_stack_flood", "PROTO 2 and NONE repeated (None left on the stack)", Pickle,
		s.pick(4096, 2<<20, 64<<20), StackLimit, "Limits.MaxStack", stack, 3*slot)
	flood("pkl_memo_flood", "NONE and MEMOIZE repeated", Pickle,
		s.pick(4096, MemoLimit+1<<20, 16<<20), MemoLimit, "Limits.MaxMemo", memo, 2*slot)

	add(Case{
		Name: "zip_memo_sparse_index", Kind: PT, What: "LONG_BINPUT at memo index 2^32-1",
		Err:  "Limits.MaxMemo",
		Data: inZip(func() []byte { return newPickle(2).op(opNone, opLongBinPut, 0xff, 0xff, 0xff, 0xff).stop() }),
	})
	nodes := s.pick(1000, 1<<20, 1<<25)
	nodeCase := Case{
		Name: "zip_nodes_flood", Kind: PT, What: fmt.Sprintf("a list of %d empty lists (EMPTY_LIST APPEND repeated)", nodes),
		MaxMiB: baseMiB + mib(2*nodes) + 160*mib(min(nodes, NodeLimit)), MaxTime: 5*time.Second + time.Duration(nodes)*200*time.Nanosecond,
		Data: inZip(func() []byte {
			return newPickle(2).op(opEmptyList).repeat([]byte{opEmptyList, opAppend}, int(nodes)).stop()
		}),
	}
	if 2*nodes+1 > NodeLimit {
		nodeCase.Err = "Limits.MaxNodes"
	} else {
		nodeCase.Want = Want{Type: "list", Len: int(nodes)}
	}
	add(nodeCase)
	depth := s.pick(2000, 1<<19, 1<<22)
	deepErr := "nested deeper than"
	if depth > StackLimit {
		deepErr = "Limits.MaxStack" // the lists are all on the stack first
	}
	add(Case{
		Name: "zip_deep_lists", Kind: PT, What: fmt.Sprintf("lists nested %d deep", depth),
		Err:    deepErr,
		MaxMiB: baseMiB + mib(2*depth) + 160*mib(depth), MaxTime: 5*time.Second + time.Duration(depth)*400*time.Nanosecond,
		Data: inZip(func() []byte {
			return newPickle(2).repeat([]byte{opEmptyList}, int(depth)).repeat([]byte{opAppend}, int(depth-1)).stop()
		}),
	})
	add(Case{
		Name: "zip_cyclic_memo", Kind: PT, What: "a list appended to itself through the memo",
		Err:  "cyclic reference",
		Data: inZip(func() []byte { return newPickle(2).op(opEmptyList, opBinPut, 0, opBinGet, 0, opAppend).stop() }),
	})
	add(Case{
		Name: "zip_cyclic_dict", Kind: PT, What: "a dict holding itself through the memo",
		Err: "cyclic reference",
		Data: inZip(func() []byte {
			return newPickle(2).op(opEmptyDict, opBinPut, 0).str("self").op(opBinGet, 0, opSetItem).stop()
		}),
	})
	laughs := func() *pickle {
		p := newPickle(2).op(opEmptyList, opBinPut, 0, opPop)
		for i := 0; i < 60; i++ {
			p.op(opMark, opBinGet, 0, opBinGet, 0, opList, opBinPut, 0, opPop)
		}
		return p
	}
	add(Case{
		Name: "zip_billion_laughs", Kind: PT, What: "60 levels of lists holding the previous level twice (2^60 leaves)",
		Err:  "more than",
		Data: inZip(func() []byte { return laughs().op(opBinGet, 0).stop() }),
	})
	add(Case{
		Name: "zip_huge_string", Kind: PT, What: "BINUNICODE8 declaring 2^62 bytes",
		Err:  "bytes declared",
		Data: inZip(func() []byte { return newPickle(4).op(opBinUnicode8, 0, 0, 0, 0, 0, 0, 0, 0x40, 'x').stop() }),
	})
	add(Case{
		Name: "zip_invalid_utf8_key", Kind: PT, What: "a dict key that is not UTF-8 (torch.load: UnicodeDecodeError)",
		Err:  "not valid UTF-8",
		Data: inZip(func() []byte { return newPickle(2).op(opEmptyDict).str("\xff\xfe").op(opNone, opSetItem).stop() }),
	})
	add(Case{
		Name: "zip_forbidden_global", Kind: PT, What: "os.system('true')",
		Err:  `forbidden global "os.system"`,
		Data: inZip(func() []byte { return newPickle(2).global("os", "system").str("true").op(opTuple1, opReduce).stop() }),
	})
	add(Case{
		Name: "pkl_forbidden_global", Kind: Pickle, What: "os.system('true')",
		Err:  `forbidden global "os.system"`,
		Data: func() []byte { return newPickle(2).global("os", "system").str("true").op(opTuple1, opReduce).stop() },
	})
	add(Case{
		Name: "pkl_numpy_refused", Kind: Pickle, What: "numpy.core.multiarray._reconstruct, not allowed without a caller's globals",
		Err: `forbidden global "numpy.core.multiarray._reconstruct"`,
		Data: func() []byte {
			return newPickle(2).global("numpy.core.multiarray", "_reconstruct").global("numpy", "ndarray").int(0).op(opTuple1).op(opShortBinBytes, 1, 'b', opTuple3, opReduce).stop()
		},
	})
	add(Case{
		Name: "pkl_invalid_utf8", Kind: Pickle, What: "a BINUNICODE string that is not UTF-8",
		Err:  "not valid UTF-8",
		Data: func() []byte { return newPickle(2).str("a\xc3(").stop() },
	})
	add(Case{
		Name: "pkl_py2_str_not_ascii", Kind: Pickle, What: "a Python 2 str with a byte above 127 (pickle.load's default encoding is ASCII)",
		Err:  "ASCII",
		Data: func() []byte { return newPickle(2).op(opShortBinString, 1, 0xe9).stop() },
	})
	add(Case{
		Name: "pkl_valid", Kind: Pickle, What: "a dict of bytes, list and str values, as a plain Python pickle",
		Want: Want{Type: "dict", Len: 3},
		Data: func() []byte {
			p := newPickle(3).op(opEmptyDict, opMark)
			p.op(opShortBinBytes, 4).op([]byte("data")...).op(opShortBinBytes, 3, 1, 2, 3)
			p.str("labels").op(opEmptyList, opMark).int(1).int(2).int(300).op(opAppends)
			p.str("names").op(opMark).str("a").str("é").op(opList)
			return p.op(opSetItems).stop()
		},
	})
	// A pickle whose callables copy one shared argument again and again.
	big := s.pick(100, 100_000, 100_000)
	reps := s.pick(2, 2000, 2000)
	add(Case{
		Name: "zip_frozenset_amplify", Kind: PT, What: fmt.Sprintf("frozenset(L) of a shared %d-item list, %d times", big, reps),
		// The work limit stops it after about 10^6 set insertions.
		Err: "Limits.MaxWork", MaxMiB: baseMiB + 80, MaxTime: 5 * time.Second,
		Data: inZip(func() []byte {
			p := newPickle(2).global("builtins", "frozenset").put(0).op(opPop)
			p.op(opEmptyList, opBinPut, 1, opMark)
			for i := int64(0); i < big; i++ {
				p.int(i)
			}
			p.op(opAppends, opPop, opEmptyList)
			for i := int64(0); i < reps; i++ {
				p.op(opBinGet, 0, opBinGet, 1, opTuple1, opReduce, opAppend)
			}
			return p.stop()
		}),
	})
	add(Case{
		Name: "zip_build_amplify", Kind: PT, What: fmt.Sprintf("BUILD of an OrderedDict with a shared %d-entry state, %d times", big/2, reps),
		Err: "Limits.MaxWork", MaxMiB: baseMiB + 64, MaxTime: 5 * time.Second,
		Data: inZip(func() []byte {
			p := newPickle(2).op(opEmptyDict, opBinPut, 0, opMark)
			for i := int64(0); i < big/2; i++ {
				p.str(fmt.Sprint("k", i)).op(opNone)
			}
			p.op(opSetItems, opPop)
			p.global("collections", "OrderedDict").op(opEmptyTuple, opReduce)
			for i := int64(0); i < reps; i++ {
				p.op(opBinGet, 0, opBuild)
			}
			return p.stop()
		}),
	})
}

// cpuCases are pickles whose dict keys cost a naive loader time out of all
// proportion to their size.
func cpuCases(s Scale, add func(Case)) {
	// frozenset keys: a chain of 60 frozensets over a 1 KiB string, and
	// keys frozenset({chain, j}). Python caches the hash of a frozenset.
	nkeys := s.pick(200, 2000, 2000)
	frozen := func() []byte {
		p := newPickle(4).op(opEmptyDict, opBinPut, 0, opPop)
		p.str(strings.Repeat("s", int(s.pick(1024, 60000, 60000)))).put(1).op(opPop)
		prev := uint32(1)
		for i := int64(0); i < 60; i++ {
			p.op(opMark).get(prev).op(opFrozenSet).put(2 + uint32(i)).op(opPop)
			prev = 2 + uint32(i)
		}
		p.get(0)
		for j := int64(0); j < nkeys; j += 1000 {
			p.op(opMark)
			for k := j; k < j+1000 && k < nkeys; k++ {
				p.op(opMark).get(prev).int(k).op(opFrozenSet, opNone)
			}
			p.op(opSetItems)
		}
		return p.stop()
	}
	add(Case{
		Name: "zip_frozenset_keys", Kind: PT, What: fmt.Sprintf("%d dict keys frozenset({f60, j}), f60 a chain of 60 nested frozensets over a long str", nkeys),
		Want: Want{Type: "dict", Len: int(nkeys)}, MaxTime: 5 * time.Second,
		Data: func() []byte { return torchZip(frozen(), false) },
	})
	add(Case{
		Name: "pkl_frozenset_keys", Kind: Pickle, What: "zip_frozenset_keys as a plain pickle",
		Want: Want{Type: "dict", Len: int(nkeys)}, MaxTime: 5 * time.Second,
		Data: frozen,
	})

	// torch.Size keys: (size, j) for a shared torch.Size of many dims.
	dims := s.pick(100, 30000, 30000)
	skeys := s.pick(100, 30000, 30000)
	sizeKeys := func(keys int64, sameKey bool) []byte {
		p := newPickle(2).global("torch", "Size").op(opMark)
		for i := int64(0); i < dims; i++ {
			p.int(1)
		}
		p.op(opTuple, opTuple1, opReduce).put(0).op(opPop)
		p.op(opEmptyDict)
		for j := int64(0); j < keys; j += 1000 {
			p.op(opMark)
			for k := j; k < j+1000 && k < keys; k++ {
				if sameKey {
					p.op(opBinGet, 0, opBinInt1, 0)
				} else {
					p.op(opBinGet, 0).int(k)
				}
				p.op(opTuple2, opNone)
			}
			p.op(opSetItems)
		}
		return p.stop()
	}
	sizeCase := Case{
		Name: "zip_size_keys", Kind: PT, What: fmt.Sprintf("%d dict keys (size, j) for one torch.Size of %d dims", skeys, dims),
		MaxTime: 5 * time.Second,
		Data:    func() []byte { return torchZip(sizeKeys(skeys, false), false) },
	}
	if skeys*dims > 2*dims+3*skeys+65536 {
		// Every key holds the torch.Size: as a tree, the dict has
		// keys*dims values.
		sizeCase.Err = "value tree has more than"
	} else {
		sizeCase.Want = Want{Type: "dict", Len: int(skeys)}
	}
	add(sizeCase)
	same := s.pick(1000, 1<<20, 4<<20) // 24 MiB of pickle at full scale
	add(Case{
		Name: "zip_size_keys_deflated", Kind: PT, What: fmt.Sprintf("the key (size, 0) set %d times, torch.Size of %d dims, deflated data.pkl", same, dims),
		Want: Want{Type: "dict", Len: 1}, MaxMiB: baseMiB + mib(8*same), MaxTime: 5*time.Second + time.Duration(same)*500*time.Nanosecond,
		Data: func() []byte { return torchZip(sizeKeys(same, true), true) },
	})

	// A long string set as a dict key over and over: every insertion hashes
	// it again.
	strLen := s.pick(1024, 1<<20, 1<<20)
	sets := s.pick(10, 100_000, 100_000)
	strKey := Case{
		Name: "zip_long_string_key", Kind: PT, What: fmt.Sprintf("a %d-byte str set as a dict key %d times", strLen, sets),
		MaxTime: 5 * time.Second, MaxMiB: baseMiB + 4*mib(strLen),
		Data: func() []byte {
			p := newPickle(2).str(strings.Repeat("k", int(strLen))).put(0).op(opPop, opEmptyDict)
			for j := int64(0); j < sets; j += 1000 {
				p.op(opMark)
				for k := j; k < j+1000 && k < sets; k++ {
					p.op(opBinGet, 0, opNone)
				}
				p.op(opSetItems)
			}
			return torchZip(p.stop(), true)
		},
	}
	if s == Seed {
		strKey.Want = Want{Type: "dict", Len: 1}
	} else {
		strKey.Err = "Limits.MaxWork"
	}
	add(strKey)

	// Tuples nested as deep as keys may be, each made a key once.
	add(Case{
		Name: "zip_deep_tuple_keys", Kind: PT, What: "a chain of 10000 nested 1-tuples, each used as a dict key",
		Err: "nested deeper than",
		Data: func() []byte {
			p := newPickle(2).op(opEmptyDict, opBinPut, 0, opPop, opEmptyTuple)
			for i := 0; i < 10000; i++ {
				// t = (t,); d[t] = None, keeping t on the stack.
				p.op(opTuple1, opBinPut, 1, opBinGet, 0, opBinGet, 1, opNone, opSetItem, opPop)
			}
			p.op(opPop, opBinGet, 0)
			return torchZip(p.stop(), false)
		},
	})
	add(Case{
		Name: "zip_nested_key_ok", Kind: PT, What: "a key nested 60 deep (tuples and frozensets), valid",
		Want: Want{Type: "dict", Len: 2},
		Data: func() []byte {
			p := newPickle(4).op(opEmptyDict, opMark).op(opEmptyTuple)
			for i := 0; i < 30; i++ {
				p.op(opTuple1, opMark, opBinInt1, 1, opFrozenSet, opTuple2)
			}
			p.op(opNone).op(opMark, opBinInt1, 2, opBinInt1, 1, opFrozenSet).op(opNone)
			return torchZip(p.op(opSetItems).stop(), false)
		},
	})
}

// legacyFile lays out a legacy torch.save file: magic number, protocol
// version, sys_info, the data pickle, the storage keys and the storages.
func legacyFile(data []byte, keys []string, storages ...[]byte) []byte {
	var out []byte
	out = append(out, newPickle(2).op(opLong1, 10).op(legacyMagic...).stop()...)
	out = append(out, newPickle(2).int(1001).stop()...)
	sys := newPickle(2).op(opEmptyDict, opMark).str("protocol_version").int(1001).str("little_endian").op(0x88)
	sys.str("type_sizes").op(opEmptyDict, opMark).str("short").int(2).str("int").int(4).str("long").int(4).op(opSetItems)
	out = append(out, sys.op(opSetItems).stop()...)
	out = append(out, data...)
	kp := newPickle(2).op(opMark)
	for _, k := range keys {
		kp.str(k)
	}
	out = append(out, kp.op(opList).stop()...)
	for _, st := range storages {
		out = append(out, st...)
	}
	return out
}

// legacyTensor is {"w": tensor} in a legacy data pickle.
func legacyTensor(dtype string, numel int64, shape []int64) []byte {
	p := newPickle(2).op(opEmptyDict, opMark).str("w")
	p.global("torch._utils", "_rebuild_tensor_v2").op(opMark)
	p.op(opMark).str("storage").global("torch", storageClasses[dtype]).str("0").str("cpu").int(numel).op(opNone, opTuple, opBinPersID)
	p.int(0).intTuple(shape...).intTuple(contiguous(shape)...).op(opNewFalse)
	p.global("collections", "OrderedDict").op(opEmptyTuple, opReduce, opTuple, opReduce)
	return p.op(opSetItems).stop()
}

func legacyCases(s Scale, add func(Case)) {
	elems := make([]byte, 8, 8+16)
	binary.LittleEndian.PutUint64(elems, 4)
	for i := 0; i < 16; i++ {
		elems = append(elems, byte(i))
	}
	sum := sha256.Sum256(elems[8:])
	add(Case{
		Name: "legacy_valid", Kind: PT, What: "a valid legacy file: one float32 tensor of 4 elements",
		Want:  Want{Type: "dict", Len: 1, Tensors: []Tensor{{Name: "w", DType: "float32", Shape: []int64{4}, SHA256: hex.EncodeToString(sum[:])}}},
		Holds: 16,
		Data:  func() []byte { return legacyFile(legacyTensor("float32", 4, []int64{4}), []string{"0"}, elems) },
	})
	add(Case{
		Name: "legacy_truncated_storage", Kind: PT, What: "a legacy storage of 2^40 float32 elements in a small file",
		Err: "bytes declared",
		Data: func() []byte {
			hdr := binary.LittleEndian.AppendUint64(nil, 1<<40)
			return legacyFile(legacyTensor("float32", 1<<40, []int64{4}), []string{"0"}, append(hdr, make([]byte, 16)...))
		},
	})
	add(Case{
		Name: "legacy_storage_count_mismatch", Kind: PT, What: "a legacy storage whose element count differs from its persistent id",
		Err: "holds 5 elements, its persistent id declares 4",
		Data: func() []byte {
			hdr := binary.LittleEndian.AppendUint64(nil, 5)
			return legacyFile(legacyTensor("float32", 4, []int64{4}), []string{"0"}, append(hdr, make([]byte, 20)...))
		},
	})
	n := s.pick(4096, 2<<20, 64<<20)
	c := Case{
		Name: "legacy_stack_flood", Kind: PT, What: "a legacy file whose protocol-version pickle pushes NONE repeatedly",
		MaxMiB: baseMiB + 48*mib(min(n, StackLimit)), MaxTime: 5*time.Second + time.Duration(n)*40*time.Nanosecond,
		Data: func() []byte {
			out := newPickle(2).op(opLong1, 10).op(legacyMagic...).stop()
			return append(out, newPickle(2).repeat([]byte{opNone}, int(n)).stop()...)
		},
	}
	if n > StackLimit {
		c.Err = "Limits.MaxStack"
	} else {
		c.Err = "legacy protocol version <nil> is not supported"
	}
	add(c)
}

// stFile is a safetensors file with a raw header, padded with spaces to pad
// bytes when pad is larger.
func stFile(header string, pad int, data []byte) []byte {
	if len(header) < pad {
		header += strings.Repeat(" ", pad-len(header))
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

func safetensorsCases(s Scale, add func(Case)) {
	four := []byte{0, 0, 0x80, 0x3f} // 1.0 as float32
	sum := sha256.Sum256(four)
	one := Want{Type: "dict", Len: 1, Tensors: []Tensor{{Name: "w", DType: "float32", Shape: []int64{1}, SHA256: hex.EncodeToString(sum[:])}}}
	hdr := `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`
	for _, n := range []int{128, 384} {
		add(Case{
			Name: fmt.Sprintf("st_header_%d", n), Kind: Safetensors,
			What: fmt.Sprintf("a valid file whose %d-byte header length starts with the byte 0x80 (a pickle's PROTO)", n),
			Want: one, Holds: 4,
			Data: func() []byte { return stFile(hdr, n, four) },
		})
	}
	add(Case{
		Name: "st_non_utf8_name", Kind: Safetensors, What: "a tensor name that is not UTF-8",
		Err: "not valid UTF-8",
		Data: func() []byte {
			return stFile("{\"w\xff\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 0, four)
		},
	})
	add(Case{
		Name: "st_surrogate_name", Kind: Safetensors, What: `a tensor name with a lone surrogate escape \udc80`,
		Err:  "surrogate",
		Data: func() []byte { return stFile(`{"w\udc80":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 0, four) },
	})
	add(Case{
		Name: "st_duplicate_field", Kind: Safetensors, What: "a tensor entry with dtype given twice",
		Err: `duplicate field "dtype"`,
		Data: func() []byte {
			return stFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"dtype":"I32"}}`, 0, four)
		},
	})
	add(Case{
		Name: "st_duplicate_metadata", Kind: Safetensors, What: "a __metadata__ key given twice",
		Err: `__metadata__: duplicate field "k"`,
		Data: func() []byte {
			return stFile(`{"__metadata__":{"k":"a","k":"b"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 0, four)
		},
	})
	add(Case{
		Name: "st_duplicate_name", Kind: Safetensors, What: "a tensor name given twice",
		Err: `duplicate tensor name "w"`,
		Data: func() []byte {
			return stFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 0, four)
		},
	})
	add(Case{
		Name: "st_shape_overflow", Kind: Safetensors, What: "shape [2^62] of F32: 2^64 bytes",
		Err: "needs 18446744073709551616 bytes, data_offsets [0 0] give 0",
		Data: func() []byte {
			return stFile(`{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}`, 0, nil)
		},
	})
	add(Case{
		Name: "st_huge_header", Kind: Safetensors, What: "a header length of 2^40",
		Err:  "header of 1099511627776 bytes declared",
		Data: func() []byte { return append(binary.LittleEndian.AppendUint64(nil, 1<<40), "{}"...) },
	})
	depth := int(s.pick(100, 100_000, 1_000_000))
	add(Case{
		Name: "st_deep_json", Kind: Safetensors, What: fmt.Sprintf("a __metadata__ value nested %d deep", depth),
		Err: "__metadata__", MaxMiB: baseMiB + 64,
		Data: func() []byte {
			return stFile(`{"__metadata__":`+strings.Repeat("[", depth)+strings.Repeat("]", depth)+`}`, 0, nil)
		},
	})
	add(Case{
		Name: "st_past_end", Kind: Safetensors, What: "data_offsets past the end of the file",
		Err:  "run past the",
		Data: func() []byte { return stFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 0, four) },
	})
	many := s.pick(100, 100_000, 1_000_000)
	add(Case{
		Name: "st_many_tensors", Kind: Safetensors, What: fmt.Sprintf("%d one-byte tensors", many),
		Want: Want{Type: "dict", Len: int(many)}, Holds: many,
		MaxMiB: baseMiB + 600*mib(many), MaxTime: 5*time.Second + time.Duration(many)*5*time.Microsecond,
		Data: func() []byte {
			var h strings.Builder
			h.WriteByte('{')
			for i := int64(0); i < many; i++ {
				if i > 0 {
					h.WriteByte(',')
				}
				fmt.Fprintf(&h, `"t%d":{"dtype":"U8","shape":[1],"data_offsets":[%d,%d]}`, i, i, i+1)
			}
			h.WriteByte('}')
			return stFile(h.String(), 0, make([]byte, many))
		},
	})
}
