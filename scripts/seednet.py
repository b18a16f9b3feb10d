"""The seed walkthrough's network, shared by the Python side of tests,
benchmarks and example trainers (Go's counterpart: vision/models.Net)."""
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc1 = nn.Linear(784, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x):
        h = F.max_pool2d(self.conv(x), 2).view(-1, 784)
        return self.fc2(F.relu(self.fc1(h)))
