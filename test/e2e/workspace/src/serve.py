"""A small inference service with a validated request schema."""
from fastapi import FastAPI
from pydantic import BaseModel, Field

import prometheus_client

app = FastAPI()
REQUESTS = prometheus_client.Counter("predict_requests", "Prediction requests")


class PredictRequest(BaseModel):
    features: list[float] = Field(..., min_length=1, max_length=64)


@app.post("/predict")
def predict(request: PredictRequest) -> dict:
    REQUESTS.inc()
    return {"score": sum(request.features) / len(request.features)}
