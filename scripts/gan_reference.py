"""The Python peer of examples/gan: pytorch/examples' DCGAN (dcgan/main.py)
as a plain training loop, on MNIST padded to 32x32.

The model is dcgan/main.py's Generator and Discriminator for 32x32 images
(its 64x64 networks without the generator's first ngf*8 block and the
discriminator's last ndf*8 block), nc = 1; weights_init, BCELoss, Adam(lr,
betas=(beta1, 0.999)) for each network and the loop are main.py's, in
main.py's order of random draws: the generator (built, then weights_init),
the discriminator, fixed_noise, then per epoch the shuffling DataLoader and
per step the noise. The data are the first --limit training images of
MNIST's raw IDX files, as ToTensor() and Normalize((0.5,), (0.5,)) make
them, padded by 2 pixels of -1 (a black border) to 32x32.

Two things differ from main.py, each on purpose: zero_grad(set_to_none=True)
(torch 2's default, what the Go side's optimizers do, so that 1.13 and 2.x
take the same path), and torch.use_deterministic_algorithms(True) as the Go
side's Trainer(deterministic=True).

Prints JSON: "steps", one [errD, errG, D_x, D_G_z1, D_G_z2] per step (the
values main.py prints), "samples", the SHA-256 of G(fixed_noise) after each
epoch (main.py's fake samples, here taken at each epoch's end), and
"weights", the SHA-256 of every final tensor's bytes by state-dict name
("netG.main.0.weight", ...).

usage: gan_reference.py --data DATA [--limit N] [--batch-size B] [--epochs E]
       [--steps S] [--nz 16] [--ngf 8] [--ndf 8] [--lr 2e-4] [--beta1 0.5]
       [--seed 1]
"""
import argparse
import hashlib
import json
import os
import random
import struct
import sys

import torch
import torch.nn as nn
import torch.optim as optim
import torch.utils.data


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8)
    return data.reshape(dims)


def mnist(root, limit):
    images = read_idx(os.path.join(root, "MNIST", "raw", "train-images-idx3-ubyte"))
    if limit > 0:
        images = images[:limit]
    x = images.unsqueeze(1).to(torch.float32).div(255)  # ToTensor
    x = x.sub(0.5).div(0.5)  # Normalize((0.5,), (0.5,))
    return torch.nn.functional.pad(x, (2, 2, 2, 2), value=-1.0)


class Generator(nn.Module):
    def __init__(self, nz, ngf, nc):
        super().__init__()
        self.main = nn.Sequential(
            # input is Z, going into a convolution
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            # state size. (ngf*4) x 4 x 4
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # state size. (ngf*2) x 8 x 8
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            # state size. (ngf) x 16 x 16
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh()
            # state size. (nc) x 32 x 32
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self, ndf, nc):
        super().__init__()
        self.main = nn.Sequential(
            # input is (nc) x 32 x 32
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf) x 16 x 16
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*2) x 8 x 8
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*4) x 4 x 4
            nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        output = self.main(input)
        return output.view(-1, 1).squeeze(1)


# custom weights initialization called on netG and netD
def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data")
    ap.add_argument("--limit", type=int, default=0, help="use the first N training images (0: all)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: no limit)")
    ap.add_argument("--nz", type=int, default=100)
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--ndf", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.0002)
    ap.add_argument("--beta1", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=1)
    opt = ap.parse_args()
    if os.environ.get("TORCHGO_NUM_THREADS"):
        torch.set_num_threads(int(os.environ["TORCHGO_NUM_THREADS"]))
    torch.use_deterministic_algorithms(True)

    random.seed(opt.seed)
    torch.manual_seed(opt.seed)
    dataset = torch.utils.data.TensorDataset(mnist(opt.data, opt.limit))
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=opt.batch_size, shuffle=True)
    nz, nc = opt.nz, 1

    netG = Generator(nz, opt.ngf, nc)
    netG.apply(weights_init)
    netD = Discriminator(opt.ndf, nc)
    netD.apply(weights_init)
    criterion = nn.BCELoss()
    fixed_noise = torch.randn(opt.batch_size, nz, 1, 1)
    real_label = 1
    fake_label = 0
    optimizerD = optim.Adam(netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))

    steps, samples = [], []
    done = False
    for epoch in range(opt.epochs):
        for i, data in enumerate(dataloader, 0):
            ############################
            # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
            ###########################
            # train with real
            netD.zero_grad(set_to_none=True)
            real_cpu = data[0]
            batch_size = real_cpu.size(0)
            label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype)
            output = netD(real_cpu)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()

            # train with fake
            noise = torch.randn(batch_size, nz, 1, 1)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()

            ############################
            # (2) Update G network: maximize log(D(G(z)))
            ###########################
            netG.zero_grad(set_to_none=True)
            label.fill_(real_label)  # fake labels are real for generator cost
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()

            steps.append([errD.item(), errG.item(), D_x, D_G_z1, D_G_z2])
            print('[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f'
                  % (epoch, opt.epochs, i, len(dataloader),
                     errD.item(), errG.item(), D_x, D_G_z1, D_G_z2), file=sys.stderr)
            if opt.steps and len(steps) >= opt.steps:
                done = True
                break
        # main.py's samples: G(fixed_noise) in training mode (its batch
        # norms update their running statistics), here after each epoch.
        with torch.no_grad():
            fake = netG(fixed_noise)
        samples.append(hashlib.sha256(fake.numpy().tobytes()).hexdigest())
        if done:
            break

    weights = {}
    for prefix, net in (("netG.", netG), ("netD.", netD)):
        for k, v in net.state_dict().items():
            weights[prefix + k] = hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest()
    json.dump({"steps": steps, "samples": samples, "weights": weights}, sys.stdout)


if __name__ == "__main__":
    main()
