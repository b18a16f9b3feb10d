package torch

/*
#include "shim.h"
*/
import "C"

import (
	"unsafe"

	"github.com/torchgo/torchgo/torch/internal/tensorref"
)

func init() {
	tensorref.Handle = func(op string, t any) unsafe.Pointer {
		return unsafe.Pointer(t.(*Tensor).handle(op))
	}
	tensorref.Wrap = func(h unsafe.Pointer) any { return newTensor(C.tg_tensor(h)) }
	tensorref.Check = func(op string, err unsafe.Pointer) { check(op, C.tg_error(err)) }
}
