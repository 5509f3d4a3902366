/**
 * MLS407 confidence-exposure: a web endpoint returns raw class probabilities, scores or logits.
 *
 * Sources (engine/dataflow/sources.ts, CONFIDENCE): `.predict_proba`, `.predict_log_proba`,
 * `.decision_function`, `softmax`/`log_softmax` (torch, `torch.nn.functional`, scipy, TensorFlow,
 * JAX, or a tensor's method), `torch.sigmoid`, `.logits`; followed through `.tolist()`, containers,
 * `jsonify`/`JSONResponse`; ended by `argmax`, `topk`, `max`, `round`, `np.round` and unknown calls.
 * Sinks: the `return` statements of functions registered as routes (`@app.route`, `@app.post`, ...
 * on Flask, FastAPI, Starlette, Quart apps and routers) and of ML serving handlers whose return
 * the caller receives (engine/dataflow/serving.ts: LitServe's `encode_response`, KServe's
 * `postprocess`, `predict` of a class without either, Ray Serve's `__call__`, BentoML's APIs);
 * an encoding stage's output parameter carries what `predict` returns.
 */
import { confidenceOf, fileFacts, returnsOf, servingResponders, servingRoleOf } from '../../engine/dataflow/index';
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import { ATLAS, CWE_REFERENCE, OWASP } from '../support';

export const confidenceExposureRule = defineRule({
  code: 'MLS407',
  name: 'confidence-exposure',
  title: 'An endpoint returns raw probabilities, scores or logits',
  severity: 'warning',
  cwe: [200],
  threats: ['model-extraction'],
  owasp: OWASP.modelTheft,
  atlas: ATLAS.extraction,
  rationale:
    'Full probability vectors, logits and decision scores tell a caller far more than the answer: with them a copy of the model can be trained from a few thousand queries, membership of a record in the training set can be inferred, and adversarial examples can be found by following the gradient the scores reveal. Returning only the label (or a rounded top-k) and limiting the rate of queries takes most of that away.',
  remediation:
    'Return the predicted label, or the top few classes with rounded scores (`round(p, 2)`), and put a rate limit and authentication in front of the endpoint.',
  references: [
    {
      title: 'OWASP ML05:2023 Model Theft',
      url: 'https://owasp.org/www-project-machine-learning-security-top-10/docs/ML05_2023-Model_Theft',
    },
    {
      title: 'Tramèr et al., Stealing Machine Learning Models via Prediction APIs (USENIX Security 2016)',
      url: 'https://www.usenix.org/conference/usenixsecurity16/technical-sessions/presentation/tramer',
    },
    CWE_REFERENCE(200),
  ],
  flows: [{ sources: ['confidence'], sinks: ['response'] }],
  onFile(context) {
    const model = context.model;
    // The route decorators and the serving frameworks name the handlers; their returns are what
    // the caller receives.
    const routes = fileFacts(model).routes;
    const seen = new Set(routes.map((r) => r.id));
    const handlers = [...routes, ...servingResponders(model).filter((d) => !seen.has(d.id))];
    for (const decorated of handlers) {
      // "This endpoint", or for a serving framework's handler which one it is.
      const role = seen.has(decorated.id) ? undefined : servingRoleOf(model, decorated);
      const name = decorated.childForFieldName('name')?.text ?? '';
      const what = role ? `This ${role.framework} handler (\`${name}\`)` : 'This endpoint';
      for (const statement of returnsOf(decorated)) {
        const value: Node | null = statement.namedChildren[0];
        if (!value) continue;
        const sources = confidenceOf(model, value);
        if (sources.length === 0) continue;
        context.report({
          node: value,
          message: `${what} returns raw model scores (${sources[0].label}) to the caller (CWE-200): full probability vectors make copying the model and inferring its training data much easier. Return the label or a rounded top-k, and rate-limit the endpoint.`,
          related: sources.map((s) => ({
            span: { start: s.node.startIndex, end: s.node.endIndex },
            message: `the scores are computed here: ${s.label}`,
          })),
        });
      }
    }
  },
});
