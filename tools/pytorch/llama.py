"""Llama and Qwen3 in plain PyTorch, written from the published architecture: the reference for `export --format hf`
of the modern block, and the model pretrain_ddp.py trains.

Llama (Touvron et al. 2023): pre-norm blocks with RMSNorm, rotary positions on queries and keys (each dimension i
paired with i + head_dim/2, transformers' rotate_half), causal attention, a SwiGLU MLP down(silu(gate(x)) * up(x)).
Qwen3 adds an RMSNorm over each head's queries and keys before the rotation (QK-norm) and has no MLP biases.
Parameters are read by the folder's names (model.layers.0.self_attn.q_proj.weight ...) and its config fields;
grouped-query attention (fewer key/value heads) is supported, as real checkpoints use it.
"""
import math

import torch

from hf_files import NamedWeights


def rms_norm(x, gain, eps):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * gain


def rotate_half(x):
    first, second = x.chunk(2, dim=-1)
    return torch.cat([-second, first], dim=-1)


class Llama(NamedWeights):
    """A LlamaForCausalLM or Qwen3ForCausalLM from its config.json and tensors."""

    def __init__(self, config, tensors):
        if config.get("rope_scaling") or config.get("use_sliding_window") or config.get("hidden_act", "silu") != "silu":
            raise SystemExit("rope_scaling, sliding windows and activations other than silu are not part of this reference")
        tied = config.get("tie_word_embeddings", False)
        super().__init__({n: t for n, t in tensors.items() if not (tied and n == "lm_head.weight") and not n.endswith("rotary_emb.inv_freq")})
        self.config, self.tied = config, tied
        self.context = config["max_position_embeddings"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads") or self.heads
        self.head_dim = config.get("head_dim") or config["hidden_size"] // self.heads
        self.eps = config.get("rms_norm_eps", 1e-6)
        self.theta = config.get("rope_theta", 10000.0)

    def linear(self, x, name):
        return torch.nn.functional.linear(x, self.w(name + ".weight"), self.w(name + ".bias") if self.has(name + ".bias") else None)

    def rotary(self, T, dtype, device):
        """cos and sin (T, head_dim) of each position's angles, position t × theta^(-2i/head_dim) for the pair i."""
        inverse = 1.0 / self.theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.float64, device=device) / self.head_dim)
        angles = torch.outer(torch.arange(T, dtype=torch.float64, device=device), inverse)   # (T, head_dim/2)
        angles = torch.cat([angles, angles], dim=-1)                                         # (T, head_dim)
        return angles.cos().to(dtype), angles.sin().to(dtype)

    def forward(self, ids):
        """Logits (B, T, V) for token ids (B, T)."""
        B, T = ids.shape
        nh, nkv, hd = self.heads, self.kv_heads, self.head_dim
        x = self.w("model.embed_tokens.weight")[ids]                                          # (B, T, C)
        cos, sin = self.rotary(T, x.dtype, ids.device)
        causal = torch.ones(T, T, dtype=torch.bool, device=ids.device).tril()
        for layer in range(self.config["num_hidden_layers"]):
            p = f"model.layers.{layer}."
            h = rms_norm(x, self.w(p + "input_layernorm.weight"), self.eps)
            q = self.linear(h, p + "self_attn.q_proj").view(B, T, nh, hd).transpose(1, 2)      # (B, nh, T, hd)
            k = self.linear(h, p + "self_attn.k_proj").view(B, T, nkv, hd).transpose(1, 2)     # (B, nkv, T, hd)
            v = self.linear(h, p + "self_attn.v_proj").view(B, T, nkv, hd).transpose(1, 2)
            if self.has(p + "self_attn.q_norm.weight"):                                         # Qwen3
                q = rms_norm(q, self.w(p + "self_attn.q_norm.weight"), self.eps)
                k = rms_norm(k, self.w(p + "self_attn.k_norm.weight"), self.eps)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            k, v = k.repeat_interleave(nh // nkv, dim=1), v.repeat_interleave(nh // nkv, dim=1)   # (B, nh, T, hd)
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(hd)                                   # (B, nh, T, T)
            attention = torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)
            y = (attention @ v).transpose(1, 2).reshape(B, T, nh * hd)
            x = x + self.linear(y, p + "self_attn.o_proj")
            h = rms_norm(x, self.w(p + "post_attention_layernorm.weight"), self.eps)
            gated = torch.nn.functional.silu(self.linear(h, p + "mlp.gate_proj")) * self.linear(h, p + "mlp.up_proj")
            x = x + self.linear(gated, p + "mlp.down_proj")
        x = rms_norm(x, self.w("model.norm.weight"), self.eps)
        head = self.w("model.embed_tokens.weight") if self.tied else self.w("lm_head.weight")
        return x @ head.T
