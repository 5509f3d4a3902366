"""Downloads the pretrained weights and the evaluation data."""
import urllib.request

import requests
import torch
from huggingface_hub import hf_hub_download

WEIGHTS_URL = "http://models.example.com/sentiment/weights.pt"


def fetch_weights(target):
    urllib.request.urlretrieve(WEIGHTS_URL, target)
    return target


def fetch_eval_data():
    response = requests.get("https://data.example.com/eval.csv", verify=False, timeout=30)
    return response.text


def fetch_hub_checkpoint():
    return hf_hub_download(repo_id="acme/sentiment-head", filename="head.bin", revision="main")


def fetch_backbone():
    return torch.hub.load("pytorch/vision", "resnet18", trust_repo=True)
