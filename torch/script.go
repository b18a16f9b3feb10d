package torch

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"unsafe"
)

// ScriptModule is a TorchScript module saved by Python's torch.jit.save
// (from torch.jit.script or torch.jit.trace): a Python-defined model that
// runs in Go unchanged.
type ScriptModule struct {
	h C.tg_script
}

// LoadScript loads a TorchScript archive, onto the given device(s) if any
// (by default where the file's tensors were saved). The module starts in
// evaluation mode, as torch.jit.load leaves it when saved so.
func LoadScript(path string, device ...Device) (*ScriptModule, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("torch: LoadScript: %w", err)
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	devType, devIdx := C.int(-1), C.int(-1)
	if len(device) > 0 {
		devType, devIdx = C.int(device[0].Type), C.int(device[0].Index)
	}
	var h C.tg_script
	if err := Catch(func() error {
		check("LoadScript", C.tg_script_load(cpath, devType, devIdx, &h))
		return nil
	}); err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	m := &ScriptModule{h: h}
	runtime.AddCleanup(m, func(h C.tg_script) { C.tg_script_free(h) }, h)
	return m, nil
}

// Train switches the module to training (on) or evaluation mode.
func (m *ScriptModule) Train(on bool) {
	check("ScriptModule.Train", C.tg_script_train(m.h, cbool(on)))
	runtime.KeepAlive(m)
}

// Forward runs the module's forward on inputs and returns its tensor
// result; a tuple or list result is an error (use ForwardAll).
func (m *ScriptModule) Forward(inputs ...*Tensor) *Tensor {
	outs := m.ForwardAll(inputs...)
	if len(outs) != 1 {
		for _, o := range outs {
			o.Close()
		}
		panic(errorf("ScriptModule.Forward", "forward returned %d tensors; use ForwardAll", len(outs)))
	}
	return outs[0]
}

// ForwardAll runs forward and returns its result: one tensor, or the
// tensors of a returned tuple or list.
func (m *ScriptModule) ForwardAll(inputs ...*Tensor) []*Tensor {
	hs := handles("ScriptModule.Forward", inputs)
	var arr *C.tg_tensor
	var n C.int64_t
	check("ScriptModule.Forward", C.tg_script_forward(m.h, handlesPtr(hs), C.int64_t(len(hs)), &arr, &n))
	runtime.KeepAlive(inputs)
	runtime.KeepAlive(m)
	return tensorsFrom(arr, n)
}
