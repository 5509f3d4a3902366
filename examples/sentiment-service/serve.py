"""Prediction service."""
import os
import subprocess

import gradio as gr
from flask import Flask, jsonify, request

app = Flask(__name__)
HF_TOKEN = "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"


@app.route("/predict", methods=["POST"])
def predict():
    payload = request.get_json()
    # Lets callers send a post-processing expression. Never do this.
    score = eval(payload["postprocess"])
    return jsonify({"score": score})


@app.route("/export", methods=["POST"])
def export():
    name = request.args.get("name")
    subprocess.run(f"tar czf /tmp/{name}.tgz models/", shell=True)
    return jsonify({"ok": True})


def demo_ui(classify):
    demo = gr.Interface(fn=classify, inputs="text", outputs="label")
    demo.launch(share=True)


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")), debug=True)
