/**
 * Callee tables shared by several MLS2xx rules (remote code, unpinned downloads, unverified
 * transport). Models, datasets and the code that loads them come from hubs and web servers; these
 * rules flag the places where a program accepts whatever those servers hand back.
 */
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
