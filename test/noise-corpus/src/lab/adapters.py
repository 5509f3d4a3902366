"""Adapters for partner models served from the lab's own mirror."""
# mlsec: ignore-file[MLS201] partner code is reviewed and mirrored in-house; revisions pinned below
from transformers import AutoModelForCausalLM

MIRROR_REVISION = "9b1f3c0d5e7a2b4c6d8e0f1a3b5c7d9e1f2a4b6c"


def vendor_a():
    return AutoModelForCausalLM.from_pretrained("lab-mirror/vendor-a-7b", revision=MIRROR_REVISION, trust_remote_code=True)


def vendor_b():
    return AutoModelForCausalLM.from_pretrained("lab-mirror/vendor-b-13b", revision=MIRROR_REVISION, trust_remote_code=True)


def vendor_c():
    return AutoModelForCausalLM.from_pretrained("lab-mirror/vendor-c-3b", revision=MIRROR_REVISION, trust_remote_code=True)


def vendor_d():
    return AutoModelForCausalLM.from_pretrained("lab-mirror/vendor-d-1b", revision=MIRROR_REVISION, trust_remote_code=True)


def vendor_e():
    return AutoModelForCausalLM.from_pretrained("lab-mirror/vendor-e-20b", revision=MIRROR_REVISION, trust_remote_code=True)


def vendor_f():
    return AutoModelForCausalLM.from_pretrained("lab-mirror/vendor-f-8b", revision=MIRROR_REVISION, trust_remote_code=True)
