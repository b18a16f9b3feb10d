package pt

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"math"
)

// zipWriter writes the zip container of torch.save: stored (uncompressed)
// entries whose payloads start at a multiple of recordAlignment, padded
// with a local extra field "FB" as PyTorch's writer does, CRC-32 and sizes
// in the local headers (no data descriptors), and zip64 records where
// sizes, offsets or the entry count need them.
type zipWriter struct {
	w       *countingWriter
	entries []zipEntry
}

type zipEntry struct {
	name   string
	crc    uint32
	size   uint64
	offset uint64 // of the local header
}

const (
	zipLocalHeaderSig   = 0x04034b50
	zipCentralHeaderSig = 0x02014b50
	zipEndSig           = 0x06054b50
	zip64EndSig         = 0x06064b50
	zip64LocatorSig     = 0x07064b50
	zip64ExtraID        = 0x0001
	zipPadExtraID       = 0x4246 // "FB" as stored little-endian
	zipVersion20        = 20
	zipVersion45        = 45 // needed for zip64
	zipDOSDate1980      = 0x21
	zip32Max            = math.MaxUint32
	zip16Max            = math.MaxUint16
)

func newZipWriter(w io.Writer) *zipWriter {
	return &zipWriter{w: &countingWriter{w: w}}
}

// le is a little-endian byte builder.
type le []byte

func (b le) u16(v uint16) le { return binary.LittleEndian.AppendUint16(b, v) }
func (b le) u32(v uint32) le { return binary.LittleEndian.AppendUint32(b, v) }
func (b le) u64(v uint64) le { return binary.LittleEndian.AppendUint64(b, v) }

func clamp32(v uint64) uint32 {
	if v >= zip32Max {
		return zip32Max
	}
	return uint32(v)
}

// add writes one stored entry.
func (z *zipWriter) add(name string, data []byte) error {
	e := zipEntry{name: name, crc: crc32.ChecksumIEEE(data), size: uint64(len(data)), offset: uint64(z.w.n)}
	big := e.size >= zip32Max
	version := uint16(zipVersion20)
	var extra le
	if big {
		version = zipVersion45
		extra = extra.u16(zip64ExtraID).u16(16).u64(e.size).u64(e.size)
	}
	const localHeaderLen, padHeaderLen = 30, 4
	start := int64(e.offset) + localHeaderLen + int64(len(name)) + int64(len(extra)) + padHeaderLen
	pad := (recordAlignment - start%recordAlignment) % recordAlignment
	extra = extra.u16(zipPadExtraID).u16(uint16(pad))
	for i := int64(0); i < pad; i++ {
		extra = append(extra, 'Z')
	}
	h := le(nil).u32(zipLocalHeaderSig).u16(version)
	h = h.u16(0).u16(0)              // flags; method 0 = stored
	h = h.u16(0).u16(zipDOSDate1980) // time, date
	h = h.u32(e.crc).u32(clamp32(e.size)).u32(clamp32(e.size))
	h = h.u16(uint16(len(name))).u16(uint16(len(extra)))
	h = append(h, name...)
	h = append(h, extra...)
	if _, err := z.w.Write(h); err != nil {
		return err
	}
	if _, err := z.w.Write(data); err != nil {
		return err
	}
	z.entries = append(z.entries, e)
	return nil
}

// close writes the central directory and the end records.
func (z *zipWriter) close() error {
	cdStart := uint64(z.w.n)
	var cd le
	for _, e := range z.entries {
		var extra le
		if e.size >= zip32Max || e.offset >= zip32Max {
			extra = extra.u16(zip64ExtraID).u16(0)
			if e.size >= zip32Max {
				extra = extra.u64(e.size).u64(e.size)
			}
			if e.offset >= zip32Max {
				extra = extra.u64(e.offset)
			}
			binary.LittleEndian.PutUint16(extra[2:], uint16(len(extra)-4))
		}
		version := uint16(zipVersion20)
		if len(extra) > 0 {
			version = zipVersion45
		}
		cd = cd.u32(zipCentralHeaderSig).u16(version).u16(version).u16(0).u16(0).
			u16(0).u16(zipDOSDate1980).
			u32(e.crc).u32(clamp32(e.size)).u32(clamp32(e.size)).
			u16(uint16(len(e.name))).u16(uint16(len(extra))).u16(0). // comment length
			u16(0).u16(0).u32(0).                                    // disk, internal and external attributes
			u32(clamp32(e.offset))
		cd = append(cd, e.name...)
		cd = append(cd, extra...)
	}
	if _, err := z.w.Write(cd); err != nil {
		return err
	}
	cdSize := uint64(len(cd))
	n := uint64(len(z.entries))
	var end le
	if n >= zip16Max || cdSize >= zip32Max || cdStart >= zip32Max {
		end64 := uint64(z.w.n)
		end = end.u32(zip64EndSig).u64(44).u16(zipVersion45).u16(zipVersion45).
			u32(0).u32(0).u64(n).u64(n).u64(cdSize).u64(cdStart).
			u32(zip64LocatorSig).u32(0).u64(end64).u32(1)
	}
	count := uint16(zip16Max)
	if n < zip16Max {
		count = uint16(n)
	}
	end = end.u32(zipEndSig).u16(0).u16(0).u16(count).u16(count).
		u32(clamp32(cdSize)).u32(clamp32(cdStart)).u16(0)
	_, err := z.w.Write(end)
	return err
}
