/** MLS403: Flask debug mode. */
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { RuleContext } from '../../engine/rule';
import {
  CWE_REFERENCE,
  constantOf,
  identifiersSpelled,
  attributeAssignment,
  receiverName,
  spelled,
  argumentOrCall,
  isTruthy,
  flagOrigin,
  flagFix,
} from '../support';
import { FLASK_APPS, flaskRun } from './helpers';

/** The packages of FLASK_APPS. */
const FLASK_PACKAGES = [...new Set(Object.keys(FLASK_APPS).map((name) => name.split('.')[0]))];

export const flaskDebugRule = defineRule({
  code: 'MLS403',
  name: 'flask-debug',
  title: 'Flask app run with the debugger enabled',
  severity: 'error',
  cwe: [489, 94],
  threats: ['secrets-exposure', 'model-tampering'],
  rationale:
    "Flask's debug mode serves Werkzeug's interactive debugger: when a request raises, the error page offers a Python console running inside the server. The console is protected only by a PIN derived from machine details that are often guessable or leaked by the same error pages, and tracebacks reveal source, paths and configuration. A model server left in debug mode and reachable from a network is a remote shell.",
  remediation:
    'Leave debug off in code (`app.run()`), enable it for local development only through the environment (`flask run --debug` or `FLASK_DEBUG=1`), and serve production traffic with a WSGI server such as gunicorn or waitress.',
  references: [
    { title: 'Flask: debug mode', url: 'https://flask.palletsprojects.com/en/stable/debugging/' },
    { title: 'Werkzeug debugger security', url: 'https://werkzeug.palletsprojects.com/en/stable/debug/#debugger-pin' },
    CWE_REFERENCE(489),
  ],
  // `run(debug=True)`, `use_debugger=True`, `app.debug = True`, `app.config["DEBUG"] = True`.
  keywords: ['debug', 'DEBUG'],
  methods: ['run', 'run_server'],
  // Every report needs an app of the Flask family, which the file must import.
  imports: FLASK_PACKAGES,
  onCall(call, context) {
    const kind = flaskRun(call, context.model);
    if (!kind) return;
    for (const keyword of ['debug', 'use_debugger']) {
      const argument =
        keyword === 'debug' && (kind === 'flask' || kind === 'unresolved') ? call.argument('debug', 2) : call.keywords.get(keyword);
      const value = constantOf(context, argument);
      if (!argument || !isTruthy(value)) continue;
      context.report({
        node: argumentOrCall(call, argument),
        message: `\`${spelled(call)}(..., ${keyword}=True)\` serves the Werkzeug debugger: an error page becomes a Python console on the server (CWE-489). Enable debugging through the environment, for local runs only.`,
        related: flagOrigin(context, call, argument, value, `\`${keyword}\` is set to True here`),
        fixes: flagFix(`Set \`${keyword}=False\``, argument, value, 'False', false),
      });
    }
  },
  onFile(context) {
    const model = context.model;
    // `app.debug = True`
    if (context.text.includes('.debug')) {
      for (const id of identifiersSpelled(context, 'debug')) {
        const assignment = attributeAssignment(id);
        if (!assignment) continue;
        const value = context.constant(assignment.value);
        if (!isTruthy(value) || !FLASK_APPS[receiverName(model, assignment.object) ?? '']) continue;
        reportDebugAssignment(
          context,
          assignment.assignment,
          assignment.value,
          value?.definedAt !== undefined,
          `\`${assignment.target.text} = True\``,
        );
      }
    }
    // `app.config["DEBUG"] = True`
    if (context.text.includes('DEBUG')) {
      for (const assignment of model.tree.rootNode.descendantsOfType('assignment')) {
        const left = assignment?.childForFieldName('left');
        const right = assignment?.childForFieldName('right');
        if (!assignment || left?.type !== 'subscript' || !right) continue;
        const config = left.childForFieldName('value');
        const key = context.constant(left.childForFieldName('subscript'));
        if (
          key?.kind !== 'str' ||
          key.value !== 'DEBUG' ||
          config?.type !== 'attribute' ||
          config.childForFieldName('attribute')?.text !== 'config'
        )
          continue;
        const owner = config.childForFieldName('object');
        const value = context.constant(right);
        if (!owner || !isTruthy(value) || !FLASK_APPS[receiverName(model, owner) ?? '']) continue;
        reportDebugAssignment(context, assignment, right, value?.definedAt !== undefined, `\`${left.text} = True\``);
      }
    }
  },
});

function reportDebugAssignment(context: RuleContext, assignment: Node, value: Node, throughName: boolean, what: string): void {
  context.report({
    node: assignment,
    message: `${what} turns on Flask debug mode: \`app.run()\` then serves the Werkzeug debugger, whose error pages are a Python console (CWE-489).`,
    fixes: throughName
      ? []
      : [{ title: 'Set it to `False`', safe: false, edits: [{ start: value.startIndex, end: value.endIndex, newText: 'False' }] }],
  });
}
