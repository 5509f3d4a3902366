/** MLS203 torch-hub-unverified */
import { CallSite } from '../../engine/callSite';
import { defineRule } from '../../engine/rule';
import type { RelatedLocation, RuleContext } from '../../engine/rule';
import {
  OWASP,
  ATLAS,
  CWE_REFERENCE,
  constantOf,
  isConstTrue,
  isConstFalse,
  definedAt,
  fixes,
  within,
  stringOf,
  inlineReplaceFix,
} from '../support';
import { STATE_DICT_FROM_URL, DOWNLOAD_URL_TO_FILE } from './helpers';

const HUB_REPO_LOADERS = ['torch.hub.load', 'torch.hub.list', 'torch.hub.help'];

const MOVING_REFS = new Set(['main', 'master', 'dev', 'develop', 'development', 'head', 'trunk', 'nightly', 'latest']);

function checkTorchHubRepo(call: CallSite, context: RuleContext): void {
  const source = stringOf(context, call.keywords.get('source'));
  if (source?.value === 'local') return;
  const trust = call.keywords.get('trust_repo');
  const trustValue = constantOf(context, trust);
  const repo = stringOf(context, call.argument('github', 0) ?? call.argument('repo_or_dir', 0));
  const problems: string[] = [];
  let pinned = true;
  if (repo && /^[\w.-]+\/[\w.-]+(:.*)?$/.test(repo.value)) {
    const ref = repo.value.includes(':') ? repo.value.slice(repo.value.indexOf(':') + 1) : '';
    if (!ref) {
      pinned = false;
      problems.push(`\`${repo.value}\` names no ref, so the default branch is fetched`);
    } else if (MOVING_REFS.has(ref.toLowerCase())) {
      pinned = false;
      problems.push(`\`${repo.value}\` follows the branch \`${ref}\``);
    }
  }
  const trusted = isConstTrue(trustValue);
  if (trusted) problems.unshift('`trust_repo=True` skips the confirmation for an untrusted repository');
  if (problems.length === 0) return;
  const related: RelatedLocation[] = [
    ...(!pinned ? (definedAt(context, repo, 'the repository is named here') ?? []) : []),
    ...(trusted ? (definedAt(context, trustValue, '`trust_repo` is set to True here') ?? []) : []),
  ];
  context.report({
    node: call.node,
    severity: trusted ? 'error' : undefined,
    message: `\`${call.callee}\` imports and runs the repository's hubconf.py: ${problems.join('; ')}. Pin a commit (\`owner/repo:<sha>\`) and keep the trust check.`,
    related: related.length > 0 ? related : undefined,
    fixes: fixes(trusted && trust ? inlineReplaceFix('Set `trust_repo="check"`', call, trust, trustValue, '"check"') : undefined),
  });
}

export const torchHubUnverifiedRule = defineRule({
  code: 'MLS203',
  name: 'torch-hub-unverified',
  title: 'torch.hub code or weights fetched without a pinned ref or hash check',
  severity: 'warning',
  cwe: [494, 829],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.supplyChain,
  rationale:
    "`torch.hub.load`, `list` and `help` download a GitHub repository and import its `hubconf.py`, so the repository's code runs in your process. Without a ref in `owner/repo:ref` the default branch is taken as it is today, and `trust_repo=True` disables the prompt that protects against repositories you have never used. `load_state_dict_from_url` and `download_url_to_file` fetch weight files from any URL; without `check_hash=True` or `hash_prefix=` a file replaced on the server, or in transit, is used as is.",
  remediation:
    'Use `owner/repo:<commit sha>` (or at least a release tag) and leave `trust_repo` at its default or "check"; pass `check_hash=True` to `load_state_dict_from_url` (with a file name carrying the sha256 prefix) and `hash_prefix=` to `download_url_to_file`.',
  references: [
    { title: 'torch.hub documentation', url: 'https://pytorch.org/docs/stable/hub.html' },
    CWE_REFERENCE(494),
    CWE_REFERENCE(829),
  ],
  callees: [...HUB_REPO_LOADERS, ...STATE_DICT_FROM_URL, ...DOWNLOAD_URL_TO_FILE],
  onCall(call, context) {
    if (call.is(...HUB_REPO_LOADERS)) {
      checkTorchHubRepo(call, context);
      return;
    }
    if (call.is(...STATE_DICT_FROM_URL)) {
      const check = call.argument('check_hash', 4);
      if (!check && (call.hasOpaqueKwargs || call.hasListSplat)) return;
      const value = constantOf(context, check);
      if (check && !isConstFalse(value) && value?.kind !== 'none' && !(value?.kind === 'num' && value.value === 0)) return;
      context.report({
        node: check && within(check.node, call.node) ? check.node : call.node,
        message: `\`${call.callee}\` without \`check_hash=True\` uses the downloaded weights without verifying their sha256 (CWE-494).`,
        related: definedAt(context, value, '`check_hash` is set here'),
      });
      return;
    }
    if (call.is(...DOWNLOAD_URL_TO_FILE)) {
      const hash = call.argument('hash_prefix', 2);
      if (!hash && (call.hasOpaqueKwargs || call.hasListSplat)) return;
      const value = constantOf(context, hash);
      if (hash && value?.kind !== 'none' && !(value?.kind === 'str' && value.value === '')) return;
      context.report({
        node: hash && within(hash.node, call.node) ? hash.node : call.node,
        message: '`torch.hub.download_url_to_file` without `hash_prefix=` stores the file without verifying its sha256 (CWE-494).',
        related: definedAt(context, value, '`hash_prefix` is set here'),
      });
    }
  },
});
