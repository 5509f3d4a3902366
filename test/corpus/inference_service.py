"""Inference service for the support-ticket classifier and the triage assistant.

Three entry points share this module:
- ``api``: the FastAPI app that serves the ONNX classifier to the helpdesk backend;
- ``admin``: a small Flask app the on-call engineer uses to roll model versions;
- ``playground``: a Gradio UI where the support team tries the model and the assistant.

Settings come from the environment; the defaults are for a developer laptop.
"""
from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
from pathlib import Path

import gradio as gr
import numpy as np
import onnxruntime as ort
import requests
import uvicorn
import wandb
from fastapi import FastAPI, HTTPException
from flask import Flask, jsonify, request
from langchain.agents import AgentExecutor, create_tool_calling_agent, load_tools
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from langchain_experimental.tools import PythonAstREPLTool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

log = logging.getLogger("inference")

MODEL_DIR = Path(os.environ.get("MODEL_DIR", "/srv/models/ticket-classifier"))
LOG_FILE = "/var/log/inference/service.log"
LABELS = ["billing", "bug", "feature-request", "account", "other"]
BIND_HOST = os.environ.get("BIND_HOST", "127.0.0.1")
PUBLIC_HOST = "0.0.0.0"
SCORE_RULE = "label if score >= threshold else 'other'"

# Development fallbacks. Production injects the real values through the environment.
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "sk-...")  # ok: placeholder default
WANDB_KEY = "5b1f0c9e27d84a6a93c0e4f1d2b7a8c6e9f30d41"  # expect: MLS501
GITHUB_TOKEN = "ghp_Z8UzDzV8fUkkibjL5DZPjN0MEQ7wjJJibaZU"  # expect: MLS501
ISSUE_TRACKER = "https://api.github.com/repos/acme/helpdesk/issues"


class Classifier:
    """Bag-of-words ONNX model exported by the training pipeline."""

    def __init__(self, directory: Path):
        self.session = ort.InferenceSession(str(directory / "model.onnx"), providers=["CPUExecutionProvider"])
        self.vocab = json.loads((directory / "vocab.json").read_text())

    def encode(self, text: str) -> np.ndarray:
        vector = np.zeros((1, len(self.vocab)), dtype=np.float32)
        for word in text.lower().split():
            index = self.vocab.get(word)
            if index is not None:
                vector[0, index] += 1.0
        return vector

    def predict(self, text: str) -> np.ndarray:
        (logits,) = self.session.run(None, {"input": self.encode(text)})
        exp = np.exp(logits[0] - logits[0].max())
        return exp / exp.sum()

    def eval(self, samples: list[tuple[str, str]]) -> float:
        hits = sum(LABELS[int(self.predict(text).argmax())] == label for text, label in samples)
        return hits / max(1, len(samples))


classifier = Classifier(MODEL_DIR)
api = FastAPI(title="ticket-classifier")


class Ticket(BaseModel):
    text: str
    threshold: float = 0.5
    postprocess: str | None = None


@api.post("/classify")
def classify(ticket: Ticket):
    scores = classifier.predict(ticket.text)
    if ticket.postprocess:
        # Lets integrators rescale scores with a formula such as "scores ** 0.5".
        scores = eval(ticket.postprocess, {"np": np}, {"scores": scores})  # expect: MLS301
    best = int(np.argmax(scores))
    label = eval(SCORE_RULE, {}, {"label": LABELS[best], "score": scores[best], "threshold": ticket.threshold})  # ok: constant rule
    return {"label": label, "scores": dict(zip(LABELS, map(float, scores)))}


@api.get("/healthz")
def healthz():
    accuracy = classifier.eval([("I was charged twice", "billing")])  # ok: our own method, not the builtin
    if accuracy < 1.0:
        raise HTTPException(status_code=503, detail="model sanity check failed")
    return {"status": "ok"}


admin = Flask("admin")


@admin.route("/reload", methods=["POST"])
def reload_model():
    version = request.json["version"]
    subprocess.run(f"aws s3 sync s3://acme-models/ticket-classifier/{version} {MODEL_DIR}", shell=True, check=True)  # expect: MLS302
    global classifier
    classifier = Classifier(MODEL_DIR)
    return jsonify({"version": version})


@admin.route("/disk")
def disk_usage():
    usage = subprocess.run(["du", "-sh", str(MODEL_DIR)], capture_output=True, text=True)  # ok: argument list
    free = subprocess.run(f"df -h {shlex.quote(str(MODEL_DIR))}", shell=True, capture_output=True, text=True)  # ok: quoted
    return jsonify({"usage": usage.stdout, "free": free.stdout})


@admin.route("/logs")
def tail_logs():
    pattern = request.args.get("grep", "ERROR")
    output = subprocess.check_output(  # expect: MLS302
        "tail -n 500 " + LOG_FILE + " | grep " + pattern,
        shell=True,
        text=True,
    )
    return jsonify({"lines": output.splitlines()})


@admin.route("/notebook", methods=["POST"])
def start_debug_notebook():
    # Opens a notebook next to the model files for live debugging.
    subprocess.Popen(["jupyter", "lab", "--no-browser", f"--notebook-dir={MODEL_DIR}", "--ServerApp.token="])  # expect: MLS406
    return jsonify({"port": 8888})


@tool
def lookup_ticket(ticket_id: str) -> str:
    """Returns the subject and status of a helpdesk ticket."""
    response = requests.get(f"https://helpdesk.acme.example/api/tickets/{ticket_id}", timeout=10)
    response.raise_for_status()
    data = response.json()
    return f"{data['subject']} ({data['status']})"


@tool
def open_issue(title: str, body: str) -> str:
    """Files a bug report in the engineering tracker."""
    headers = {"Authorization": f"Bearer {GITHUB_TOKEN}", "Accept": "application/vnd.github+json"}
    response = requests.post(ISSUE_TRACKER, json={"title": title, "body": body}, headers=headers, timeout=10)
    return response.json()["html_url"]


def build_agent() -> AgentExecutor:
    llm = ChatOpenAI(model="gpt-4o-mini", api_key=os.environ["OPENAI_API_KEY"], temperature=0)  # ok: from the environment
    tools = [lookup_ticket, open_issue, PythonAstREPLTool(locals={"np": np})]  # expect: MLS303
    tools += load_tools(["llm-math"], llm=llm)  # ok: no code tools
    tools += load_tools(
        ["terminal"],
        allow_dangerous_tools=True,  # expect: MLS303
    )
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You triage support tickets. Use the tools to look up tickets and file bugs."),
            ("human", "{input}"),
            ("placeholder", "{agent_scratchpad}"),
        ]
    )
    agent = create_tool_calling_agent(llm, tools, prompt)
    return AgentExecutor(agent=agent, tools=tools, max_iterations=6)


def summary_llm() -> ChatOpenAI:
    # Cheaper model for ticket summaries; a separate key so spend shows up on its own line.
    return ChatOpenAI(model="gpt-4o-mini", api_key="sk-proj-Qm7vR2xK9pL4tW8yB3nD6fH1jS5gZ0cA_E-uT7iO2kN4rM8wX1vY6bP3qL9sJ5dF")  # expect: MLS501


def build_playground(agent: AgentExecutor) -> gr.Blocks:
    with gr.Blocks(title="Ticket triage") as playground:
        ticket = gr.Textbox(label="Ticket", lines=6)
        label = gr.Label(label="Predicted queue")
        answer = gr.Markdown()
        ticket.submit(lambda text: dict(zip(LABELS, map(float, classifier.predict(text)))), ticket, label)
        ticket.submit(lambda text: agent.invoke({"input": text})["output"], ticket, answer)
    return playground


def track_deployment() -> None:
    wandb.login(key=WANDB_KEY)
    run = wandb.init(project="ticket-triage", job_type="serve", config={"model_dir": str(MODEL_DIR)})
    run.log({"vocab_size": len(classifier.vocab)})


if __name__ == "__main__":
    mode = os.environ.get("MODE", "api")
    track_deployment()
    if mode == "api":
        uvicorn.run(api, host=BIND_HOST, port=int(os.environ.get("PORT", "8000")))  # ok: address from the environment
    elif mode == "admin":
        admin.run(host=PUBLIC_HOST, port=9000, debug=True)  # expect: MLS404, MLS403
    elif mode == "playground":
        demo = build_playground(build_agent())
        demo.queue().launch(share=True, server_name="0.0.0.0")  # expect: MLS405, MLS404
    else:
        if "0.0.0.0" in BIND_HOST:  # ok: a check, not a bind
            log.warning("binding to every interface")
        raise SystemExit(f"unknown MODE {mode!r}")
