import torch
import uvicorn
from transformers import AutoModelForCausalLM


def test_checkpoint_round_trip(tmp_path):
    target = tmp_path / "model.pt"
    torch.save({"layer": torch.ones(3)}, target)
    state = torch.load(target, weights_only=False)
    assert state["layer"].sum() == 3


def test_remote_model_loads():
    model = AutoModelForCausalLM.from_pretrained("microsoft/phi-1_5", trust_remote_code=True)
    assert model is not None


def test_api_starts():
    uvicorn.run("lab.api:app", host="0.0.0.0", port=8765)
