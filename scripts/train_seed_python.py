"""Trains the seed's Net in Python PyTorch and saves its state dict.

Used by examples/inference: the Go server loads the weights this writes and
must classify MNIST test digits exactly as this script does.

usage: train_seed_python.py DATA_ROOT OUT.pt [--epochs N] [--eval N]
Prints JSON: {"eval": N, "correct": C, "predictions": [...]} for the first N
test digits.
"""
import argparse
import json

import torch
import torch.nn.functional as F
import torchvision
from torchvision import transforms

from seednet import Net


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("out")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--eval", type=int, default=500)
    args = ap.parse_args()

    tf = transforms.Compose([transforms.ToTensor()])
    train = torchvision.datasets.MNIST(args.root, train=True, download=False, transform=tf)
    test = torchvision.datasets.MNIST(args.root, train=False, download=False, transform=tf)
    torch.manual_seed(0)
    net = Net()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    loader = torch.utils.data.DataLoader(train, batch_size=256, shuffle=True)
    for _ in range(args.epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()
    torch.save(net.state_dict(), args.out)

    net.eval()
    x = torch.stack([test[i][0] for i in range(args.eval)])
    y = test.targets[: args.eval]
    with torch.no_grad():
        pred = net(x).argmax(1)
    print(json.dumps({"eval": args.eval, "correct": int((pred == y).sum()), "predictions": pred.tolist()}))


if __name__ == "__main__":
    main()
