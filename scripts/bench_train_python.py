#!/usr/bin/python3
"""Training throughput of the paper-sized LowCLIP model in Python PyTorch, for a ratio with bench_train.

The same step as `bench_train`: a BERT-base-shaped text tower with the mBERT vocabulary (119,547 x 768,
12 layers, 12 heads, 3072, post-LN, GELU, [CLS] pooling), torchvision's efficientnet_b0 without its
classifier, Simple-CLIP projection heads (256) and loss, AdamW with per-group rates (heads 1e-3,
image 1e-4, text 1e-5), random weights and inputs, batch 32 at 224x224 with 32 tokens. Prints pairs/s
of full steps (forward, loss, backward, optimizer), the first step excluded as warm-up.

    /usr/bin/python3 scripts/bench_train_python.py [--batch 32] [--steps 3] [--threads N]
(Debian's python3-torch and python3-torchvision.)
"""
import argparse
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class BertLayer(nn.Module):
    def __init__(self, h, heads, inter, eps=1e-12):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(h, 3 * h)
        self.out = nn.Linear(h, h)
        self.ln1 = nn.LayerNorm(h, eps=eps)
        self.inter = nn.Linear(h, inter)
        self.output = nn.Linear(inter, h)
        self.ln2 = nn.LayerNorm(h, eps=eps)
        self.drop = nn.Dropout(0.1)

    def forward(self, x, bias):
        b, n, h = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(h // self.heads) + bias
        ctx = self.drop(att.softmax(-1)) @ v
        ctx = ctx.transpose(1, 2).reshape(b, n, h)
        x = self.ln1(x + self.drop(self.out(ctx)))
        return self.ln2(x + self.drop(self.output(F.gelu(self.inter(x)))))


class Bert(nn.Module):
    def __init__(self, vocab=119547, h=768, layers=12, heads=12, inter=3072, positions=512):
        super().__init__()
        self.word = nn.Embedding(vocab, h)
        self.pos = nn.Embedding(positions, h)
        self.token_type = nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(0.1)
        self.layers = nn.ModuleList([BertLayer(h, heads, inter) for _ in range(layers)])

    def forward(self, ids, mask):
        n = ids.shape[1]
        x = self.word(ids) + self.pos.weight[:n] + self.token_type.weight[0]
        x = self.drop(self.ln(x))
        bias = (1.0 - mask[:, None, None, :].float()) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x[:, 0]


class Head(nn.Module):
    def __init__(self, i, o, p=0.1):
        super().__init__()
        self.projection = nn.Linear(i, o)
        self.fc = nn.Linear(o, o)
        self.dropout = nn.Dropout(p)
        self.layer_norm = nn.LayerNorm(o)

    def forward(self, x):
        p = self.projection(x)
        return self.layer_norm(self.dropout(self.fc(F.gelu(p))) + p)


def simple_clip_loss(img, txt, t=1.0):
    logits = txt @ img.T / t
    targets = F.softmax((img @ img.T + txt @ txt.T) / 2 * t, dim=-1)
    texts_loss = (-targets * F.log_softmax(logits, -1)).sum(1)
    images_loss = (-targets.T * F.log_softmax(logits.T, -1)).sum(1)
    return ((images_loss + texts_loss) / 2).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("LOWCLIP_THREADS", os.cpu_count() or 1)))
    ap.add_argument("--image", type=int, default=224)
    ap.add_argument("--tokens", type=int, default=32)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    text = Bert()
    image = torchvision.models.efficientnet_b0()
    image.classifier = nn.Identity()
    th, ih = Head(768, 256), Head(1280, 256)
    groups = [
        {"params": list(th.parameters()) + list(ih.parameters()), "lr": 1e-3},
        {"params": image.parameters(), "lr": 1e-4},
        {"params": text.parameters(), "lr": 1e-5},
    ]
    opt = torch.optim.AdamW(groups, weight_decay=0.01)
    nparams = sum(p.numel() for m in (text, image, th, ih) for p in m.parameters())
    for m in (text, image, th, ih):
        m.train()
    times = []
    for step in range(a.steps):
        g = torch.Generator().manual_seed(step + 1)
        x = torch.randn(a.batch, 3, a.image, a.image, generator=g)
        ids = torch.randint(1000, 119547, (a.batch, a.tokens), generator=g)
        ids[:, 0], ids[:, -1] = 101, 102
        mask = torch.ones_like(ids)
        t0 = time.perf_counter()
        loss = simple_clip_loss(ih(image(x)), th(text(ids, mask)))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for grp in opt.param_groups for p in grp["params"]], 1.0)
        opt.step()
        times.append(time.perf_counter() - t0)
        print(f"  step {step + 1}: {times[-1]:.3f} s  loss {loss.item():.4f}", flush=True)
    steady = times[1:] if len(times) > 1 else times
    pps = a.batch / (sum(steady) / len(steady))
    print(f"bench_train_python: torch {torch.__version__}, {nparams} parameters, batch {a.batch}, "
          f"{a.image}x{a.image}, {a.tokens} tokens, cpu, {a.threads} threads")
    print(f"train_pairs_per_second {pps:.3f}")


if __name__ == "__main__":
    main()
