// Package pt reads and writes PyTorch checkpoint files (.pt/.pth) and
// safetensors files in pure Go, without libtorch and without executing
// anything taken from a file.
//
// # Formats
//
// Load reads both layouts that torch.save produces:
//
//   - the zip layout (torch >= 1.6): ARCHIVE/data.pkl, ARCHIVE/data/N,
//     ARCHIVE/version and, from torch 2.x on, ARCHIVE/byteorder, under any
//     archive prefix folder;
//   - the legacy layout (_use_new_zipfile_serialization=False): a magic-number
//     pickle, a protocol pickle, a sys_info pickle, the data pickle, a pickle
//     listing the storage keys and then each storage's raw bytes prefixed by
//     its int64 element count.
//
// TorchScript archives (torch.jit.save) are recognised and refused with
// ErrTorchScript.
//
// Save writes the zip layout exactly like torch.save does (pickle protocol 2,
// stored entries, every record's payload aligned to 64 bytes), so that
// torch.load(path, weights_only=True) reads it on torch 1.13 and 2.x.
//
// LoadSafetensors and SaveSafetensors handle the safetensors format.
//
// # Safety
//
// Unpickling is done by a small pickle virtual machine with an allowlist of
// globals similar to torch.load(weights_only=True): tensor rebuild functions,
// storage classes, dtypes, torch.Size, torch.device, collections.OrderedDict,
// set, frozenset and complex. Any other global is refused with an error that
// wraps ErrForbiddenGlobal and names it. Globals are never looked up in a real
// interpreter: each allowed name maps to a Go function written here.
//
// Every size a file declares (zip entry sizes, pickle string lengths, storage
// element counts, tensor extents) is checked against the bytes actually
// available before anything is allocated. A tensor that would read past the
// end of its storage is refused. Malformed input yields an error, never a
// panic; nesting depth and the size of the decoded value tree are bounded
// (see MaxDepth, MaxNodes and NodeAllowance), reference cycles are refused,
// and the work allowlisted callables do is bounded by the size of the
// pickle, so a small file cannot expand into a huge allocation.
//
// # Data model
//
// Decoded values use these Go types:
//
//	Python                      Go
//	torch.Tensor / Parameter    *Tensor (sharing *Storage with other views)
//	dict, OrderedDict           *OrderedDict (insertion order kept; Plain tells which)
//	list                        []any
//	tuple                       Tuple
//	set, frozenset              Set, FrozenSet
//	int                         int64 (larger integers are refused)
//	float                       float64
//	complex                     complex128
//	str                         string
//	bytes                       []byte
//	bytearray                   ByteArray
//	bool                        bool
//	None                        nil
//	torch.Size                  Size
//	torch.device                Device
//	torch.float32 etc.          DType
package pt
