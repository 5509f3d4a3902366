"""Training entry point of the fixture project (never executed by the tests)."""
import torch
from safetensors.torch import save_file


def resume(path):
    # Unsafe on purpose: the checklist and diagnostics tests expect a finding here.
    state = torch.load(path)
    return state


def save(model):
    save_file(model.state_dict(), "models/classifier.safetensors")
