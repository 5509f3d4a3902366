"""A retrieval-augmented assistant with tools, as a small team might write it."""
import json
import logging
import os
import subprocess
from pathlib import Path

import yaml
from langchain_community.vectorstores import FAISS
from langchain_experimental.tools import PythonREPLTool
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

log = logging.getLogger(__name__)

PROMPT_DIR = Path(__file__).parent / "prompts"
INDEX_DIR = os.environ.get("INDEX_DIR", "index")


def load_prompts(path=PROMPT_DIR / "prompts.yaml"):
    with open(path) as handle:
        return yaml.safe_load(handle)  # ok: safe loader


def load_settings(path):
    with open(path) as handle:
        return yaml.load(handle, Loader=yaml.FullLoader)  # expect: MLS106


def make_llm():
    # The key comes from the environment; nothing to flag here.
    return ChatOpenAI(model="gpt-4o-mini", api_key=os.environ["OPENAI_API_KEY"], temperature=0)  # ok


def load_index():
    embeddings = OpenAIEmbeddings()
    return FAISS.load_local(INDEX_DIR, embeddings, allow_dangerous_deserialization=True)  # expect: MLS108


def build_tools():
    return [PythonREPLTool()]  # expect: MLS303


def run_generated_code(llm, question):
    answer = llm.invoke(f"Write a Python expression answering: {question}").content
    log.info("model proposed %d characters of code", len(answer))
    return eval(answer)  # expect: MLS301


def summarize_repo(llm, repo):
    listing = subprocess.run(["git", "-C", repo, "log", "--oneline", "-20"], capture_output=True, text=True)  # ok: argument list
    command = llm.invoke(f"Give a shell command to count lines in {repo}").content
    counted = subprocess.run(command, shell=True, capture_output=True, text=True)  # expect: MLS302
    return listing.stdout, counted.stdout


def render(template, values):
    code = compile("result = template.format(**values)", "<render>", "exec")  # ok: constant source
    return code


def run_plugin(path):
    source = Path(path).read_text()
    scope = {}
    exec(source, scope)  # expect: MLS301
    return scope


def parse_tool_call(raw):
    # JSON, not eval: the right way to read structured model output.
    return json.loads(raw)  # ok


def evaluate(model, batch):
    model.eval()  # ok: torch-style eval, not the builtin
    return [model(item) for item in batch]
