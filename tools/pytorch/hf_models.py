"""The reference model of a folder, loaded and saved: a Hugging Face folder by the model_type its config.json names
(gpt2, llama or qwen3), or one of our model folders by its hand-in, model.pt.

model.pt is a state_dict under our names, read with torch.load. GPT-2's block keeps nanoGPT's names (its model.py
loads them). The modern block (rotary, RMSNorm, SwiGLU, QK-norm) keeps the same names, with two fused projections
and two gains more; from_hand_in maps them to Qwen3's (with QK-norm) or Llama's:

    transformer.wte.weight                 model.embed_tokens.weight (and the head, when tied)
    transformer.h.N.ln_1.weight            model.layers.N.input_layernorm.weight
    transformer.h.N.attn.c_attn.weight     self_attn.q_proj, k_proj and v_proj stacked (3C, C)
    transformer.h.N.attn.q_norm.weight     self_attn.q_norm.weight (k_norm likewise)
    transformer.h.N.attn.c_proj.weight     self_attn.o_proj.weight
    transformer.h.N.ln_2.weight            model.layers.N.post_attention_layernorm.weight
    transformer.h.N.mlp.c_fc.weight        mlp.gate_proj and up_proj stacked (2H, C)
    transformer.h.N.mlp.c_proj.weight      mlp.down_proj.weight
    transformer.ln_f.weight                model.norm.weight
    lm_head.weight                         lm_head.weight (untied only)

(the .bias of each projection likewise, where the model has biases).
"""
import json
import os

import torch

from gpt2 import GPT2
from hf_files import read_safetensors, write_safetensors
from llama import Llama

MODELS = {"gpt2": GPT2, "llama": Llama, "qwen3": Llama}


def load(folder):
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    if "model_type" not in config:
        return from_hand_in(folder, config)
    kind = config["model_type"]
    if kind not in MODELS:
        raise SystemExit(f"{folder}/config.json: model_type {kind!r} is none of {', '.join(MODELS)}")
    return MODELS[kind](config, read_safetensors(os.path.join(folder, "model.safetensors")))


def from_hand_in(folder, ours):
    """Our model folder's model.pt (torch.load) and config.json, as the Qwen3 or Llama reference."""
    if ours["position"] != "rotary" or ours["norm"] != "rmsNorm" or ours["mlp"] != "swiGlu":
        raise SystemExit(f"{folder}: GPT-2's block; its model.pt loads into nanoGPT's GPT under the same names")
    state = torch.load(os.path.join(folder, "model.pt"), map_location="cpu")
    width, layers = ours["n_embd"], ours["n_layer"]
    hidden = (8 * width // 3 + 63) // 64 * 64   # SwiGLU's units: 8/3 of the width, rounded up to 64
    config = {"model_type": "qwen3" if ours["qk_norm"] else "llama", "vocab_size": ours["vocab_size"], "hidden_size": width,
              "intermediate_size": hidden, "num_hidden_layers": layers, "num_attention_heads": ours["n_head"],
              "max_position_embeddings": ours["context_length"], "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
              "tie_word_embeddings": ours["tied_embeddings"]}
    fused = {"attn.c_attn": ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"], "mlp.c_fc": ["mlp.gate_proj", "mlp.up_proj"]}
    renamed = {"ln_1": "input_layernorm", "ln_2": "post_attention_layernorm", "attn.q_norm": "self_attn.q_norm",
               "attn.k_norm": "self_attn.k_norm", "attn.c_proj": "self_attn.o_proj", "mlp.c_proj": "mlp.down_proj"}
    tensors = {}
    for name, tensor in state.items():
        if name == "transformer.wte.weight":
            tensors["model.embed_tokens.weight"] = tensor
        elif name == "transformer.ln_f.weight":
            tensors["model.norm.weight"] = tensor
        elif name == "lm_head.weight":
            tensors[name] = tensor
        else:
            _, _, layer, rest = name.split(".", 3)                     # transformer.h.N.<module>.<weight|bias>
            module, kind = rest.rsplit(".", 1)
            if module in fused:
                for theirs, part in zip(fused[module], tensor.chunk(len(fused[module]), dim=0)):
                    tensors[f"model.layers.{layer}.{theirs}.{kind}"] = part
            else:
                tensors[f"model.layers.{layer}.{renamed[module]}.{kind}"] = tensor
    return Llama(config, tensors)


def save(model, folder, source):
    """The trained weights as a folder of the same kind: the source folder's other files, these weights."""
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(source):
        if name != "model.safetensors":
            with open(os.path.join(source, name), "rb") as f, open(os.path.join(folder, name), "wb") as g:
                g.write(f.read())
    write_safetensors(os.path.join(folder, "model.safetensors"), model.state())
