# Sourced by the other scripts (and by you: `. scripts/env.sh`) to point cgo
# at a libtorch. Without LIBTORCH nothing is exported and the build uses
# Debian's libtorch-dev (the flags in torch/internal/shim/shim.go).
#
# LIBTORCH=/path selects any other libtorch: the official zip's libtorch/
# folder, or a pip-installed torch's package folder (python -c 'import torch,
# os; print(os.path.dirname(torch.__file__))'), CPU or CUDA. The C++11 ABI
# flag is read from that libtorch, never assumed.
if [ -n "${LIBTORCH:-}" ]; then
  if [ ! -f "$LIBTORCH/include/torch/csrc/api/include/torch/torch.h" ] || [ ! -d "$LIBTORCH/lib" ]; then
    echo "env.sh: LIBTORCH=$LIBTORCH has no include/torch/csrc/api/include/torch/torch.h or lib/" >&2
    return 1 2>/dev/null || exit 1
  fi
  _tg_abi=$(grep -ho '_GLIBCXX_USE_CXX11_ABI=[01]' "$LIBTORCH/share/cmake/Torch/TorchConfig.cmake" 2>/dev/null | head -n 1)
  if [ -z "$_tg_abi" ]; then
    # No CMake config: the ABI shows in the mangled names libc10 exports.
    if nm -D --defined-only "$LIBTORCH/lib/libc10.so" 2>/dev/null | grep -q '__cxx11'; then
      _tg_abi=_GLIBCXX_USE_CXX11_ABI=1
    else
      _tg_abi=_GLIBCXX_USE_CXX11_ABI=0
    fi
  fi
  _tg_libs="-L$LIBTORCH/lib -Wl,-rpath,$LIBTORCH/lib"
  if [ -f "$LIBTORCH/lib/libtorch_cuda.so" ]; then
    # Linked even though no symbol of it is referenced: without it libtorch
    # never registers its CUDA kernels and reports CUDA as unavailable.
    _tg_libs="$_tg_libs -Wl,--no-as-needed -ltorch_cuda -lc10_cuda -Wl,--as-needed"
    # CUDA's headers, for the allocator statistics (shim/cuda.cc): the
    # toolkit's, or those of the pip package nvidia-cuda-runtime beside a
    # pip-installed torch.
    for _tg_inc in "${CUDA_HOME:-/usr/local/cuda}/include" "$LIBTORCH/../nvidia/cuda_runtime/include"; do
      if [ -f "$_tg_inc/cuda_runtime_api.h" ]; then
        CGO_CXXFLAGS="-I$_tg_inc ${CGO_CXXFLAGS:-}"
        break
      fi
    done
    unset _tg_inc
  fi
  export CGO_CXXFLAGS="-I$LIBTORCH/include -I$LIBTORCH/include/torch/csrc/api/include -D$_tg_abi ${CGO_CXXFLAGS:-}"
  export CGO_LDFLAGS="$_tg_libs ${CGO_LDFLAGS:-}"
  export LD_LIBRARY_PATH="$LIBTORCH/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  unset _tg_abi _tg_libs
fi
# The Python that tests compare against: Debian's, which has python3-torch.
export TORCHGO_PYTHON="${TORCHGO_PYTHON:-/usr/bin/python3}"
