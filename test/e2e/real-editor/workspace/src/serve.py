"""A small inference service with a validated request schema."""
from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()


class PredictRequest(BaseModel):
    features: list[float] = Field(..., min_length=1, max_length=64)


@app.post("/predict")
def predict(request: PredictRequest) -> dict:
    return {"score": sum(request.features) / len(request.features)}
