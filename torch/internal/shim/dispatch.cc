// Boxed calls of any registered operator through c10's dispatcher, as
// TorchScript makes them: one entry point for the whole op surface, with
// autograd, autocast and every dispatch key applied as for a direct call.
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

#include "internal.h"

struct tg_op_s {
  c10::OperatorHandle handle;
  bool int_div;  // refuses integer MIN / -1 before the kernel traps
  explicit tg_op_s(c10::OperatorHandle h) : handle(std::move(h)), int_div(false) {}
};

namespace {

char *dup(const std::string &s) {
  char *p = static_cast<char *>(std::malloc(s.size() + 1));
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

std::string schema_text(const c10::OperatorHandle &h) {
  std::ostringstream os;
  os << h.schema();
  return os.str();
}

bool is_int_div(const c10::OperatorName &n) {
  static const char *names[] = {"aten::floor_divide", "aten::floor_divide_", "aten::remainder",
                                "aten::remainder_", "aten::fmod", "aten::fmod_", "aten::div",
                                "aten::div_"};
  for (const char *x : names)
    if (n.name == x) return true;
  return false;
}

[[noreturn]] void mismatch(const c10::Argument &a, const char *got) {
  throw std::invalid_argument("argument '" + a.name() + "' must be " + a.type()->str() + ", not " + got);
}

const char *kind_name(int k) {
  switch (k) {
    case TG_V_NONE: return "None";
    case TG_V_TENSOR: return "Tensor";
    case TG_V_INT: return "int";
    case TG_V_DOUBLE: return "float";
    case TG_V_BOOL: return "bool";
    case TG_V_STRING: return "str";
    case TG_V_INT_LIST: return "int[]";
    case TG_V_DOUBLE_LIST: return "float[]";
    case TG_V_BOOL_LIST: return "bool[]";
    case TG_V_TENSOR_LIST: return "Tensor[]";
    case TG_V_DEVICE: return "Device";
    case TG_V_GENERATOR: return "Generator";
  }
  return "unknown value";
}

template <typename T>
c10::List<T> list_of(const T *p, int64_t n) {
  c10::List<T> l;
  l.reserve(n);
  for (int64_t i = 0; i < n; i++) l.push_back(p[i]);
  return l;
}

// to_ivalue converts v to the IValue an argument of type ty takes.
c10::IValue to_ivalue(const c10::Argument &a, const c10::TypePtr &ty, const tg_value &v) {
  using K = c10::TypeKind;
  if (ty->kind() == K::OptionalType) {
    if (v.kind == TG_V_NONE) return c10::IValue();
    return to_ivalue(a, ty->expectRef<c10::OptionalType>().getElementType(), v);
  }
  switch (ty->kind()) {
    case K::TensorType:
      if (v.kind == TG_V_TENSOR) return tg::T(v.t);
      // A number for a Tensor becomes a wrapped number, as Python's
      // argument parser makes it (x * 2.0 reaches mul.Tensor so).
      if (v.kind == TG_V_INT) return tg::wrapped_scalar(tg_scalar{TG_S_INT, 0, v.i});
      if (v.kind == TG_V_DOUBLE) return tg::wrapped_scalar(tg_scalar{TG_S_FLOAT, v.f, 0});
      if (v.kind == TG_V_BOOL) return tg::wrapped_scalar(tg_scalar{TG_S_BOOL, 0, v.i});
      break;
    case K::IntType:
      if (v.kind == TG_V_INT || v.kind == TG_V_BOOL) return v.i;
      break;
    case K::FloatType:
      if (v.kind == TG_V_DOUBLE) return v.f;
      if (v.kind == TG_V_INT) return static_cast<double>(v.i);
      break;
    case K::BoolType:
      if (v.kind == TG_V_BOOL || v.kind == TG_V_INT) return v.i != 0;
      break;
    case K::NumberType:
      if (v.kind == TG_V_INT) return v.i;
      if (v.kind == TG_V_DOUBLE) return v.f;
      if (v.kind == TG_V_BOOL) return v.i != 0;
      break;
    case K::StringType:
      if (v.kind == TG_V_STRING) return std::string(static_cast<const char *>(v.p), static_cast<size_t>(v.n));
      break;
    case K::DeviceObjType:
      if (v.kind == TG_V_DEVICE)
        return c10::Device(static_cast<c10::DeviceType>(v.i), static_cast<c10::DeviceIndex>(v.n));
      break;
    case K::GeneratorType:
      if (v.kind == TG_V_GENERATOR) return static_cast<tg_generator>(const_cast<void *>(v.p))->g;
      break;
    case K::ListType: {
      auto el = ty->expectRef<c10::ListType>().getElementType();
      switch (el->kind()) {
        case K::IntType:
          if (v.kind == TG_V_INT_LIST) return list_of(static_cast<const int64_t *>(v.p), v.n);
          if (v.kind == TG_V_INT && a.N()) return c10::List<int64_t>(std::vector<int64_t>(*a.N(), v.i));
          break;
        case K::FloatType:
          if (v.kind == TG_V_DOUBLE_LIST) return list_of(static_cast<const double *>(v.p), v.n);
          break;
        case K::BoolType:
          if (v.kind == TG_V_BOOL_LIST) {
            c10::List<bool> l;
            auto p = static_cast<const int64_t *>(v.p);
            for (int64_t i = 0; i < v.n; i++) l.push_back(p[i] != 0);
            return l;
          }
          break;
        case K::TensorType:
          if (v.kind == TG_V_TENSOR_LIST) {
            c10::List<at::Tensor> l;
            auto p = static_cast<const tg_tensor *>(v.p);
            for (int64_t i = 0; i < v.n; i++) l.push_back(tg::T(p[i]));
            return l;
          }
          break;
        case K::OptionalType:
          if (v.kind == TG_V_TENSOR_LIST) {
            c10::List<c10::optional<at::Tensor>> l;
            auto p = static_cast<const tg_tensor *>(v.p);
            for (int64_t i = 0; i < v.n; i++) l.push_back(tg::opt(p[i]));
            return l;
          }
          break;
        default:
          throw std::invalid_argument("argument '" + a.name() + "' has type " + ty->str() +
                                      ", which torchgo cannot pass yet");
      }
      break;
    }
    default:
      throw std::invalid_argument("argument '" + a.name() + "' has type " + ty->str() +
                                  ", which torchgo cannot pass yet");
  }
  mismatch(a, kind_name(v.kind));
}

// from_ivalue stores a returned IValue in out; lists and strings in
// malloc'ed memory that the caller frees.
void from_ivalue(c10::IValue v, tg_value *out) {
  *out = tg_value{};
  if (v.isNone()) {
    out->kind = TG_V_NONE;
  } else if (v.isTensor()) {
    out->kind = TG_V_TENSOR;
    out->t = tg::wrap(std::move(v).toTensor());
  } else if (v.isInt()) {
    out->kind = TG_V_INT;
    out->i = v.toInt();
  } else if (v.isDouble()) {
    out->kind = TG_V_DOUBLE;
    out->f = v.toDouble();
  } else if (v.isBool()) {
    out->kind = TG_V_BOOL;
    out->i = v.toBool();
  } else if (v.isString()) {
    out->kind = TG_V_STRING;
    const std::string &s = v.toStringRef();
    out->p = dup(s);
    out->n = static_cast<int64_t>(s.size());
  } else if (v.isIntList()) {
    auto l = v.toIntVector();
    out->kind = TG_V_INT_LIST;
    out->n = static_cast<int64_t>(l.size());
    auto p = static_cast<int64_t *>(std::malloc(sizeof(int64_t) * (l.size() + 1)));
    if (p == nullptr) throw std::bad_alloc();
    std::copy(l.begin(), l.end(), p);
    out->p = p;
  } else if (v.isTensorList() || v.isList()) {
    auto l = v.toListRef();
    out->kind = TG_V_TENSOR_LIST;
    out->n = static_cast<int64_t>(l.size());
    auto p = static_cast<tg_tensor *>(std::calloc(l.size() + 1, sizeof(tg_tensor)));
    if (p == nullptr) throw std::bad_alloc();
    for (size_t i = 0; i < l.size(); i++) {
      if (l[i].isTensor())
        p[i] = tg::wrap(l[i].toTensor());
      else if (!l[i].isNone())
        throw std::invalid_argument("a returned list holds a " + l[i].tagKind() + ", not tensors");
    }
    out->p = p;
  } else {
    throw std::invalid_argument("the op returned a " + v.tagKind() + ", which torchgo cannot return yet");
  }
}

at::Tensor as_tensor(const c10::IValue &v) {
  if (v.isTensor()) return v.toTensor();
  at::Tensor t = at::scalar_tensor(v.toScalar(), v.isDouble() ? at::kDouble : v.isBool() ? at::kBool : at::kLong);
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

}  // namespace

extern "C" {

tg_error tg_op_find(const char *name, const char *overload, tg_op *out) {
  TG_TRY
  auto h = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!h) {
    std::string msg = std::string("unknown operator ") + name;
    if (overload[0] != '\0') msg += std::string(".") + overload;
    throw std::invalid_argument(msg);
  }
  auto op = new tg_op_s(*h);
  op->int_div = is_int_div(h->operator_name());
  *out = op;
  TG_CATCH
}

void tg_op_free(tg_op op) { delete op; }

tg_error tg_op_schema(tg_op op, char **out) {
  TG_TRY
  *out = dup(schema_text(op->handle));
  TG_CATCH
}

tg_error tg_op_arguments(tg_op op, int returns, char **out) {
  TG_TRY
  const auto &s = op->handle.schema();
  std::ostringstream os;
  for (const auto &a : returns ? s.returns() : s.arguments()) {
    os << a.name() << '\t' << a.type()->str() << '\t' << a.real_type()->str() << '\t'
       << (a.N() ? *a.N() : 0) << '\t' << (a.kwarg_only() ? 1 : 0) << '\t'
       << (a.alias_info() && a.alias_info()->isWrite() ? 1 : 0) << '\t';
    if (a.default_value()) {
      os << 'd';
      const auto &d = *a.default_value();
      // Defaults are printed as TorchScript does; lists of ints as [a, b].
      if (d.isIntList()) {
        os << '[';
        auto l = d.toIntVector();
        for (size_t i = 0; i < l.size(); i++) os << (i ? ", " : "") << l[i];
        os << ']';
      } else if (d.isString()) {
        os << '"' << d.toStringRef() << '"';
      } else {
        os << d;
      }
    }
    os << '\n';
  }
  *out = dup(os.str());
  TG_CATCH
}

tg_error tg_op_names(char **out) {
  TG_TRY
  std::ostringstream os;
  for (const auto &n : c10::Dispatcher::singleton().getAllOpNames()) {
    auto h = c10::Dispatcher::singleton().findSchema(n);
    if (h && h->hasSchema()) os << schema_text(*h) << '\n';
  }
  *out = dup(os.str());
  TG_CATCH
}

tg_error tg_op_call(tg_op op, const tg_value *args, int64_t nargs, tg_value *rets, int64_t cap,
                    int64_t *nrets) {
  TG_TRY
  const auto &schema = op->handle.schema();
  const auto &params = schema.arguments();
  if (nargs > static_cast<int64_t>(params.size()))
    throw std::invalid_argument(std::to_string(nargs) + " arguments given, the schema takes " +
                                std::to_string(params.size()));
  // One stack per thread, reused (no allocation per call); emptied on the
  // way out, errors included, so that it holds no tensor between calls.
  thread_local torch::jit::Stack stack;
  struct Clear {
    ~Clear() { stack.clear(); }
  } clear_on_exit;
  stack.clear();
  for (size_t i = 0; i < params.size(); i++) {
    const auto &a = params[i];
    if (static_cast<int64_t>(i) < nargs && args[i].kind != TG_V_DEFAULT) {
      try {
        stack.push_back(to_ivalue(a, a.type(), args[i]));
      } catch (const c10::Error &e) {
        throw std::invalid_argument("argument '" + a.name() + "': " + e.what_without_backtrace());
      }
    } else if (a.default_value()) {
      stack.push_back(*a.default_value());  // the running libtorch's default
    } else {
      throw std::invalid_argument("argument '" + a.name() + "' (" + a.type()->str() + ") is required");
    }
  }
  if (op->int_div && stack.size() >= 2 && (stack[0].isTensor() || stack[1].isTensor()) &&
      (schema.name() != "aten::div" && schema.name() != "aten::div_" ||
       (stack.size() >= 3 && stack[2].isString()))) {
    tg::check_int_division(schema.name().c_str(), as_tensor(stack[0]), as_tensor(stack[1]));
  }
  op->handle.callBoxed(&stack);
  if (cap == 0) {  // results not wanted (an in-place op's self): dropped here
    *nrets = 0;
    return nullptr;
  }
  if (static_cast<int64_t>(stack.size()) > cap)
    throw std::invalid_argument("the op returned " + std::to_string(stack.size()) + " values, room for " +
                                std::to_string(cap));
  int64_t n = 0;
  try {
    for (auto &v : stack) from_ivalue(std::move(v), &rets[n++]);
  } catch (...) {
    for (int64_t i = 0; i < n; i++) tg_value_free(&rets[i]);
    throw;
  }
  *nrets = n;
  TG_CATCH
}

void tg_value_free(tg_value *v) {
  if (v->kind == TG_V_TENSOR && v->t != nullptr) tg_tensor_free(v->t);
  if (v->kind == TG_V_TENSOR_LIST && v->p != nullptr) {
    auto p = static_cast<tg_tensor *>(const_cast<void *>(v->p));
    for (int64_t i = 0; i < v->n; i++)
      if (p[i] != nullptr) tg_tensor_free(p[i]);
  }
  if (v->kind == TG_V_TENSOR_LIST || v->kind == TG_V_INT_LIST || v->kind == TG_V_STRING)
    std::free(const_cast<void *>(v->p));
  *v = tg_value{};
}

}  // extern "C"
