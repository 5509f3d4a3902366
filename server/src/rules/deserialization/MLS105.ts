/** MLS105: pandas.read_pickle. */
import { defineRule } from '../../engine/rule';
import { OWASP, ATLAS, CWE_REFERENCE, spelled } from '../support';

export const pandasReadPickleRule = defineRule({
  code: 'MLS105',
  name: 'pandas-read-pickle',
  title: '`pandas.read_pickle` of a data file',
  severity: 'warning',
  cwe: [502],
  threats: ['data-poisoning', 'model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.unsafeArtifacts,
  rationale:
    '`pandas.read_pickle` is `pickle.load` behind a data-frame API, with optional decompression in front. Feature tables and intermediate datasets are often exchanged as `.pkl` files between pipeline stages, teams and buckets; whoever can replace one of them runs code in every job that reads it, on machines that usually hold data credentials.',
  remediation:
    'Exchange data frames as Parquet (`to_parquet` / `read_parquet`), Feather or CSV, which carry data only; keep pickle for short-lived caches written by the same process.',
  references: [
    { title: 'pandas.read_pickle documentation', url: 'https://pandas.pydata.org/docs/reference/api/pandas.read_pickle.html' },
    { title: 'pandas.read_parquet documentation', url: 'https://pandas.pydata.org/docs/reference/api/pandas.read_parquet.html' },
    CWE_REFERENCE(502),
  ],
  callees: ['pandas.read_pickle', 'pandas.io.pickle.read_pickle'],
  onCall(call, context) {
    context.report({
      node: call.node,
      message: `\`${spelled(call)}\` unpickles the file: a tampered data file runs code when it is read (CWE-502). Prefer Parquet or Feather for data frames.`,
    });
  },
});
