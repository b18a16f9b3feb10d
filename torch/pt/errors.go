package pt

import (
	"errors"
	"fmt"
)

// Errors that callers may test for with errors.Is. Other failures (corrupt
// or truncated files, unsupported features) are reported with descriptive
// errors that name the entry, byte offset or key path involved.
var (
	// ErrForbiddenGlobal is wrapped by the error for a pickle that names a
	// global outside the allowlist, such as os.system.
	ErrForbiddenGlobal = errors.New("forbidden global")
	// ErrTorchScript is returned for TorchScript archives (torch.jit.save),
	// which this package does not load.
	ErrTorchScript = errors.New("TorchScript archive: load it with torch.jit.load / the jit loader")
	// ErrTruncated is wrapped by errors for input that ends early.
	ErrTruncated = errors.New("unexpected end of data")
)

// errorf formats an error with the package prefix.
func errorf(format string, args ...any) error {
	return fmt.Errorf("pt: "+format, args...)
}
