"""The files of a Hugging Face model folder, read and written with nothing but torch.

No transformers, no safetensors, no tokenizers package: this runs wherever Debian's python3-torch does. It reads
what `export --format hf` writes and `import` reads (config.json, model.safetensors, tokenizer.json or vocab.json +
merges.txt), and holds what the two reference models (gpt2.py, llama.py) share: their weights by the folder's names
and a greedy loop. hf_models.py picks the model a folder's config names.
"""
import json
import math
import os
import struct
import unicodedata

import torch

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


# --- a model's weights by the folder's names -------------------------------------------------------------

class NamedWeights(torch.nn.Module):
    """Parameters kept under the folder's own names (transformer.h.0.attn.c_attn.weight, model.layers.0.mlp.up_proj.weight ...)."""

    def __init__(self, tensors):
        super().__init__()
        self.names = sorted(tensors)
        self.weights = torch.nn.ParameterList([torch.nn.Parameter(tensors[n].float().clone()) for n in self.names])
        self.index = {n: i for i, n in enumerate(self.names)}

    def w(self, name):
        return self.weights[self.index[name]]

    def has(self, name):
        return name in self.index

    def state(self):
        return {n: self.w(n) for n in self.names}

    @torch.no_grad()
    def greedy(self, ids, new_tokens, limit):
        """The most likely next token, new_tokens times (no cache: the whole sequence each step)."""
        out = list(ids)
        for _ in range(new_tokens):
            logits = self.forward(torch.tensor([out[-self.context:]]))[0, -1, :limit]
            out.append(int(logits.argmax()))
        return out[len(ids):]


# --- byte-level BPE from tokenizer.json, or vocab.json and merges.txt ---------------------------------------

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
    """GPT-2's byte-level BPE. tokenizer.json (what AutoTokenizer reads) where the folder has it, else vocab.json + merges.txt."""

    def __init__(self, folder):
        fast = os.path.join(folder, "tokenizer.json")
        if os.path.exists(fast):
            with open(fast, encoding="utf-8") as f:
                model = json.load(f)["model"]
            if model.get("type") != "BPE":
                raise SystemExit(f"{fast}: a {model.get('type')} tokenizer, not byte-level BPE")
            self.vocab = model["vocab"]
            pairs = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]   # "a b" or ["a", "b"]
        else:
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
