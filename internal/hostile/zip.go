package hostile

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
)

// Zip compression methods.
const (
	methodStore   = 0
	methodDeflate = 8
)

// zipEntry is one entry of a hand-built zip archive. Everything a reader
// could check is set explicitly, so that entries can lie.
type zipEntry struct {
	name   string
	method uint16
	data   []byte // as stored in the archive (deflated for methodDeflate)
	crc    uint32
	usize  uint64 // declared uncompressed size
	// alias >= 0 makes the central directory point this entry at the local
	// header and data of entry alias (overlapping entries); -1: none.
	alias int
}

// stored is a stored entry with correct sizes and CRC.
func stored(name string, content []byte) zipEntry {
	return zipEntry{name: name, method: methodStore, data: content, crc: crc32.ChecksumIEEE(content), usize: uint64(len(content)), alias: -1}
}

// deflated is a deflated entry with correct sizes and CRC.
func deflated(name string, content []byte) zipEntry {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(content)
	w.Close()
	return zipEntry{name: name, method: methodDeflate, data: buf.Bytes(), crc: crc32.ChecksumIEEE(content), usize: uint64(len(content)), alias: -1}
}

// deflatedZeros is a deflated entry holding n zero bytes, compressed without
// ever holding them (about 1 KiB per MiB).
func deflatedZeros(name string, n int64) zipEntry {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	chunk := make([]byte, 1<<20)
	crc := uint32(0)
	for left := n; left > 0; {
		c := chunk
		if left < int64(len(c)) {
			c = c[:left]
		}
		w.Write(c)
		crc = crc32.Update(crc, crc32.IEEETable, c)
		left -= int64(len(c))
	}
	w.Close()
	return zipEntry{name: name, method: methodDeflate, data: buf.Bytes(), crc: crc, usize: uint64(n), alias: -1}
}

// buildZip writes the entries as a zip archive (no zip64: every size and
// offset must fit in 32 bits).
func buildZip(entries []zipEntry) []byte {
	var out []byte
	offsets := make([]uint32, len(entries))
	for i, e := range entries {
		if e.alias >= 0 {
			continue
		}
		offsets[i] = uint32(len(out))
		out = binary.LittleEndian.AppendUint32(out, 0x04034b50)
		out = binary.LittleEndian.AppendUint16(out, 20)
		out = binary.LittleEndian.AppendUint16(out, 0)
		out = binary.LittleEndian.AppendUint16(out, e.method)
		out = binary.LittleEndian.AppendUint16(out, 0)    // time
		out = binary.LittleEndian.AppendUint16(out, 0x21) // date: 1980-01-01
		out = binary.LittleEndian.AppendUint32(out, e.crc)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(e.data)))
		out = binary.LittleEndian.AppendUint32(out, uint32(e.usize))
		out = binary.LittleEndian.AppendUint16(out, uint16(len(e.name)))
		out = binary.LittleEndian.AppendUint16(out, 0)
		out = append(out, e.name...)
		out = append(out, e.data...)
	}
	cdStart := len(out)
	for i, e := range entries {
		src, off := e, offsets[i]
		if e.alias >= 0 {
			src, off = entries[e.alias], offsets[e.alias]
		}
		out = binary.LittleEndian.AppendUint32(out, 0x02014b50)
		out = binary.LittleEndian.AppendUint16(out, 20)
		out = binary.LittleEndian.AppendUint16(out, 20)
		out = binary.LittleEndian.AppendUint16(out, 0)
		out = binary.LittleEndian.AppendUint16(out, src.method)
		out = binary.LittleEndian.AppendUint16(out, 0)
		out = binary.LittleEndian.AppendUint16(out, 0x21)
		out = binary.LittleEndian.AppendUint32(out, src.crc)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(src.data)))
		out = binary.LittleEndian.AppendUint32(out, uint32(src.usize))
		out = binary.LittleEndian.AppendUint16(out, uint16(len(e.name)))
		out = binary.LittleEndian.AppendUint16(out, 0) // extra
		out = binary.LittleEndian.AppendUint16(out, 0) // comment
		out = binary.LittleEndian.AppendUint16(out, 0) // disk
		out = binary.LittleEndian.AppendUint16(out, 0) // internal attributes
		out = binary.LittleEndian.AppendUint32(out, 0) // external attributes
		out = binary.LittleEndian.AppendUint32(out, off)
		out = append(out, e.name...)
	}
	cdLen := len(out) - cdStart
	out = binary.LittleEndian.AppendUint32(out, 0x06054b50)
	out = binary.LittleEndian.AppendUint16(out, 0)
	out = binary.LittleEndian.AppendUint16(out, 0)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(entries)))
	out = binary.LittleEndian.AppendUint16(out, uint16(len(entries)))
	out = binary.LittleEndian.AppendUint32(out, uint32(cdLen))
	out = binary.LittleEndian.AppendUint32(out, uint32(cdStart))
	out = binary.LittleEndian.AppendUint16(out, 0)
	return out
}

// torchZip lays out a torch.save archive: archive/data.pkl (stored, or
// deflated when deflatePickle), archive/version and the given records
// (named below archive/).
func torchZip(pkl []byte, deflatePickle bool, records ...zipEntry) []byte {
	var entries []zipEntry
	if deflatePickle {
		entries = append(entries, deflated("archive/data.pkl", pkl))
	} else {
		entries = append(entries, stored("archive/data.pkl", pkl))
	}
	for _, r := range records {
		r.name = "archive/" + r.name
		if r.alias >= 0 {
			r.alias += 1 // data.pkl comes first
		}
		entries = append(entries, r)
	}
	entries = append(entries, stored("archive/version", []byte("3\n")))
	return buildZip(entries)
}
