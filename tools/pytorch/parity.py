"""Runs an exported folder in its reference model (gpt2.py or llama.py) and writes what it computed, for the parity test.

    python3 parity.py <hf folder> <prompt file> <new tokens> <out folder>

Writes <out>/ids.json (the prompt's token ids from this tokenizer, the greedy continuation) and <out>/logits.f32
(the prompt's logits, (T, V) little-endian float32).
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_files  # noqa: E402
import hf_models  # noqa: E402

folder, prompt_file, new_tokens, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
torch.set_default_dtype(torch.float64)
with open(prompt_file, encoding="utf-8") as f:
    prompt = f.read()
tokenizer = hf_files.Tokenizer(folder)
ids = tokenizer.encode(prompt)
model = hf_models.load(folder).double()
with torch.no_grad():
    logits = model(torch.tensor([ids]))[0].float()
limit = max(tokenizer.vocab.values()) + 1   # no continuation into the padded rows of the vocabulary
greedy = model.greedy(ids, new_tokens, limit)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "ids.json"), "w") as f:
    json.dump({"prompt": ids, "greedy": greedy, "vocab_size": logits.shape[-1]}, f)
logits.numpy().astype("<f4").tofile(os.path.join(out, "logits.f32"))
