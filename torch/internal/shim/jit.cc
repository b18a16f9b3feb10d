// TorchScript: modules saved by torch.jit.save / torch.jit.trace in Python.
#include <torch/script.h>

#include "internal.h"

struct tg_script_s {
  torch::jit::Module m;
};

extern "C" {

tg_error tg_script_load(const char *path, int device_type, int device_index, tg_script *out) {
  TG_TRY
  c10::optional<at::Device> dev;
  if (device_type >= 0)
    dev = at::Device(static_cast<at::DeviceType>(device_type),
                     static_cast<at::DeviceIndex>(device_index));
  *out = new tg_script_s{torch::jit::load(path, dev)};
  TG_CATCH
}

void tg_script_free(tg_script m) { delete m; }

tg_error tg_script_train(tg_script m, int on) {
  TG_TRY
  m->m.train(on != 0);
  TG_CATCH
}

tg_error tg_script_forward(tg_script m, const tg_tensor *inputs, int64_t n, tg_tensor **out,
                           int64_t *nout) {
  TG_TRY
  std::vector<c10::IValue> args;
  args.reserve(n);
  for (int64_t i = 0; i < n; i++) args.emplace_back(tg::T(inputs[i]));
  c10::IValue r = m->m.forward(args);
  std::vector<at::Tensor> ts;
  if (r.isTensor()) {
    ts.push_back(r.toTensor());
  } else if (r.isTuple()) {
    for (const auto &e : r.toTupleRef().elements()) {
      if (!e.isTensor()) throw std::invalid_argument("forward returned a tuple holding a " + e.tagKind());
      ts.push_back(e.toTensor());
    }
  } else if (r.isTensorList()) {
    for (const at::Tensor &t : r.toTensorVector()) ts.push_back(t);
  } else {
    throw std::invalid_argument("forward returned a " + r.tagKind() + ", not tensors");
  }
  *nout = static_cast<int64_t>(ts.size());
  *out = nullptr;
  if (ts.empty()) return nullptr;
  *out = static_cast<tg_tensor *>(std::malloc(ts.size() * sizeof(tg_tensor)));
  if (*out == nullptr) throw std::bad_alloc();
  for (size_t i = 0; i < ts.size(); i++) (*out)[i] = tg::wrap(std::move(ts[i]));
  TG_CATCH
}

}  // extern "C"
