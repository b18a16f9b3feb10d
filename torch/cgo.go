package torch

/*
#cgo CFLAGS: -I${SRCDIR}/internal/shim
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"unsafe"

	// The C++ objects behind shim.h and the flags that link libtorch.
	_ "github.com/torchgo/torchgo/torch/internal/shim"
)

// check panics with an *Error for op when the shim returned an error message.
func check(op string, err C.tg_error) {
	if err != nil {
		msg := C.GoString(err)
		C.free(unsafe.Pointer(err))
		panic(&Error{Op: op, Msg: msg})
	}
}

// errorOf is check's counterpart for calls that return an error: nil, or
// an *Error for op.
func errorOf(op string, err C.tg_error) error {
	if err == nil {
		return nil
	}
	msg := C.GoString(err)
	C.free(unsafe.Pointer(err))
	return &Error{Op: op, Msg: msg}
}

// int64s returns a C view of s for the duration of one cgo call (nil when empty).
func int64s(s []int64) *C.int64_t {
	if len(s) == 0 {
		return nil
	}
	return (*C.int64_t)(unsafe.Pointer(&s[0]))
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// scalar converts a Go number to a Python-style scalar: integer kinds stay
// integers, floats stay floats, so type promotion matches Python's `t + 2`
// versus `t + 2.0`.
// It panics with an *Error for op when v is no number (see num).
func scalar(op string, v any) C.tg_scalar {
	switch x := num(op, v).(type) {
	case float64:
		return C.tg_scalar{kind: C.TG_S_FLOAT, f: C.double(x)}
	case int64:
		return C.tg_scalar{kind: C.TG_S_INT, i: C.int64_t(x)}
	default:
		return C.tg_scalar{kind: C.TG_S_BOOL, i: C.int64_t(cbool(x.(bool)))}
	}
}

// fromScalar converts a scalar returned by the shim to float64, int64 or bool.
func fromScalar(s C.tg_scalar) any {
	switch s.kind {
	case C.TG_S_FLOAT:
		return float64(s.f)
	case C.TG_S_BOOL:
		return s.i != 0
	}
	return int64(s.i)
}
