// The floor for any binding of libtorch's kernels: the seed's recipe as a
// plain libtorch C++ loop with the data pre-loaded as one tensor.
// usage: floor DATA_ROOT EPOCHS   → prints JSON: epoch seconds, predict µs, peak RSS.
#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <vector>

static torch::Tensor read_idx(const std::string &path, int dims) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  unsigned char hdr[4];
  f.read(reinterpret_cast<char *>(hdr), 4);
  std::vector<int64_t> shape;
  int64_t n = 1;
  for (int i = 0; i < dims; i++) {
    unsigned char b[4];
    f.read(reinterpret_cast<char *>(b), 4);
    shape.push_back((int64_t(b[0]) << 24) | (b[1] << 16) | (b[2] << 8) | b[3]);
    n *= shape.back();
  }
  auto t = torch::empty(shape, torch::kUInt8);
  f.read(reinterpret_cast<char *>(t.data_ptr()), n);
  return t;
}

struct Net : torch::nn::Module {
  torch::nn::Conv2d conv{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  Net() {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3).padding(1)));
    fc1 = register_module("fc1", torch::nn::Linear(784, 100));
    fc2 = register_module("fc2", torch::nn::Linear(100, 10));
  }
  torch::Tensor forward(torch::Tensor x) {
    auto h = torch::max_pool2d(conv->forward(x), 2).view({-1, 784});
    return fc2->forward(torch::relu(fc1->forward(h)));
  }
};

int main(int argc, char **argv) {
  std::string root = argc > 1 ? argv[1] : "data";
  int epochs = argc > 2 ? std::atoi(argv[2]) : 3;
  auto images = read_idx(root + "/MNIST/raw/train-images-idx3-ubyte", 3);
  auto labels = read_idx(root + "/MNIST/raw/train-labels-idx1-ubyte", 1).to(torch::kLong);
  auto x = images.unsqueeze(1).to(torch::kFloat).div(255);
  torch::manual_seed(0);
  auto perm = torch::randperm(60000, torch::kLong);
  auto train_idx = perm.slice(0, 0, 48000);
  auto xs = x.index_select(0, train_idx), ys = labels.index_select(0, train_idx);
  torch::manual_seed(0);
  Net net;
  torch::optim::SGD opt(net.parameters(), torch::optim::SGDOptions(0.01));
  std::vector<double> secs;
  for (int e = 0; e < epochs; e++) {
    auto order = torch::randperm(48000, torch::kLong);
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < 48000; i += 256) {
      auto idx = order.slice(0, i, std::min<int64_t>(i + 256, 48000));
      auto loss = torch::cross_entropy_loss(net.forward(xs.index_select(0, idx)), ys.index_select(0, idx));
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  torch::NoGradGuard ng;
  net.eval();
  auto one = xs.slice(0, 0, 1);
  std::vector<double> us;
  for (int i = 0; i < 2000; i++) {
    auto t0 = std::chrono::steady_clock::now();
    auto p = net.forward(one).argmax(1).item<int64_t>();
    (void)p;
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf("{\"epoch_s\": [");
  for (size_t i = 0; i < secs.size(); i++) std::printf("%s%.4f", i ? ", " : "", secs[i]);
  std::printf("], \"predict_us\": %.2f, \"peak_rss_mb\": %.1f, \"threads\": %d}\n", us[us.size() / 2],
              ru.ru_maxrss / 1024.0, at::get_num_threads());
}
