"""The Python side of tools/bench-peer: the GAN training step gansweep's
Trainer takes, written as a plain PyTorch loop that records nothing.
Prints one line, `steps_per_s=X`; gansweep_step.cpp is the C++ side.

    python3 torch_step.py ring8|dcgan BATCH WARMUP STEPS

Same as gansweep: the layers and their initialisation ranges, the
non_saturating losses from logits through softplus (threshold 20), Adam with
lr 2e-4 and betas 0.5/0.999, one D update then one G update per step on a
fresh real batch and fresh noise, the generator run without a graph during
the D update, D's parameters frozen during the G update, and one thread.
ring8 batches are drawn as gansweep draws them (mode indices, then Gaussian
noise of std 0.01 around the unit-circle means); dcgan reads Fashion-MNIST
from Debian's package and serves shuffled batches scaled to [-1, 1].
Not the same: the random streams (other seeds, so other numbers), and no
gradient norms, finiteness check or rows, which gansweep always computes.
"""

import gzip
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

FASHION_MNIST = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def init_like_gansweep(module):
    # gansweep's models/init.cpp: Linear weight and bias uniform in
    # +-1/sqrt(fan_in); convolutions N(0, 0.02) with zero bias; batch norm
    # weight N(1, 0.02), zero bias.
    for m in module.modules():
        with torch.no_grad():
            if isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.weight.size(1))
                m.weight.uniform_(-bound, bound)
                m.bias.uniform_(-bound, bound)
            elif isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                m.weight.normal_(0.0, 0.02)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.normal_(1.0, 0.02)
                m.bias.zero_()
    return module


def ring8_models():
    hidden = 128
    generator = nn.Sequential(
        nn.Linear(2, hidden), nn.ReLU(),
        nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, 2))
    discriminator = nn.Sequential(
        nn.Linear(2, hidden), nn.ReLU(),
        nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, 1))
    return generator, discriminator, 2


class View(nn.Module):
    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.view(x.size(0), *self.shape)


def dcgan_models(width=16, z_dim=100):
    w = width
    generator = nn.Sequential(
        View(z_dim, 1, 1),
        nn.ConvTranspose2d(z_dim, 4 * w, 4, 1, 0, bias=False),  # (B, 4w, 4, 4)
        nn.BatchNorm2d(4 * w), nn.ReLU(),
        nn.ConvTranspose2d(4 * w, 2 * w, 3, 2, 1, bias=False),  # (B, 2w, 7, 7)
        nn.BatchNorm2d(2 * w), nn.ReLU(),
        nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False),  # (B, w, 14, 14)
        nn.BatchNorm2d(w), nn.ReLU(),
        nn.ConvTranspose2d(w, 1, 4, 2, 1, bias=True),  # (B, 1, 28, 28)
        nn.Tanh())
    discriminator = nn.Sequential(
        nn.Conv2d(1, w, 4, 2, 1, bias=True), nn.LeakyReLU(0.2),
        nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w),
        nn.LeakyReLU(0.2),
        nn.Conv2d(2 * w, 4 * w, 3, 2, 1, bias=False), nn.BatchNorm2d(4 * w),
        nn.LeakyReLU(0.2),
        nn.Conv2d(4 * w, 1, 4, 1, 0, bias=True),  # (B, 1, 1, 1)
        nn.Flatten(1))
    return generator, discriminator, z_dim


class Ring8:
    def __init__(self):
        angles = [2.0 * math.pi * k / 8 for k in range(8)]
        self.means = torch.tensor([[math.cos(a), math.sin(a)] for a in angles])

    def next_batch(self, batch):
        modes = torch.randint(8, (batch,))
        noise = torch.randn(batch, 2)
        return self.means.index_select(0, modes) + noise * 0.01


class FashionMnist:
    def __init__(self):
        with gzip.open(FASHION_MNIST, "rb") as f:
            raw = f.read()
        self.images = torch.frombuffer(bytearray(raw[16:]), dtype=torch.uint8)
        self.images = self.images.view(-1, 1, 28, 28)
        self.order = torch.randperm(self.images.size(0))
        self.index = 0

    def next_batch(self, batch):
        if self.index + batch > self.images.size(0):
            self.order = torch.randperm(self.images.size(0))
            self.index = 0
        rows = self.order[self.index:self.index + batch]
        self.index += batch
        return self.images.index_select(0, rows).float() / 127.5 - 1.0


def main():
    model, batch, warmup, timed = sys.argv[1], *map(int, sys.argv[2:5])
    torch.set_num_threads(1)
    torch.manual_seed(0)
    if model == "ring8":
        generator, discriminator, z_dim = ring8_models()
        data = Ring8()
    elif model == "dcgan":
        generator, discriminator, z_dim = dcgan_models()
        data = FashionMnist()
    else:
        sys.exit("model must be ring8 or dcgan, got " + model)
    init_like_gansweep(generator)
    init_like_gansweep(discriminator)
    generator.train()
    discriminator.train()
    optimizer_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizer_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def step():
        real = data.next_batch(batch)
        with torch.no_grad():
            fake = generator(torch.randn(batch, z_dim))
        optimizer_d.zero_grad()
        real_logits = discriminator(real)
        fake_logits = discriminator(fake)
        d_loss = (F.softplus(-real_logits, 1.0, 20.0).mean()
                  + F.softplus(fake_logits, 1.0, 20.0).mean())
        d_loss.backward()
        optimizer_d.step()

        for p in discriminator.parameters():
            p.requires_grad_(False)
        optimizer_g.zero_grad()
        fake_logits = discriminator(generator(torch.randn(batch, z_dim)))
        g_loss = F.softplus(-fake_logits, 1.0, 20.0).mean()
        g_loss.backward()
        for p in discriminator.parameters():
            p.requires_grad_(True)
        optimizer_g.step()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(timed):
        step()
    seconds = time.perf_counter() - start
    print(f"steps_per_s={timed / seconds:.3f}")


if __name__ == "__main__":
    main()
