"""The seed's pipeline in Python PyTorch: torchvision MNIST + DataLoader.
usage: seed_python.py DATA_ROOT EPOCHS → prints JSON like floor.cc."""
import json, resource, sys, time
import os
import torch, torch.nn.functional as F
import torchvision
from torchvision import transforms

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from seednet import Net  # noqa: E402


root, epochs = sys.argv[1], int(sys.argv[2])
ds = torchvision.datasets.MNIST(root, train=True, download=False, transform=transforms.Compose([transforms.ToTensor()]))
torch.manual_seed(0)
train, val = torch.utils.data.random_split(ds, [48000, 12000])
torch.manual_seed(0)
net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.01)
loader = torch.utils.data.DataLoader(train, batch_size=256, shuffle=True)
secs = []
for _ in range(epochs):
    t0 = time.perf_counter()
    for x, y in loader:
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    secs.append(time.perf_counter() - t0)
net.eval()
one = train[0][0].unsqueeze(0)
us = []
with torch.no_grad():
    for _ in range(2000):
        t0 = time.perf_counter()
        int(net(one).argmax(1))
        us.append((time.perf_counter() - t0) * 1e6)
us.sort()
print(json.dumps({"epoch_s": secs, "predict_us": us[len(us) // 2],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "threads": torch.get_num_threads()}))
