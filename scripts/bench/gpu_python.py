"""Python eager PyTorch's side of scripts/gpu-check.sh: the same training
steps as internal/cmd/gpubench (synthetic batches on the GPU, SGD momentum
0.9, cudnn.benchmark), printing one JSON line with steps per second.

usage: gpu_python.py MODEL BATCH STEPS PRECISION   (seed|resnet18, 32-true|bf16-mixed)
"""
import contextlib
import json
import sys
import time

import torch
import torch.nn.functional as F

from seednet import Net

name, batch, steps, precision = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
dev = torch.device("cuda:0")
torch.backends.cudnn.benchmark = True
torch.manual_seed(0)
if name == "seed":
    model, shape = Net(), (batch, 1, 28, 28)
else:
    import torchvision
    model, shape = torchvision.models.resnet18(num_classes=10), (batch, 3, 32, 32)
model.to(dev)
x = torch.randn(shape).to(dev)
y = torch.randint(0, 10, (batch,)).to(dev)
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)


def step():
    ctx = torch.autocast("cuda", dtype=torch.bfloat16) if precision == "bf16-mixed" else contextlib.nullcontext()
    with ctx:
        loss = F.cross_entropy(model(x), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


for _ in range(10):
    step()
torch.cuda.synchronize()
start = time.perf_counter()
for _ in range(steps):
    step()
torch.cuda.synchronize()
print(json.dumps({"model": name, "precision": precision, "batch": batch,
                  "steps_per_s": steps / (time.perf_counter() - start)}))
