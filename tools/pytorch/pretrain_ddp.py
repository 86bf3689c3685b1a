"""Pretrains an exported folder (GPT-2, Llama or Qwen3) on several GPUs or machines with DistributedDataParallel.

The hand-off for runs larger than one GPU (TorchSharp has no distributed training):

    dotnet run -c Release -- export --model runs/gpu/pretrain --format hf --out hf/start      # or a fresh model
    torchrun --standalone --nproc_per_node=8 tools/pytorch/pretrain_ddp.py \
        --init hf/start --tokens runs/gpu/tokens/gpt2-openwebtext --out hf/trained --steps 6800
    dotnet run -c Release -- import --from hf/trained --out runs/gpu/pretrain-ddp             # finetune, evaluate, report here

Multi-node: the same command on every node with --nnodes, --node_rank and --rdzv_endpoint (see torchrun --help).
The model is the folder's own: hf_models.py reads its config.json and runs gpt2.py or llama.py, and the trained
weights are written as a folder of the same kind. The token shards are the ones `prepare` writes (manifest.json +
raw little-endian ids), read in place. Every rank draws its own random windows; gradients are averaged across ranks each optimizer step. The learning-rate schedule,
AdamW groups and clipping are the ones our trainer uses. On CUDA the passes run in bf16 autocast, matmuls in TF32;
on CPUs (gloo) in fp32, which is how the recipe is tested on a machine without GPUs.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_models  # noqa: E402


def arguments():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--init", required=True, help="Hugging Face folder to start from (export --format hf)")
    p.add_argument("--tokens", required=True, help="token shards folder (prepare), holding manifest.json")
    p.add_argument("--out", required=True, help="folder to write the trained model to (the same kind)")
    p.add_argument("--steps", type=int, default=6800)
    p.add_argument("--batch", type=int, default=12, help="sequences per micro-batch per rank")
    p.add_argument("--context", type=int, default=None, help="window length (default: the model's n_positions)")
    p.add_argument("--tokens-per-step", type=int, default=491520, help="tokens per optimizer step across all ranks")
    p.add_argument("--lr", type=float, default=6e-4)
    p.add_argument("--min-lr", type=float, default=6e-5)
    p.add_argument("--warmup", type=int, default=700)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--log-interval", type=int, default=10)
    p.add_argument("--seed", type=int, default=1337)
    return p.parse_args()


class Windows:
    """Random (input, target) windows of one split, a different stream per rank."""

    def __init__(self, folder, split, context, seed):
        with open(os.path.join(folder, "manifest.json")) as f:
            manifest = json.load(f)
        dtype = {2: np.uint16, 4: np.uint32}[manifest["bytes_per_token"]]
        shards = [np.memmap(os.path.join(folder, s["file"]), dtype=dtype, mode="r") for s in manifest["splits"][split]["shards"] if s["tokens"] > 0]
        self.tokens = np.concatenate(shards) if len(shards) > 1 else shards[0]
        if len(self.tokens) < context + 1:
            raise SystemExit(f"{folder}: the {split} split holds {len(self.tokens)} tokens, fewer than one window of {context + 1}")
        self.context = context
        self.random = np.random.default_rng(seed)

    def batch(self, rows, device):
        starts = self.random.integers(0, len(self.tokens) - self.context, size=rows)
        window = np.stack([self.tokens[s:s + self.context + 1].astype(np.int64) for s in starts])
        x, y = torch.from_numpy(window[:, :-1]), torch.from_numpy(window[:, 1:])
        return x.to(device, non_blocking=True), y.to(device, non_blocking=True)


def learning_rate(step, args):
    """Linear warm-up, then cosine decay to the minimum: our LrSchedule."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
    return args.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (args.lr - args.min_lr)


def main():
    args = arguments()
    cuda = torch.cuda.is_available()
    dist.init_process_group(backend="nccl" if cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
        torch.backends.cuda.matmul.allow_tf32 = True
    torch.manual_seed(args.seed)

    model = hf_models.load(args.init).to(device)
    context = args.context or model.context
    micro = args.batch * context * world
    if args.tokens_per_step % micro:
        raise SystemExit(f"--tokens-per-step {args.tokens_per_step} is not a multiple of batch × context × ranks ({micro})")
    accumulation = args.tokens_per_step // micro
    ddp = DistributedDataParallel(model, device_ids=[local] if cuda else None)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    train = Windows(args.tokens, "train", context, args.seed + rank)
    val = Windows(args.tokens, "val", context, args.seed + 10_000)
    vocab = model.config["vocab_size"]
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else torch.autocast("cpu", enabled=False)

    def loss_of(module, x, y):
        with autocast:
            logits = module(x)
        return torch.nn.functional.cross_entropy(logits.float().reshape(-1, vocab), y.reshape(-1))

    @torch.no_grad()
    def validation(batches=8):
        # The plain module, not the DDP wrapper: rank 0 alone runs it, and the wrapper's forward may talk to the others.
        return sum(float(loss_of(model, *val.batch(args.batch, device))) for _ in range(batches)) / batches

    if rank == 0:
        print(f"{world} ranks on {device.type}; {args.steps} steps × {args.tokens_per_step:,} tokens "
              f"({accumulation} micro-batches of {args.batch} × {context} per rank); validation loss {validation():.4f}", flush=True)
    clock = time.time()
    for step in range(args.steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args)
        loss = 0.0
        for m in range(accumulation):
            x, y = train.batch(args.batch, device)
            ddp.require_backward_grad_sync = m == accumulation - 1   # average gradients across ranks once per step
            micro_loss = loss_of(ddp, x, y) / accumulation
            micro_loss.backward()
            loss += float(micro_loss)
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if rank == 0 and ((step + 1) % args.log_interval == 0 or step + 1 == args.steps):
            seconds = time.time() - clock
            print(f"step {step + 1}/{args.steps}  loss {loss:.4f}  grad norm {float(norm):.3f}  "
                  f"{(step + 1) * args.tokens_per_step / seconds:,.0f} tokens/s", flush=True)
    # DDP averages the gradients, so every rank takes the same steps: their weights must be identical.
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    first = flat.clone()
    dist.broadcast(first, src=0)
    difference = (flat - first).abs().max()
    dist.all_reduce(difference, op=dist.ReduceOp.MAX)
    if rank == 0:
        print(f"largest weight difference between ranks: {float(difference):.3g}", flush=True)
        print(f"validation loss {validation():.4f}", flush=True)
        hf_models.save(model, args.out, args.init)
        print(f"model: {args.out}", flush=True)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
