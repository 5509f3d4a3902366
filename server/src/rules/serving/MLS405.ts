/** MLS405: Gradio public share links. */
import { defineRule } from '../../engine/rule';
import { OWASP, ATLAS, CWE_REFERENCE, constantOf, spelled, argumentOrCall, isTruthy, flagOrigin, flagFix } from '../support';
import { dangerousDefault, defaultFix, defaultOrigin, describeDefault, whoGetsDefault } from '../defaults';
import { isGradioLaunch } from './helpers';

export const gradioShareRule = defineRule({
  code: 'MLS405',
  name: 'gradio-public-share',
  title: 'Gradio app published through a public share link',
  severity: 'error',
  cwe: [668, 306],
  threats: ['model-extraction', 'secrets-exposure'],
  owasp: OWASP.modelTheft,
  atlas: ATLAS.publicApi,
  rationale:
    '`launch(share=True)` tunnels the local Gradio app to a public `*.gradio.live` address. The link is reachable from the whole internet for as long as the process runs, links are easy to leak (chat, screenshots, logs, notebooks), and the app exposes the model, any files its components can read, and every function wired to an event through an API that is easy to script. Without `auth=` there is no login at all.',
  remediation:
    'Keep `share=False` and expose the app through your own authenticated deployment (or Hugging Face Spaces with access control); if a temporary public link is unavoidable, pass `auth=` with credentials from the environment and stop the app when done.',
  references: [{ title: 'Gradio: sharing your app', url: 'https://www.gradio.app/guides/sharing-your-app' }, CWE_REFERENCE(668)],
  keywords: ['share'],
  wordsInEveryFinding: true,
  methods: ['launch'],
  // `parser.add_argument(..., default=/action=)` elsewhere in the file decides an option's default.
  reads: ['add_argument'],
  onCall(call, context) {
    if (!isGradioLaunch(call, context.model)) return;
    const argument = call.argument('share', 2);
    const value = constantOf(context, argument);
    if (!argument) return;
    const auth = call.argument('auth');
    const authValue = constantOf(context, auth);
    const protectedByAuth = (auth !== undefined && authValue?.kind !== 'none') || call.hasOpaqueKwargs;
    if (!value) {
      // `def serve(demo, share=True): demo.launch(share=share)`.
      const found = dangerousDefault(context.model, call, argument, isTruthy);
      if (found)
        context.report({
          node: argument.node,
          severity: protectedByAuth ? 'warning' : undefined,
          message: `\`${spelled(call)}\` gets \`share=True\` from ${describeDefault(found)}: for ${whoGetsDefault(found)}, the app is published on a public gradio.live link${protectedByAuth ? ', behind its `auth=` login only (CWE-668)' : ' with no login (CWE-306)'}. Make the default False.`,
          related: defaultOrigin(found, 'True'),
          fixes: defaultFix(found, 'True', 'False'),
        });
      return;
    }
    if (!isTruthy(value)) return;
    context.report({
      node: argumentOrCall(call, argument),
      severity: protectedByAuth ? 'warning' : undefined,
      message: protectedByAuth
        ? `\`${spelled(call)}(..., share=True)\` publishes the app on a public gradio.live link; only its \`auth=\` login stands between the internet and the model (CWE-668).`
        : `\`${spelled(call)}(..., share=True)\` publishes the app on a public gradio.live link with no login: anyone with the link can use the model and every endpoint of the app (CWE-306).`,
      related: flagOrigin(context, call, argument, value, '`share` is set to True here'),
      fixes: flagFix('Set `share=False`', argument, value, 'False', false),
    });
  },
});
