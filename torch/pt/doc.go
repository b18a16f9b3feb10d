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
// DetectFormat tells the three apart (and torch < 0.4's tar layout).
//
// LoadPickle reads a plain Python pickle, such as CIFAR's data sets, with
// the same virtual machine and limits, and an allowlist of globals given by
// the caller (PickleOptions.Globals) instead of torch's.
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
// end of its storage is refused. Malformed input yields a one-line error,
// never a panic. Hostile input costs bounded memory and time:
//
//   - Zip entries may be deflated (torch.save stores them): a storage
//     record is inflated into a buffer of the size its persistent id
//     declares, never past it, so that peak memory stays about the data
//     the file holds; a record holding less or more than declared is an
//     error, and so are entries that overlap (several directory entries
//     sharing one entry's bytes).
//   - The pickle stack, the memo, the values built and the work done
//     are bounded (Limits): by default 2^20 stack items, 2^22 memo
//     entries, MaxNodes values and 16 units of work (about 10ns each) per
//     byte of pickle, so that a small pickle costs no more memory than
//     Python's unpickler would, and a bounded time.
//   - Dict keys and set items are hashed once: tuples, frozensets and
//     torch.Size keep their hash keys, so that hashing costs time linear
//     in the size of the input however keys nest and share.
//   - Nesting depth and the size of the decoded value tree are bounded
//     (see MaxDepth, MaxNodes and NodeAllowance) and reference cycles are
//     refused, for code that walks the result as a tree.
//   - Strings must be valid UTF-8, as torch.load requires; so must
//     safetensors headers, whose duplicated names and fields are refused.
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
