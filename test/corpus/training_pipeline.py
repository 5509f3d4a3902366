"""Training entry point for the churn models.

Reads an experiment config, builds the feature table, trains a small PyTorch MLP next to a
gradient-boosting baseline, and checkpoints every epoch so that preempted jobs can resume.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import random
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import yaml
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("train")

TARGET = "churned"
ID_COLUMNS = ["customer_id", "snapshot_date"]


@dataclass
class TrainConfig:
    data_path: str
    output_dir: str = "runs/default"
    epochs: int = 20
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 1e-4
    hidden: list[int] = field(default_factory=lambda: [128, 64])
    dropout: float = 0.1
    seed: int = 13
    resume: bool = True
    baseline: bool = True


def load_config(path: str) -> TrainConfig:
    with open(path) as fh:
        raw = yaml.load(fh, Loader=yaml.FullLoader)  # expect: MLS106
    overrides = os.environ.get("TRAIN_OVERRIDES")
    if overrides:
        with open(overrides) as fh:
            raw.update(yaml.safe_load(fh) or {})  # ok: safe loader
    return TrainConfig(**raw)


def load_sweep(path: str) -> list[dict]:
    with open(path) as fh:
        return [doc for doc in yaml.load_all(fh, Loader=yaml.CSafeLoader) if doc]  # ok: safe C loader


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_features(cfg: TrainConfig) -> pd.DataFrame:
    cache = Path(cfg.output_dir) / "features.pkl"
    if cache.exists():
        logger.info("reading cached features from %s", cache)
        return pd.read_pickle(cache)  # expect: MLS105
    frame = pd.read_parquet(cfg.data_path)  # ok: data only
    frame = frame.dropna(subset=[TARGET])
    frame["tenure_months"] = frame["tenure_days"] / 30.0
    frame.to_pickle(cache)  # ok: writing
    return frame


def load_category_vocab(output_dir: str) -> dict[str, int]:
    with open(Path(output_dir) / "vocab.json") as fh:
        return json.load(fh)  # ok: json


def load_label_names(path: str) -> dict[int, str]:
    # The labelling tool exports class names as an object array.
    names = np.load(path, allow_pickle=True)  # expect: MLS104
    return {i: str(name) for i, name in enumerate(names)}


def load_embedding_table(path: str) -> np.ndarray:
    with np.load(path) as archive:  # ok: allow_pickle defaults to False
        return archive["weights"]


def fit_scaler(x_train: np.ndarray, output_dir: str) -> StandardScaler:
    scaler = StandardScaler().fit(x_train)
    joblib.dump(scaler, Path(output_dir) / "scaler.joblib")  # ok: writing
    return scaler


def load_scaler(output_dir: str) -> StandardScaler:
    return joblib.load(Path(output_dir) / "scaler.joblib")  # expect: MLS103


class ChurnMLP(nn.Module):
    def __init__(self, n_features: int, hidden: list[int], dropout: float) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = n_features
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def save_checkpoint(path: Path, model: nn.Module, optimizer, epoch: int, best_auc: float) -> None:
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch, "best_auc": best_auc}
    torch.save(state, path)


def load_checkpoint(path: Path, model: nn.Module, optimizer) -> tuple[int, float]:
    state = torch.load(path, map_location="cpu", weights_only=True)  # ok: tensors and containers only
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return state["epoch"] + 1, state["best_auc"]


def load_legacy_model(path: Path) -> nn.Module:
    # Runs from before the refactor pickled the whole module object.
    return torch.load(path, map_location="cpu")  # expect: MLS102


def save_rng_state(path: Path) -> None:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    with open(path, "wb") as fh:
        pickle.dump(state, fh)  # ok: writing


def restore_rng_state(path: Path) -> None:
    with open(path, "rb") as fh:
        state = pickle.load(fh)  # expect: MLS101
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])


def make_loader(x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool) -> DataLoader:
    dataset = TensorDataset(torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32))
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, drop_last=False)


def run_epoch(model: nn.Module, loader: DataLoader, optimizer, loss_fn) -> float:
    model.train()
    total = 0.0
    for features, labels in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(features), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
    return total / len(loader.dataset)


@torch.no_grad()
def score(model: nn.Module, loader: DataLoader) -> float:
    model.train(False)
    preds, targets = [], []
    for features, labels in loader:
        preds.append(torch.sigmoid(model(features)))
        targets.append(labels)
    return roc_auc_score(torch.cat(targets).numpy(), torch.cat(preds).numpy())


def train_baseline(x_train, y_train, x_valid, y_valid, output_dir: str) -> float:
    clf = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, early_stopping=True)
    clf.fit(x_train, y_train)
    auc = roc_auc_score(y_valid, clf.predict_proba(x_valid)[:, 1])
    joblib.dump(clf, Path(output_dir) / "baseline.joblib")  # ok: writing
    return auc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--legacy-model")
    args = parser.parse_args()

    cfg = load_config(args.config)
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(cfg.seed)

    frame = load_features(cfg)
    x = frame.drop(columns=[TARGET, *ID_COLUMNS]).to_numpy(dtype=np.float32)
    y = frame[TARGET].to_numpy(dtype=np.float32)
    x_train, x_valid, y_train, y_valid = train_test_split(x, y, test_size=0.2, stratify=y, random_state=cfg.seed)

    scaler = load_scaler(cfg.output_dir) if cfg.resume and (out / "scaler.joblib").exists() else fit_scaler(x_train, cfg.output_dir)
    x_train, x_valid = scaler.transform(x_train), scaler.transform(x_valid)

    if cfg.baseline:
        logger.info("baseline AUC %.4f", train_baseline(x_train, y_train, x_valid, y_valid, cfg.output_dir))

    model = load_legacy_model(Path(args.legacy_model)) if args.legacy_model else ChurnMLP(x.shape[1], cfg.hidden, cfg.dropout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    loss_fn = nn.BCEWithLogitsLoss()
    train_loader = make_loader(x_train, y_train, cfg.batch_size, shuffle=True)
    valid_loader = make_loader(x_valid, y_valid, cfg.batch_size, shuffle=False)

    start_epoch, best_auc = 0, 0.0
    last = out / "last.pt"
    if cfg.resume and last.exists():
        start_epoch, best_auc = load_checkpoint(last, model, optimizer)
        restore_rng_state(out / "rng.pkl")
        logger.info("resumed at epoch %d (best AUC %.4f)", start_epoch, best_auc)

    for epoch in range(start_epoch, cfg.epochs):
        loss = run_epoch(model, train_loader, optimizer, loss_fn)
        auc = score(model, valid_loader)
        logger.info("epoch %d loss %.4f AUC %.4f", epoch, loss, auc)
        save_checkpoint(last, model, optimizer, epoch, max(best_auc, auc))
        save_rng_state(out / "rng.pkl")
        if auc > best_auc:
            best_auc = auc
            torch.save(model.state_dict(), out / "best.pt")

    with open(out / "metrics.json", "w") as fh:
        json.dump({"best_auc": best_auc, "epochs": cfg.epochs}, fh, indent=2)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    main()
