package torch

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"strconv"
	"strings"
)

// DeviceType is the kind of a device; the values equal c10::DeviceType.
type DeviceType int

// Device types.
const (
	DeviceCPU  DeviceType = 0
	DeviceCUDA DeviceType = 1
)

// Device is where a tensor's memory lives. Index is the device's ordinal,
// or -1 for the current one of its type (always -1 for the CPU).
type Device struct {
	Type  DeviceType
	Index int
}

// CPU is the host.
var CPU = Device{Type: DeviceCPU, Index: -1}

// CUDA returns the i-th CUDA device.
func CUDA(i int) Device { return Device{Type: DeviceCUDA, Index: i} }

// String returns PyTorch's spelling: "cpu", "cuda", "cuda:1".
func (d Device) String() string {
	name := "cpu"
	if d.Type == DeviceCUDA {
		name = "cuda"
	} else if d.Type != DeviceCPU {
		name = fmt.Sprintf("device%d", int(d.Type))
	}
	if d.Index >= 0 && d.Type != DeviceCPU {
		return name + ":" + strconv.Itoa(d.Index)
	}
	return name
}

// ParseDevice reads "cpu", "cuda" or "cuda:N".
func ParseDevice(s string) (Device, error) {
	name, idx, hasIdx := strings.Cut(s, ":")
	var d Device
	switch name {
	case "cpu":
		d = CPU
	case "cuda":
		d = Device{Type: DeviceCUDA, Index: -1}
	default:
		return Device{}, fmt.Errorf("torch: unknown device %q: want cpu, cuda or cuda:N", s)
	}
	if hasIdx {
		n, err := strconv.Atoi(idx)
		if err != nil || n < 0 || d.Type == DeviceCPU {
			return Device{}, fmt.Errorf("torch: bad device index in %q", s)
		}
		d.Index = n
	}
	return d, nil
}

// IsCUDA reports whether d is a CUDA device.
func (d Device) IsCUDA() bool { return d.Type == DeviceCUDA }

// CUDAIsAvailable reports whether libtorch was built with CUDA and sees a GPU.
func CUDAIsAvailable() bool { return C.tg_cuda_available() != 0 }

// CUDADeviceCount is the number of visible CUDA devices (0 without CUDA).
func CUDADeviceCount() int { return int(C.tg_cuda_device_count()) }

// CUDAMemory is the CUDA caching allocator's state for one device, in
// bytes (torch.cuda.memory_allocated, memory_reserved,
// max_memory_allocated).
type CUDAMemory struct {
	Allocated, Reserved, PeakAllocated int64
}

// CUDAMemoryStats reads device index's allocator statistics. It fails
// without CUDA, or when torchgo was built without CUDA's headers.
func CUDAMemoryStats(index int) (CUDAMemory, error) {
	var a, r, p C.int64_t
	if err := errorOf("CUDAMemoryStats", C.tg_cuda_memory_stats(C.int(index), &a, &r, &p)); err != nil {
		return CUDAMemory{}, err
	}
	return CUDAMemory{Allocated: int64(a), Reserved: int64(r), PeakAllocated: int64(p)}, nil
}

// CUDAResetPeakMemory restarts PeakAllocated's count
// (torch.cuda.reset_peak_memory_stats).
func CUDAResetPeakMemory(index int) error {
	return errorOf("CUDAResetPeakMemory", C.tg_cuda_reset_peak(C.int(index)))
}

// CUDAEmptyCache returns the allocator's unused cached memory to the
// driver (torch.cuda.empty_cache).
func CUDAEmptyCache() error { return errorOf("CUDAEmptyCache", C.tg_cuda_empty_cache()) }

// CuDNNIsAvailable reports whether cuDNN can be used.
func CuDNNIsAvailable() bool { return C.tg_cudnn_available() != 0 }

// CUDASynchronize waits for all work on CUDA device index (-1: current) to finish.
func CUDASynchronize(index int) { check("CUDASynchronize", C.tg_cuda_synchronize(C.int(index))) }
