/**
 * The rule catalogue: the one place rules are registered. The CLI, the server, the docs
 * generator and the tests all read `ALL_RULES`. Each rule lives in its own file,
 * `rules/<family>/MLS###.ts`, next to `docs/rules/MLS###.md` and `test/rules/fixtures/MLS###.py`.
 */
import type { Rule } from '../engine/rule';
import { suppressionRule } from './meta/MLS001';
import { pickleLoadRule } from './deserialization/MLS101';
import { torchLoadRule } from './deserialization/MLS102';
import { joblibLoadRule } from './deserialization/MLS103';
import { numpyAllowPickleRule } from './deserialization/MLS104';
import { pandasReadPickleRule } from './deserialization/MLS105';
import { yamlUnsafeLoadRule } from './deserialization/MLS106';
import { kerasUnsafeModeRule } from './deserialization/MLS107';
import { langchainDangerousDeserializationRule } from './deserialization/MLS108';
import { trustRemoteCodeRule } from './supplyChain/MLS201';
import { unpinnedHubDownloadRule } from './supplyChain/MLS202';
import { torchHubUnverifiedRule } from './supplyChain/MLS203';
import { insecureDownloadRule } from './supplyChain/MLS204';
import { tlsVerificationDisabledRule } from './supplyChain/MLS205';
import { archivePathTraversalRule } from './supplyChain/MLS206';
import { dynamicCodeExecutionRule } from './codeExecution/MLS301';
import { shellInjectionRule } from './codeExecution/MLS302';
import { agentCodeExecutionToolsRule } from './codeExecution/MLS303';
import { llmOutputExecutionRule } from './codeExecution/MLS304';
import { requestDataExecutionRule } from './codeExecution/MLS305';
import { sqlBuiltFromTextRule } from './codeExecution/MLS306';
import { untrustedSystemPromptRule } from './codeExecution/MLS307';
import { flaskDebugRule } from './serving/MLS403';
import { bindAllInterfacesRule } from './serving/MLS404';
import { gradioShareRule } from './serving/MLS405';
import { jupyterOpenServerRule } from './serving/MLS406';
import { confidenceExposureRule } from './serving/MLS407';
import { hardCodedCredentialRule } from './secrets/MLS501';
import { vulnerablePinnedRule } from './dependencies/MLS701';
import { vulnerableRangeRule } from './dependencies/MLS702';
import { unvalidatedModelInputRule } from './modelInput/MLS801';

export const ALL_RULES: readonly Rule[] = [
  suppressionRule,
  pickleLoadRule,
  torchLoadRule,
  joblibLoadRule,
  numpyAllowPickleRule,
  pandasReadPickleRule,
  yamlUnsafeLoadRule,
  kerasUnsafeModeRule,
  langchainDangerousDeserializationRule,
  trustRemoteCodeRule,
  unpinnedHubDownloadRule,
  torchHubUnverifiedRule,
  insecureDownloadRule,
  tlsVerificationDisabledRule,
  archivePathTraversalRule,
  dynamicCodeExecutionRule,
  shellInjectionRule,
  agentCodeExecutionToolsRule,
  llmOutputExecutionRule,
  requestDataExecutionRule,
  sqlBuiltFromTextRule,
  untrustedSystemPromptRule,
  flaskDebugRule,
  bindAllInterfacesRule,
  gradioShareRule,
  jupyterOpenServerRule,
  confidenceExposureRule,
  hardCodedCredentialRule,
  vulnerablePinnedRule,
  vulnerableRangeRule,
  unvalidatedModelInputRule,
].sort((a, b) => a.code.localeCompare(b.code));
