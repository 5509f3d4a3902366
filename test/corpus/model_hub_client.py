"""Fetches models, tokenizers and evaluation data for the nightly benchmark job.

Models come from the Hugging Face Hub, reference data from the team's data server and a few
public mirrors. Pinned revisions live in MODEL_REVISIONS; everything else is experimental.
"""
from __future__ import annotations

import argparse
import logging
import os
import ssl
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import requests
import torch
from datasets import load_dataset
from huggingface_hub import hf_hub_download, snapshot_download
from sentence_transformers import SentenceTransformer
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

log = logging.getLogger("hub_client")

CACHE_DIR = Path(os.environ.get("BENCH_CACHE", "~/.cache/bench")).expanduser()
DATA_SERVER = "http://data.internal.example.com"
METRICS_ENDPOINT = "http://localhost:9091/metrics/job/bench"
CORP_CA = "/etc/ssl/certs/corp-root-ca.pem"

BASELINE_MODEL = "distilbert-base-uncased-finetuned-sst-2-english"
BASELINE_REVISION = "714eb0fa89d2f80546fda750413ed43d93601a13"
EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
CHALLENGER_MODEL = "acme-research/sentiment-large-v2"

MODEL_REVISIONS = {
    BASELINE_MODEL: BASELINE_REVISION,
}

REMOTE_CODE_OPTIONS = {"trust_remote_code": True, "torch_dtype": "auto"}


@dataclass
class BenchModel:
    name: str
    tokenizer: object
    model: object


def http_session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "bench-client/1.4"
    session.verify = CORP_CA
    return session


def insecure_session() -> requests.Session:
    """Used when the corporate proxy re-signs traffic and nobody has installed the CA yet."""
    session = requests.Session()
    session.verify = False  # expect: MLS205
    return session


def load_baseline() -> BenchModel:
    tokenizer = AutoTokenizer.from_pretrained(BASELINE_MODEL, revision=BASELINE_REVISION)
    model = AutoModelForSequenceClassification.from_pretrained(
        BASELINE_MODEL,
        revision=MODEL_REVISIONS[BASELINE_MODEL],
    )
    return BenchModel(BASELINE_MODEL, tokenizer, model)


def load_challenger() -> BenchModel:
    tokenizer = AutoTokenizer.from_pretrained(CHALLENGER_MODEL)  # expect: MLS202
    model = AutoModelForSequenceClassification.from_pretrained(
        CHALLENGER_MODEL,
        revision="main",  # expect: MLS202
        **REMOTE_CODE_OPTIONS,  # expect: MLS201
    )
    return BenchModel(CHALLENGER_MODEL, tokenizer, model)


def load_candidate(model_id: str, revision: str | None) -> BenchModel:
    # The id and revision come from the command line; the release checklist requires a sha.
    tokenizer = AutoTokenizer.from_pretrained(model_id, revision=revision)
    model = AutoModelForSequenceClassification.from_pretrained(
        model_id,
        revision=revision,
        trust_remote_code=True,  # expect: MLS201
    )
    return BenchModel(model_id, tokenizer, model)


def load_finetuned(run_dir: Path) -> BenchModel:
    checkpoint = run_dir / "checkpoint-best"
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    model = AutoModelForSequenceClassification.from_pretrained("./outputs/sst2-finetuned")
    return BenchModel("finetuned", tokenizer, model)


def embedding_model() -> SentenceTransformer:
    return SentenceTransformer(EMBEDDING_MODEL, cache_folder=str(CACHE_DIR))  # expect: MLS202


def zero_shot_classifier():
    return pipeline(
        "zero-shot-classification",
        model="facebook/bart-large-mnli",
        revision="d7645e127eaf1aefc7862fd59a17a5aa8558b8ce",
    )


def summarizer():
    return pipeline("summarization", "sshleifer/distilbart-cnn-12-6")  # expect: MLS202


def fetch_label_map() -> Path:
    return Path(hf_hub_download(BASELINE_MODEL, "config.json", revision=BASELINE_REVISION, cache_dir=CACHE_DIR))


def fetch_onnx_export() -> Path:
    path = hf_hub_download(
        repo_id="acme-research/sentiment-large-v2-onnx",
        filename="model.onnx",
        revision="v2.1",  # expect: MLS202
    )
    return Path(path)


def mirror_repository(local_dir: Path) -> Path:
    return Path(snapshot_download(CHALLENGER_MODEL, local_dir=local_dir, allow_patterns=["*.json", "*.safetensors"]))  # expect: MLS202


def load_eval_sets():
    sst2 = load_dataset("stanfordnlp/sst2", split="validation")  # expect: MLS202
    imdb = load_dataset("stanfordnlp/imdb", split="test", revision="e6281661ce1c48d982bc483cf8a173c1bbeb5d31")
    local = load_dataset("csv", data_files={"test": str(CACHE_DIR / "holdout.csv")})
    remote = load_dataset("json", data_files=f"{DATA_SERVER}/eval/adversarial.jsonl")  # expect: MLS204
    return sst2, imdb, local, remote


def download_reference_tables() -> dict[str, pd.DataFrame]:
    tables = {}
    tables["labels"] = pd.read_csv(DATA_SERVER + "/eval/labels.csv")  # expect: MLS204
    tables["slices"] = pd.read_parquet("https://datasets.example.org/bench/slices.parquet")
    tables["drift"] = pd.read_json(f"http://{os.environ.get('DRIFT_HOST', 'drift.example.com')}/latest.json")  # expect: MLS204
    tables["local"] = pd.read_csv(CACHE_DIR / "manual_labels.csv")
    return tables


def download_lexicon(target: Path) -> Path:
    urllib.request.urlretrieve(  # ok: the finding starts at the URL
        "http://mirror.example.org/lexicons/opinion-lexicon.zip",  # expect: MLS204
        target,
    )
    return target


def download_glove(target: Path) -> Path:
    session = http_session()
    response = session.get("https://nlp.example.org/glove/glove.6B.100d.txt", timeout=60, stream=True)
    response.raise_for_status()
    with open(target, "wb") as handle:
        for chunk in response.iter_content(chunk_size=1 << 20):
            handle.write(chunk)
    return target


def download_vision_backbone():
    backbone = torch.hub.load("pytorch/vision", "resnet50", weights="IMAGENET1K_V2")  # expect: MLS203
    detector = torch.hub.load("ultralytics/yolov5:v7.0", "yolov5s", trust_repo=True)  # expect: MLS203
    state = torch.hub.load_state_dict_from_url(
        "https://download.pytorch.org/models/resnet18-f37072fd.pth",
        check_hash=True,
        weights_only=True,
    )
    torch.hub.download_url_to_file(  # expect: MLS203
        "https://download.pytorch.org/models/vgg16-397923af.pth",
        str(CACHE_DIR / "vgg16-397923af.pth"),
    )
    return backbone, detector, state


def fetch_internal_manifest() -> dict:
    # The data server uses a self-signed certificate on the staging cluster.
    response = requests.get("https://staging.data.example.com/manifest.json", verify=False, timeout=30)  # expect: MLS205
    response.raise_for_status()
    return response.json()


def fetch_release_notes() -> str:
    context = ssl.create_default_context()
    context.check_hostname = False  # expect: MLS205
    context.verify_mode = ssl.CERT_NONE  # expect: MLS205
    with urllib.request.urlopen("https://releases.example.org/notes.txt", context=context) as reply:
        return reply.read().decode("utf-8")


def push_metrics(results: dict[str, float]) -> None:
    body = "\n".join(f"bench_accuracy{{model=\"{name}\"}} {value}" for name, value in results.items())
    requests.post(METRICS_ENDPOINT, data=body, timeout=5)
    requests.get("http://localhost:9091/-/healthy", timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description="Download benchmark assets")
    parser.add_argument("--candidate", help="hub id of the model under test")
    parser.add_argument("--revision", help="commit sha of the candidate")
    parser.add_argument("--insecure", action="store_true", help="skip certificate checks")
    args = parser.parse_args()

    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    models = [load_baseline(), load_challenger()]
    if args.candidate:
        models.append(load_candidate(args.candidate, args.revision))
    session = insecure_session() if args.insecure else http_session()
    manifest = session.get("https://data.example.com/manifest.json", verify=not args.insecure).json()
    log.info("manifest has %d entries", len(manifest))
    load_eval_sets()
    download_reference_tables()
    download_lexicon(CACHE_DIR / "lexicon.zip")
    download_vision_backbone()
    log.info("loaded %s", ", ".join(m.name for m in models))


if __name__ == "__main__":
    main()
