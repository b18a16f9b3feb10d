"""The DDP reference run for torch/distributed's tests: one rank of a gloo
group training the seed's Net with DistributedDataParallel on seeded random
data, as torchrun would start it (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT).

usage: ddp_reference.py SAMPLES BATCH EPOCHS LR   → prints JSON: the rank's
losses per step and its final weights (hex of float32 bytes).
"""
import json
import os
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from seednet import Net

samples, batch, epochs, lr = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
# PyTorch 2.4+ rendezvous through libuv by default; Debian builds without it.
os.environ.setdefault("USE_LIBUV", "0")
dist.init_process_group("gloo", rank=rank, world_size=world)

g = torch.Generator().manual_seed(0)
x = torch.randn(samples, 1, 28, 28, generator=g)
y = torch.randint(0, 10, (samples,), generator=g)
torch.manual_seed(100 + rank)  # replicas start apart: DDP copies rank 0's weights
model = DDP(Net())
opt = torch.optim.SGD(model.parameters(), lr=lr)
sampler = DistributedSampler(TensorDataset(x, y), num_replicas=world, rank=rank, shuffle=True, seed=0)
loader = DataLoader(TensorDataset(x, y), batch_size=batch, sampler=sampler)
losses = []
for epoch in range(epochs):
    sampler.set_epoch(epoch)
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
weights = {k: v.detach().contiguous().numpy().tobytes().hex() for k, v in model.module.state_dict().items()}
json.dump({"losses": losses, "weights": weights}, sys.stdout)
dist.destroy_process_group()
