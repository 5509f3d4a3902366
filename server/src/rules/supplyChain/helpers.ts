/**
 * MLS2xx: remote code, unpinned downloads, unverified transport. Models, datasets and the code
 * that loads them come from hubs and web servers; these rules flag the places where a program
 * accepts whatever those servers (or anyone between them and the program) hand back.
 */
import { CallSite } from '../../engine/callSite';
import type { Argument } from '../../engine/callSite';
import type { Node } from '../../engine/parser';
import type { Fix, RuleContext } from '../../engine/rule';
import type { ConstValue } from '../../engine/semantic';
import { constantOf, replaceValueFix } from '../support';

/** True when `inner` lies inside `outer` (by offsets). */
export function within(inner: Node, outer: Node): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

/** A fix replacing a value, offered only when the literal is written in the call itself. */
export function inlineReplaceFix(
  title: string,
  call: CallSite,
  argument: Argument,
  value: ConstValue | undefined,
  newText: string,
): Fix | undefined {
  if (!value || value.definedAt || !within(argument.value, call.node)) return undefined;
  return replaceValueFix(title, argument, newText, false);
}

/** The string constant of an argument (through names), or undefined. */
export function stringOf(context: RuleContext, argument: Argument | undefined): (ConstValue & { kind: 'str' }) | undefined {
  const value = constantOf(context, argument);
  return value?.kind === 'str' ? value : undefined;
}

export const FULL_SHA = /^[0-9a-f]{40}$/i;

export const STATE_DICT_FROM_URL = [
  'torch.hub.load_state_dict_from_url',
  'torch.utils.model_zoo.load_url',
  'torchvision.models.utils.load_state_dict_from_url',
  'torchvision._internally_replaced_utils.load_state_dict_from_url',
];

export const DOWNLOAD_URL_TO_FILE = ['torch.hub.download_url_to_file'];

export const REQUESTS_SESSIONS = ['requests.Session', 'requests.session', 'requests.sessions.Session', 'requests.sessions.session'];

export const HTTPX_CLIENTS = ['httpx.Client', 'httpx.AsyncClient'];
