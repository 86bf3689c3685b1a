"""GPT-2 in plain PyTorch, written from the model's equations, for the other side of the hand-off.

It reads and writes the Hugging Face GPT-2 folders that `export --format hf` writes and `import` reads
(config.json, model.safetensors, vocab.json + merges.txt), with nothing but torch: no transformers, no
safetensors, no tokenizers package, so it runs wherever Debian's python3-torch does. The parity test uses it as
an independent implementation; pretrain_ddp.py trains it on several processes or machines.

Weights keep GPT-2's layout: the four projections are Conv1D, y = x @ W + b with W of shape (in, out).
"""
import json
import math
import os
import struct
import unicodedata

import torch
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64, "I64": torch.int64}
NAMES = {v: k for k, v in DTYPES.items()}


# --- safetensors: an 8-byte header length, a JSON header of dtype/shape/offsets, the raw bytes -----------------

def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    start = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        flat = torch.frombuffer(bytearray(data[start + begin:start + end]), dtype=DTYPES[entry["dtype"]])
        tensors[name] = flat.reshape(entry["shape"])
    return tensors


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        blob = t.view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path + ".part", "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded)
        for blob in blobs:
            f.write(blob)
    os.replace(path + ".part", path)


# --- the model ---------------------------------------------------------------------------------------------

def gelu(x, tanh):
    if tanh:  # GPT-2's own approximation ("gelu_new")
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def layer_norm(x, gain, bias, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * gain + bias


class GPT2(torch.nn.Module):
    """Parameters named as transformers names them (transformer.h.0.attn.c_attn.weight ...)."""

    def __init__(self, config, tensors):
        super().__init__()
        self.config = config
        self.tanh = config.get("activation_function", "gelu_new") != "gelu"
        self.eps = config.get("layer_norm_epsilon", 1e-5)
        tied = config.get("tie_word_embeddings", True)
        weights = {}
        for name, t in tensors.items():
            name = name if name.startswith("transformer.") or name == "lm_head.weight" else "transformer." + name
            if name.endswith(".attn.bias") or name.endswith(".attn.masked_bias") or (tied and name == "lm_head.weight"):
                continue
            weights[name] = t.float()
        self.names = sorted(weights)
        self.weights = torch.nn.ParameterList([torch.nn.Parameter(weights[n].clone()) for n in self.names])
        self.index = {n: i for i, n in enumerate(self.names)}
        self.tied = tied

    def w(self, name):
        return self.weights[self.index[name]]

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

    def state(self):
        return {n: self.w(n) for n in self.names}

    @torch.no_grad()
    def greedy(self, ids, new_tokens, limit):
        """The most likely next token, new_tokens times (no cache: the whole sequence each step)."""
        out = list(ids)
        for _ in range(new_tokens):
            logits = self.forward(torch.tensor([out[-self.config["n_positions"]:]]))[0, -1, :limit]
            out.append(int(logits.argmax()))
        return out[len(ids):]


def load(folder):
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    return GPT2(config, read_safetensors(os.path.join(folder, "model.safetensors")))


def save(model, folder, source):
    """The trained weights as a GPT-2 folder: the source folder's other files, these weights."""
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(source):
        if name != "model.safetensors":
            with open(os.path.join(source, name), "rb") as f, open(os.path.join(folder, name), "wb") as g:
                g.write(f.read())
    write_safetensors(os.path.join(folder, "model.safetensors"), model.state())


# --- byte-level BPE from vocab.json and merges.txt ----------------------------------------------------------

def bytes_to_unicode():
    printable = [b for b in range(256) if ord("!") <= b <= ord("~") or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF]
    mapping, extra = {}, 0
    for b in range(256):
        if b in printable:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + extra)
            extra += 1
    return mapping


def kind(ch):
    if ch.isspace():
        return "space"
    category = unicodedata.category(ch)
    return "letter" if category[0] == "L" else "number" if category[0] == "N" else "other"


def chunks(text):
    """GPT-2's pre-tokenization: 's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"""
    out, i, n = [], 0, len(text)
    while i < n:
        contraction = next((c for c in ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d") if text.startswith(c, i)), None)
        if contraction:
            out.append(contraction)
            i += len(contraction)
            continue
        start = i
        if text[i] == " " and i + 1 < n and kind(text[i + 1]) != "space":
            i += 1
        if kind(text[i]) != "space":
            k = kind(text[i])
            while i < n and kind(text[i]) == k:
                i += 1
            out.append(text[start:i])
            continue
        while i < n and kind(text[i]) == "space":
            i += 1
        if i < n and i - start >= 2:  # leave the last space to start the next word
            i -= 1
        out.append(text[start:i])
    return out


class Tokenizer:
    def __init__(self, folder):
        with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
            self.vocab = json.load(f)
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            pairs = [tuple(line.split(" ")) for line in f.read().split("\n") if line and not line.startswith("#version")]
        self.ranks = {pair: rank for rank, pair in enumerate(pairs)}
        self.byte_char = bytes_to_unicode()

    def bpe(self, word):
        symbols = list(word)
        while len(symbols) > 1:
            pairs = {(a, b) for a, b in zip(symbols, symbols[1:])}
            best = min(pairs, key=lambda p: self.ranks.get(p, math.inf))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    merged.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        return symbols

    def encode(self, text):
        ids = []
        for chunk in chunks(text):
            word = "".join(self.byte_char[b] for b in chunk.encode("utf-8"))
            ids.extend(self.vocab[s] for s in self.bpe(word))
        return ids
