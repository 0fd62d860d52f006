#!/usr/bin/env bash
# CTest: data-parallel training under torchrun (Debian 12's python3-torch launcher) survives a worker
# crash. Two runs of 2 ranks on one machine over Gloo loopback, same options and data:
#   uninterrupted: 3 epochs;
#   interrupted:   rank 1 exits abruptly after step 5 (epoch 2) on the first attempt (the test hook
#                  LOWCLIP_FAULT_EXIT_AT_STEP in app/cli/cmd_train.cpp); torchrun --max_restarts 1
#                  restarts the group, which resumes from the checkpoint written after epoch 1.
# Both bundles must hold the same weights (max relative difference <= 1e-5). Exits 77 (skipped) when
# /usr/bin/python3 cannot import torch.distributed.run.
#   usage: torchrun_restart.sh LOWCLIP_CLI
set -euo pipefail
cli=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
py=/usr/bin/python3
if ! "$py" -c 'import torch.distributed.run' >/dev/null 2>&1; then
    echo "SKIPPED: $py cannot import torch.distributed.run (install Debian's python3-torch to run this test)"
    exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/lowclip-torchrun-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$cli" world --out "$work/data" --count 24 --size 32 --seed 3 --captions 2 >/dev/null

# A free port for each run's rendezvous (the launcher's c10d store).
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

run() {  # name
    "$py" -m torch.distributed.run --no_python --nnodes 1 --nproc_per_node 2 --max_restarts 1 \
        --rdzv_backend c10d --rdzv_endpoint "127.0.0.1:$(free_port)" --redirects 2 --tee 2 \
        "$cli" train --dataset "$work/data/captions.tsv" --scratch --image-size 32 --batch 8 --epochs 3 \
        --val-fraction 0 --seed 5 --threads 1 --loader-threads 1 --dist-timeout 20 \
        --checkpoint "$work/$1-checkpoint" --resume --out "$work/$1" >"$work/$1.log" 2>&1
}

start=$(date +%s)
if ! run whole; then cat "$work/whole.log"; echo "FAILED: the uninterrupted torchrun run"; exit 1; fi
if ! LOWCLIP_FAULT_EXIT_AT_STEP=5 run restarted; then
    cat "$work/restarted.log"; echo "FAILED: the restarted torchrun run"; exit 1
fi
if ! grep -q "test hook: exiting after step 5" "$work/restarted.log"; then
    cat "$work/restarted.log"; echo "FAILED: rank 1 did not stop on the first attempt"; exit 1
fi
if ! grep -q "resumed from .* after epoch 1" "$work/restarted.log"; then
    cat "$work/restarted.log"; echo "FAILED: the restarted group did not resume from the epoch 1 checkpoint"; exit 1
fi

# Compare the two bundles' weights (safetensors: 8-byte header length, JSON header, raw data).
"$py" - "$work/whole/model.safetensors" "$work/restarted/model.safetensors" <<'PY'
import json, struct, sys
import torch
def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}[info["dtype"]]
        a, b = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=dtype) if b > a else torch.zeros(0, dtype=dtype)
        out[name] = t.reshape(info["shape"]).double()
    return out
x, y = load(sys.argv[1]), load(sys.argv[2])
assert x.keys() == y.keys(), "the bundles hold different tensors"
worst, name = 0.0, ""
for k in x:
    scale = max(x[k].abs().max().item() if x[k].numel() else 0.0, 1e-12)
    d = (x[k] - y[k]).abs().max().item() / scale if x[k].numel() else 0.0
    if d > worst:
        worst, name = d, k
print(f"restarted vs uninterrupted: max relative difference {worst:.3g} ({name or 'all equal'})")
sys.exit(0 if worst <= 1e-5 else 1)
PY
echo "torchrun restart test: $(( $(date +%s) - start )) s"
