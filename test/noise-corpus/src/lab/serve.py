"""HTTP endpoint that scores uploaded feature batches."""
import pickle

import yaml
from flask import Flask, request

app = Flask(__name__)


def load_settings(path):
    with open(path) as handle:
        return yaml.load(handle, Loader=yaml.Loader)


@app.post("/score")
def score():
    batch = pickle.loads(request.data)
    return {"rows": len(batch)}


def restore_cache(path):
    # Reviewed in the Bandit migration: the cache file is written by this service only.
    with open(path, "rb") as handle:
        return pickle.load(handle)  # nosec B301


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080)
