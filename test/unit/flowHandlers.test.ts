/**
 * Which functions a framework calls with user data (engine/dataflow/sources.ts): Gradio callbacks
 * and web routes are decided per function when a flow first reaches one of its parameters, from
 * the registrations that name it. Each case pins what a parameter is (a source or not, weak, a
 * path Gradio made) so that a registration the search misses fails here.
 */
import * as assert from 'node:assert/strict';
import type { Node } from '../../server/src/engine/parser';
import { PythonParser } from '../../server/src/engine/parser';
import { SemanticModel } from '../../server/src/engine/semantic';
import { Flow, UNTRUSTED, fileFacts } from '../../server/src/engine/dataflow/index';

async function model(source: string): Promise<SemanticModel> {
  const parser = await PythonParser.get();
  return new SemanticModel(parser.parse(source), source);
}

/** For each `sink(...)` call, in order: the sources of its argument (`kind`, `:weak`, `:path`), or `-`. */
async function sinks(lines: string[]): Promise<string[]> {
  const m = await model(lines.join('\n'));
  const flow = Flow.withSummaries(m, UNTRUSTED);
  return m.calls
    .filter((c) => c.childForFieldName('function')?.text === 'sink')
    .map((c) => {
      const found = flow.sources(c.childForFieldName('arguments')?.namedChildren[0] as Node);
      return found.map((s) => s.kind + (s.weak ? ':weak' : '') + (s.madePath ? ':path' : '')).join('+') || '-';
    });
}

describe('data flow: Gradio callbacks and web routes', () => {
  it('reads each parameter of a callback from the component feeding it, by keyword or position', async () => {
    const found = await sinks([
      'import gradio as gr',
      '',
      'def on_text(text, choice):',
      '    sink(text)',
      '    sink(choice)',
      '',
      'def classify(image):',
      '    sink(image)',
      '',
      'def build():',
      '    box = gr.Textbox()',
      '    drop = gr.Dropdown(["a", "b"])',
      '    btn = gr.Button()',
      '    btn.click(fn=on_text, inputs=[box, drop], outputs=None)',
      '    gr.Interface(classify, gr.Image(type="filepath"), "label")',
    ]);
    assert.deepEqual(found, ['ui:weak', '-', 'ui:weak:path']);
  });

  it('takes the least checked component of a callback registered twice', async () => {
    const found = await sinks([
      'import gradio as gr',
      '',
      'def both(value):',
      '    sink(value)',
      '',
      'with gr.Blocks() as demo:',
      '    a = gr.Button()',
      '    b = gr.Button()',
      '    a.click(both, inputs=[gr.Textbox()])',
      '    b.click(both, inputs=[gr.Dropdown(["x"])])',
    ]);
    assert.deepEqual(found, ['ui']);
  });

  it('resolves the registered name: a nested function of the same name, an event of another package', async () => {
    const found = await sinks([
      'import gradio as gr',
      'from tkinter import Button',
      '',
      'def outer():',
      '    def cb(x):',
      '        sink(x)',
      '    gr.Button().click(cb, inputs=[gr.Textbox()])',
      '',
      'def cb(x):',
      '    sink(x)',
      '',
      'def other(y):',
      '    sink(y)',
      '',
      'Button().click(other, inputs=[gr.Textbox()])',
    ]);
    assert.deepEqual(found, ['ui:weak', '-', '-']);
  });

  it('makes a route handler a Gradio callback when Gradio registers it too, and lists the other routes in order', async () => {
    const lines = [
      'import gradio as gr',
      'from fastapi import FastAPI',
      'app = FastAPI()',
      '',
      'def ui():',
      '    gr.Button().click(shared, inputs=[gr.Number()])',
      '',
      '@app.post("/shared")',
      'def shared(q):',
      '    sink(q)',
      '',
      '@app.get("/b")',
      'def second(q: dict):',
      '    sink(q)',
      '',
      '@app.get("/a")',
      'def first(q):',
      '    sink(q)',
    ];
    assert.deepEqual(await sinks(lines), ['-', 'request', 'request:weak']);
    const m = await model(lines.join('\n'));
    assert.deepEqual(
      fileFacts(m).routes.map((d) => d.childForFieldName('name')?.text),
      ['second', 'first'],
    );
  });
});
