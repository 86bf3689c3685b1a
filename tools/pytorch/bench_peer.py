"""Times training steps of a folder's model in PyTorch: the peer `bench model --run-preset NAME --vs-pytorch` runs
alternately with ours, on the same weights, batch, accumulation and precision.

    python3 bench_peer.py <folder> --batch 8 --accumulation 2 --precision bf16 --steps 5

A step is what our trainer's step is: each micro-batch of random tokens forward and backward (the loss divided by the
number of micro-batches), the gradient norm clipped to 1, AdamW with weight decay 0.1 on matrices and none on gains
and biases, gradients cleared. fp32 runs in fp32; bf16 in PyTorch's CPU autocast (bf16 matmuls, fp32 weights and
optimizer), as PyTorch users train in bf16. Two warm-up steps, then the mean of the timed ones, printed as one line of
JSON: tokens per second, the seconds per step of data, forward, backward and optimizer, and the fp32 matmul GFLOP/s of
this torch (which BLAS it calls).
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_models  # noqa: E402


def arguments():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folder")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--accumulation", type=int, default=1)
    p.add_argument("--context", type=int, default=None, help="default: the model's context")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=None, help="intra-op threads (default: torch's); the bench passes ours")
    return p.parse_args()


def matmul_gflops(size=1024, trials=10):
    """fp32 matmul speed, best of a few: Debian's torch calls whichever libblas.so.3 is installed (the reference BLAS
    is some fifty times slower than OpenBLAS), and this shows which."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    best = float("inf")
    for _ in range(trials):
        clock = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - clock)
    return 2 * size ** 3 / best / 1e9


def main():
    args = arguments()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = hf_models.load(args.folder)
    context = args.context or model.context
    vocab = model.config["vocab_size"]
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=1e-4, betas=(0.9, 0.95), eps=1e-8, foreach=True)
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16")
    parts = {"data": 0.0, "forward": 0.0, "backward": 0.0, "optimizer": 0.0, "step": 0.0}
    for step in range(-2, args.steps):
        started = time.perf_counter()
        spent = dict.fromkeys(parts, 0.0)
        batches = [(torch.randint(0, vocab, (args.batch, context)), torch.randint(0, vocab, (args.batch, context)))
                   for _ in range(args.accumulation)]
        spent["data"] = time.perf_counter() - started
        for x, y in batches:
            clock = time.perf_counter()
            with autocast:
                logits = model(x)
            loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, vocab), y.reshape(-1)) / args.accumulation
            spent["forward"] += time.perf_counter() - clock
            clock = time.perf_counter()
            loss.backward()
            spent["backward"] += time.perf_counter() - clock
        clock = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        spent["optimizer"] = time.perf_counter() - clock
        spent["step"] = time.perf_counter() - started
        if step >= 0:
            for part in parts:
                parts[part] += spent[part] / args.steps
    tokens = args.batch * args.accumulation * context
    print(json.dumps({"tokens_per_second": tokens / parts["step"], **parts, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "matmul_gflops": matmul_gflops()}))


if __name__ == "__main__":
    main()
