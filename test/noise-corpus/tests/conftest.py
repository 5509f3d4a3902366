import pickle

import pytest

HUB_TOKEN = "hf_QmVhc3RseUZpeHR1cmVUb2tlbkZvclRlc3Rz"


@pytest.fixture
def cached_batch(tmp_path):
    path = tmp_path / "batch.pkl"
    path.write_bytes(pickle.dumps([1, 2, 3]))
    with open(path, "rb") as handle:
        return pickle.load(handle)
