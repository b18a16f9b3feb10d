package pt

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
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

// printable returns a name taken from a file (a zip entry name) as it is
// when every character of it prints, and quoted otherwise, so that an
// error message stays on one line.
func printable(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return s
	}
	return strconv.Quote(s)
}

// describeValue formats a decoded value for an error message on one line:
// numbers and None as Python prints them, strings and bytes quoted (and
// shortened), other values by their type.
func describeValue(v any) string {
	const maxLen = 64
	switch x := v.(type) {
	case nil:
		return "None"
	case bool, int64, float64:
		return fmt.Sprint(x)
	case string:
		if len(x) > maxLen {
			return strconv.Quote(x[:maxLen]) + "..."
		}
		return strconv.Quote(x)
	case []byte:
		if len(x) > maxLen {
			return fmt.Sprintf("b%q...", x[:maxLen])
		}
		return fmt.Sprintf("b%q", x)
	}
	return typeName(v)
}
