"""GPT-2 in plain PyTorch, written from the model's equations: the reference for `export --format hf` of GPT-2's block.

Weights keep GPT-2's layout: the four projections are Conv1D, y = x @ W + b with W of shape (in, out). PyTorch's own
layer norm and GELU, as a PyTorch user writes them (bench_peer.py times this model against ours).
"""
import math

import torch
import torch.nn.functional as F

from hf_files import NamedWeights


class GPT2(NamedWeights):
    """Parameters named as transformers names them (transformer.h.0.attn.c_attn.weight ...)."""

    def __init__(self, config, tensors):
        tied = config.get("tie_word_embeddings", True)
        weights = {}
        for name, t in tensors.items():
            name = name if name.startswith("transformer.") or name == "lm_head.weight" else "transformer." + name
            if name.endswith(".attn.bias") or name.endswith(".attn.masked_bias") or (tied and name == "lm_head.weight"):
                continue
            weights[name] = t
        super().__init__(weights)
        self.config, self.tied = config, tied
        self.context = config["n_positions"]
        self.gelu = "none" if config.get("activation_function", "gelu_new") == "gelu" else "tanh"   # gelu_new: GPT-2's approximation
        self.eps = config.get("layer_norm_epsilon", 1e-5)

    def forward(self, ids):
        """Logits (B, T, V) for token ids (B, T)."""
        c = self.config
        B, T = ids.shape
        C, nh = c["n_embd"], c["n_head"]
        hs = C // nh
        x = self.w("transformer.wte.weight")[ids] + self.w("transformer.wpe.weight")[:T]
        causal = torch.ones(T, T, dtype=torch.bool, device=ids.device).tril()
        for layer in range(c["n_layer"]):
            p = f"transformer.h.{layer}."
            h = F.layer_norm(x, (C,), self.w(p + "ln_1.weight"), self.w(p + "ln_1.bias"), self.eps)
            qkv = h @ self.w(p + "attn.c_attn.weight") + self.w(p + "attn.c_attn.bias")              # (B, T, 3C)
            q, k, v = (part.view(B, T, nh, hs).transpose(1, 2) for part in qkv.split(C, dim=-1))   # (B, nh, T, hs)
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(hs)                                       # (B, nh, T, T)
            attention = torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)
            y = (attention @ v).transpose(1, 2).reshape(B, T, C)
            x = x + y @ self.w(p + "attn.c_proj.weight") + self.w(p + "attn.c_proj.bias")
            h = F.layer_norm(x, (C,), self.w(p + "ln_2.weight"), self.w(p + "ln_2.bias"), self.eps)
            h = F.gelu(h @ self.w(p + "mlp.c_fc.weight") + self.w(p + "mlp.c_fc.bias"), approximate=self.gelu)
            x = x + h @ self.w(p + "mlp.c_proj.weight") + self.w(p + "mlp.c_proj.bias")
        x = F.layer_norm(x, (C,), self.w("transformer.ln_f.weight"), self.w("transformer.ln_f.bias"), self.eps)
        head = self.w("transformer.wte.weight") if self.tied else self.w("lm_head.weight")
        return x @ head.T
