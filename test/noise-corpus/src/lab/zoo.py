"""The lab's zoo of vetted research models (see pyproject.toml: per-file-ignores)."""
from transformers import AutoModel

ZOO_REVISION = "0c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d"


def zoo_vendor_a():
    return AutoModel.from_pretrained("lab-mirror/vendor-a-7b", revision=ZOO_REVISION, trust_remote_code=True)


def zoo_vendor_b():
    return AutoModel.from_pretrained("lab-mirror/vendor-b-13b", revision=ZOO_REVISION, trust_remote_code=True)


def zoo_vendor_c():
    return AutoModel.from_pretrained("lab-mirror/vendor-c-3b", revision=ZOO_REVISION, trust_remote_code=True)


def zoo_vendor_d():
    return AutoModel.from_pretrained("lab-mirror/vendor-d-1b", revision=ZOO_REVISION, trust_remote_code=True)


def zoo_vendor_e():
    return AutoModel.from_pretrained("lab-mirror/vendor-e-20b", revision=ZOO_REVISION, trust_remote_code=True)
