#!/usr/bin/python3
"""Python baseline for bench_vision: the same photo pipeline written the usual PyTorch way.

PIL opens each photo (ImageOps.exif_transpose, convert("RGB")), torchvision transforms
Resize(size) + CenterCrop(size) + ToTensor + Normalize(ImageNet mean/std), a DataLoader with one
worker process per core batches them (batch 32), and torchvision's efficientnet_b0(weights=None)
computes features (flatten(avgpool(features(x)))) in eval mode under torch.inference_mode(),
with torch's intra-op threads = all cores.

Phases, as bench_vision: A decode+preprocess only (DataLoader), B forward only, C end to end.
Prints key=value lines (bench_vision --python parses them):
  python_decode_preprocess_photos_per_s=...
  python_forward_photos_per_s=...
  python_end_to_end_photos_per_s=...
  python_peak_rss_mib=...   (this process; DataLoader workers are separate processes)

Usage: bench_vision_python.py [FOLDER] [--batch 32] [--size 224] [--repeat 8] [--threads N]
                              [--workers N] [--draft]
--draft lets PIL decode JPEGs at reduced scale (Image.draft), which a typical pipeline does not do.
"""
import argparse
import os
import resource
import sys
import time

import torch
import torchvision
from PIL import Image, ImageOps
from torchvision import transforms


class Photos(torch.utils.data.Dataset):
    def __init__(self, paths, size, draft):
        self.paths = paths
        self.size = size
        self.draft = draft
        self.transform = transforms.Compose([
            transforms.Resize(size),
            transforms.CenterCrop(size),
            transforms.ToTensor(),
            transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        ])

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with Image.open(self.paths[i]) as im:
            if self.draft:
                im.draft("RGB", (self.size, self.size))
            im = ImageOps.exif_transpose(im).convert("RGB")
            return self.transform(im)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default="/usr/share/backgrounds/mate/nature")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--repeat", type=int, default=8)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--draft", action="store_true")
    args = ap.parse_args()

    cores = os.cpu_count() or 1
    threads = args.threads or cores
    workers = args.workers or cores
    torch.set_num_threads(threads)
    photos = sorted(os.path.join(args.folder, f) for f in os.listdir(args.folder)
                    if os.path.isfile(os.path.join(args.folder, f)))
    if not photos:
        sys.exit("no files in " + args.folder)
    work = photos * args.repeat
    print(f"python_threads={threads}")
    print(f"python_workers={workers}")
    print(f"python_images={len(work)}")

    def loader():
        return torch.utils.data.DataLoader(Photos(work, args.size, args.draft), batch_size=args.batch,
                                           num_workers=workers, shuffle=False)

    # A. decode + preprocess only.
    t0 = time.perf_counter()
    for _ in loader():
        pass
    a = len(work) / (time.perf_counter() - t0)
    print(f"python_decode_preprocess_photos_per_s={a:.2f}", flush=True)

    model = torchvision.models.efficientnet_b0(weights=None).eval()

    def features(x):
        return torch.flatten(model.avgpool(model.features(x)), 1)

    with torch.inference_mode():
        # B. forward only, after one warm-up batch.
        x = torch.randn(args.batch, 3, args.size, args.size)
        features(x)
        runs = max(2, len(work) // args.batch // 2)
        t0 = time.perf_counter()
        for _ in range(runs):
            features(x)
        b = runs * args.batch / (time.perf_counter() - t0)
        print(f"python_forward_photos_per_s={b:.2f}", flush=True)

        # C. end to end.
        t0 = time.perf_counter()
        n = 0
        for x in loader():
            f = features(x)
            float(f.sum())
            n += x.shape[0]
        c = n / (time.perf_counter() - t0)
        print(f"python_end_to_end_photos_per_s={c:.2f}")
    print(f"python_peak_rss_mib={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}")


if __name__ == "__main__":
    main()
