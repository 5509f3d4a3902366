"""Training entry point: loads data and config, fine-tunes, writes checkpoints."""
import pickle
import os

import joblib
import numpy as np
import torch
import yaml
from transformers import AutoModelForSequenceClassification, AutoTokenizer

BASE_MODEL = "distilbert-base-uncased"


def load_config(path):
    with open(path) as handle:
        return yaml.load(handle, Loader=yaml.Loader)


def load_features(path):
    return np.load(path, allow_pickle=True)


def load_vocabulary(path):
    with open(path, "rb") as handle:
        return pickle.load(handle)


def resume(path):
    state = torch.load(path, map_location="cpu")
    return state["model"], state["optimizer"]


def build_model(config):
    tokenizer = AutoTokenizer.from_pretrained(BASE_MODEL)
    model = AutoModelForSequenceClassification.from_pretrained(
        config["model_name"],
        trust_remote_code=True,
    )
    return tokenizer, model


def load_label_encoder(path):
    return joblib.load(path)


def save(model, path):
    torch.save(model.state_dict(), path)
    # The safe way to reload what we wrote ourselves:
    return torch.load(path, weights_only=True)


if __name__ == "__main__":
    config = load_config(os.environ.get("TRAIN_CONFIG", "config.yaml"))
    tokenizer, model = build_model(config)
    model.eval()
