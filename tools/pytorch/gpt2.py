"""GPT-2 in plain PyTorch, written from the model's equations: the reference for `export --format hf` of GPT-2's block.

Weights keep GPT-2's layout: the four projections are Conv1D, y = x @ W + b with W of shape (in, out).
"""
import math

import torch

from hf_files import NamedWeights


def gelu(x, tanh):
    if tanh:  # GPT-2's own approximation ("gelu_new")
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def layer_norm(x, gain, bias, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * gain + bias


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
        self.tanh = config.get("activation_function", "gelu_new") != "gelu"
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
            h = layer_norm(x, self.w(p + "ln_1.weight"), self.w(p + "ln_1.bias"), self.eps)
            qkv = h @ self.w(p + "attn.c_attn.weight") + self.w(p + "attn.c_attn.bias")              # (B, T, 3C)
            q, k, v = (part.view(B, T, nh, hs).transpose(1, 2) for part in qkv.split(C, dim=-1))   # (B, nh, T, hs)
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(hs)                                       # (B, nh, T, T)
            attention = torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)
            y = (attention @ v).transpose(1, 2).reshape(B, T, C)
            x = x + y @ self.w(p + "attn.c_proj.weight") + self.w(p + "attn.c_proj.bias")
            h = layer_norm(x, self.w(p + "ln_2.weight"), self.w(p + "ln_2.bias"), self.eps)
            h = gelu(h @ self.w(p + "mlp.c_fc.weight") + self.w(p + "mlp.c_fc.bias"), self.tanh)
            x = x + h @ self.w(p + "mlp.c_proj.weight") + self.w(p + "mlp.c_proj.bias")
        x = layer_norm(x, self.w("transformer.ln_f.weight"), self.w("transformer.ln_f.bias"), self.eps)
        head = self.w("transformer.wte.weight") if self.tied else self.w("lm_head.weight")
        return x @ head.T
