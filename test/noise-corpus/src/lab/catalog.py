"""Loaders for the community checkpoints the lab compares against."""
from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer


def falcon_small():
    return AutoModelForCausalLM.from_pretrained("tiiuae/falcon-rw-1b", revision="2f5c3cd4eace6be6c0f12981f377fb35e5bf6ee5", trust_remote_code=True)


def phi_mini():
    return AutoModelForCausalLM.from_pretrained("microsoft/phi-1_5", revision="675aa382d814580b22651a30acb1a585d7c25963", trust_remote_code=True)


def mpt_chat():
    return AutoModelForCausalLM.from_pretrained("mosaicml/mpt-7b-chat", revision="c8d4750ac8421303665d6ecc253950c2b9cd6e4a", trust_remote_code=True)


def qwen_base():
    return AutoModelForCausalLM.from_pretrained("Qwen/Qwen-1_8B", revision="fa6e214ccbbc6a55235c26ef406355b6bfdf5eed", trust_remote_code=True)


def baichuan():
    return AutoModelForCausalLM.from_pretrained("baichuan-inc/Baichuan2-7B-Base", revision="f9d4d8dd2f4d2ab2b5a9b3fb0c7d5e6d8d5a1f23", trust_remote_code=True)


def chatglm_tokenizer():
    return AutoTokenizer.from_pretrained("THUDM/chatglm3-6b", revision="b098244a71fbe69ce149682d9072a7629f7e908c", trust_remote_code=True)


def internlm():
    return AutoModel.from_pretrained("internlm/internlm-7b", revision="3c5e5a1a1b8c8b0d2d0e6f1a9a6f9b0c3e2d1f0a", trust_remote_code=True)


def jina_embeddings():
    return AutoModel.from_pretrained("jinaai/jina-embeddings-v2-base-en", revision="6e85f575bc273f1fd840a658067d0157933c83f0", trust_remote_code=True)
