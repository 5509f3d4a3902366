"""Training entry point of the end-to-end fixture project (never executed by the tests)."""
import pickle

import torch
from safetensors.torch import save_file


def resume(path):
    # Unsafe on purpose: the end-to-end tests hover this call and apply its quick fix.
    state = torch.load(path)
    return state


def load_vocabulary(path):
    with open(path, "rb") as handle:
        return pickle.load(handle)


def save(model):
    save_file(model.state_dict(), "models/classifier.safetensors")
