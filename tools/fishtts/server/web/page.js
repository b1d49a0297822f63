// The fishtts page: reads the server's limits from v1/ui/config, streams /v1/tts into Web Audio while it is
// generated, keeps the PCM for a WAV download, and manages stored voices. Plain JavaScript modules, no
// dependencies. URLs are relative to the page, so it also works behind a proxy under a sub-path.
// State for tests and assistive technology lives in the DOM: #status[data-state] is idle | waiting | playing |
// done | stopped | error; #voice-status[data-state] is idle | busy | ok | error.
import { StreamPlayer } from './stream-player.js';
import { WavStream } from './wav.js';

const $ = (id) => document.getElementById(id);

// The API key lives only in this variable (never in a URL, never in storage).
let apiKey = '';
let config = null;

function authHeaders(extra = {}) {
  return apiKey ? { ...extra, Authorization: 'Bearer ' + apiKey } : extra;
}

function setStatus(state, text) {
  const status = $('status');
  status.dataset.state = state;
  status.textContent = text;
}

// The server's error envelope {statusCode, message, error}, or the body's text when it is not one.
async function errorMessage(response) {
  const text = await response.text();
  let message = text.trim() || response.statusText;
  try {
    const body = JSON.parse(text);
    if (body && typeof body.message === 'string') message = body.message;
  } catch (_) { /* not JSON: keep the text */ }
  const hint = response.status === 401 ? ' (enter the right API key above)' : '';
  return `HTTP ${response.status}: ${message}${hint}`;
}

function countCharacters(text) {
  return [...text].length;  // code points, as the server counts them
}

// ---- server settings -------------------------------------------------------------------------------------

const NUMBER_FIELDS = ['temperature', 'top_p', 'repetition_penalty', 'max_new_tokens', 'chunk_length'];

function applyConfig(cfg) {
  config = cfg;
  const ranges = [];
  for (const name of NUMBER_FIELDS) {
    const field = cfg.fields[name];
    const input = $(name);
    input.min = field.min;
    input.max = field.max;
    input.value = field.default;
    ranges.push(`${input.labels[0].textContent.replace(/ \(.*\)$/, '')}: ${field.min}–${field.max}, default ${field.default}`);
  }
  $('ranges').textContent = ranges.join('; ') + '.';
  $('key-section').hidden = !cfg.api_key_required;
  updateCount();
}

function updateCount() {
  const n = countCharacters($('text').value);
  const limit = config ? config.max_text_length : 0;
  const counter = $('text-count');
  counter.textContent = limit > 0 ? `${n} / ${limit} characters (server limit)` : `${n} characters (no server limit)`;
  counter.dataset.over = limit > 0 && n > limit ? 'true' : 'false';
}

async function loadConfig() {
  const response = await fetch('v1/ui/config', { cache: 'no-store' });
  if (!response.ok) throw new Error(await errorMessage(response));
  applyConfig(await response.json());
}

// ---- voices ----------------------------------------------------------------------------------------------

function setVoiceStatus(state, text) {
  const status = $('voice-status');
  status.dataset.state = state;
  status.textContent = text;
}

async function refreshVoices(select) {
  const response = await fetch('v1/references/list?format=json', { headers: authHeaders(), cache: 'no-store' });
  if (!response.ok) throw new Error(await errorMessage(response));
  const ids = (await response.json()).reference_ids || [];
  const picker = $('voice');
  const keep = select ?? picker.value;
  picker.replaceChildren(picker.options[0]);
  for (const id of ids) picker.add(new Option(id, id));
  picker.value = ids.includes(keep) ? keep : '';
  picker.dataset.count = String(ids.length);
}

async function addVoice(event) {
  event.preventDefault();
  const id = $('voice-id').value.trim();
  const file = $('voice-audio').files[0];
  const form = new FormData();
  form.append('id', id);
  form.append('text', $('voice-text').value);
  form.append('audio', file, file.name);
  setVoiceStatus('busy', `Adding "${id}"…`);
  $('voice-add').disabled = true;
  try {
    const response = await fetch('v1/references/add?format=json', { method: 'POST', headers: authHeaders(), body: form });
    if (!response.ok) throw new Error(await errorMessage(response));
    await refreshVoices(id);
    setVoiceStatus('ok', `Added "${id}"; it is selected as the voice.`);
  } catch (e) {
    setVoiceStatus('error', `The server refused the voice: ${e.message}`);
  } finally {
    $('voice-add').disabled = false;
  }
}

// ---- generate --------------------------------------------------------------------------------------------

function readSettings() {
  const body = { text: $('text').value, format: 'wav', streaming: true };
  for (const name of NUMBER_FIELDS) body[name] = Number($(name).value);
  const seed = $('seed').value.trim();
  if (seed !== '') body.seed = Number(seed);
  if ($('voice').value) body.reference_id = $('voice').value;
  return body;
}

function showMetrics(m) {
  $('metric-ttfa').textContent = m.ttfaMs === null ? '–' : `${Math.round(m.ttfaMs)} ms`;
  $('metric-audio').textContent = `${m.audioSeconds.toFixed(2)} s`;
  $('metric-rtf').textContent = m.rtf === null ? '–' : m.rtf.toFixed(2);
  const metrics = $('metrics');
  metrics.dataset.ttfaMs = m.ttfaMs ?? '';
  metrics.dataset.audioSeconds = m.audioSeconds;
  metrics.dataset.rtf = m.rtf ?? '';
}

function offerDownload(blob, seed) {
  const link = $('download');
  const audio = $('player');
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  const url = URL.createObjectURL(blob);
  link.href = url;
  link.download = seed === undefined ? 'fishtts.wav' : `fishtts-seed${seed}.wav`;
  link.hidden = false;
  audio.src = url;
  audio.hidden = false;
}

let current = null;  // the running request: {abort, stopped}
let player = null;   // the latest StreamPlayer, until its audio has been heard or stopped

function setPlayback(state) {
  $('metrics').dataset.playback = state;
  $('stop').disabled = !(current || state === 'started');
}

async function generate(event) {
  event.preventDefault();
  if (current) return;
  if (player) player.stop();
  const body = readSettings();
  const clicked = performance.now();
  const run = { abort: new AbortController(), stopped: false };
  const thisPlayer = new StreamPlayer(config.sample_rate);
  current = run;
  player = thisPlayer;
  $('generate').disabled = true;
  $('progress').hidden = false;
  $('tts-form').setAttribute('aria-busy', 'true');
  $('download').hidden = true;
  $('player').hidden = true;
  const metrics = $('metrics');
  for (const key of ['firstAudioAt', 'finishedAt', 'pieces']) delete metrics.dataset[key];
  setPlayback('waiting');
  setStatus('waiting', 'Waiting for the first audio…');
  showMetrics({ ttfaMs: null, audioSeconds: 0, rtf: null });
  thisPlayer.onFirstSound = () => {
    metrics.dataset.firstAudioAt = String(performance.now());
    setPlayback('started');
  };

  const received = new WavStream();
  let ttfaMs = null;
  try {
    const response = await fetch('v1/tts', {
      method: 'POST',
      headers: authHeaders({ 'Content-Type': 'application/json' }),
      body: JSON.stringify(body),
      signal: run.abort.signal,
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    const reader = response.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const pcm = received.add(value);
      if (!pcm) continue;
      if (ttfaMs === null) ttfaMs = performance.now() - clicked;
      thisPlayer.setFormat(received.format.sampleRate, received.format.channels);
      thisPlayer.play(pcm);
      showMetrics({ ttfaMs, audioSeconds: received.seconds(), rtf: null });
      setStatus('playing', `Playing while it is generated: ${received.seconds().toFixed(1)} s of audio so far…`);
    }
    if (!received.format) throw new Error('the stream ended before any audio');
    const seconds = (performance.now() - clicked) / 1000;
    const audioSeconds = received.seconds();
    showMetrics({ ttfaMs, audioSeconds, rtf: audioSeconds > 0 ? seconds / audioSeconds : null });
    metrics.dataset.finishedAt = String(performance.now());
    metrics.dataset.pieces = String(thisPlayer.pieces);
    offerDownload(received.wav(), body.seed);
    setStatus('done', `Done: ${audioSeconds.toFixed(2)} s of audio in ${seconds.toFixed(2)} s.`);
    thisPlayer.whenDrained(() => {
      if (player === thisPlayer) player = null;
      setPlayback('ended');
    });
  } catch (e) {
    thisPlayer.stop();
    if (run.stopped) {
      if (received.bytes > 0) offerDownload(received.wav(), body.seed);
      setStatus('stopped', 'Stopped; the server cancels the synthesis. The audio so far can be downloaded.');
    } else {
      setStatus('error', e.message);
    }
    if (player === thisPlayer) player = null;
    metrics.dataset.playback = 'stopped';
  } finally {
    current = null;
    $('generate').disabled = false;
    $('progress').hidden = true;
    $('tts-form').setAttribute('aria-busy', 'false');
    setPlayback(metrics.dataset.playback);  // Stop stays usable while the audio still plays
  }
}

// Stops the request (the server cancels a streaming synthesis when its client goes) and the audio.
function stop() {
  if (current) {
    current.stopped = true;
    current.abort.abort();
  }
  if (player) {
    player.stop();
    player = null;
  }
  setPlayback('stopped');
}

// ---- wiring ----------------------------------------------------------------------------------------------

async function start() {
  $('generate').disabled = true;  // until the server's settings are known
  $('tts-form').addEventListener('submit', generate);
  $('stop').addEventListener('click', stop);
  $('voice-form').addEventListener('submit', addVoice);
  $('text').addEventListener('input', updateCount);
  $('text').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      $('tts-form').requestSubmit();
    }
  });
  $('api-key').addEventListener('input', (e) => { apiKey = e.target.value; });
  $('api-key').addEventListener('change', refreshVoicesOrSay);
  try {
    await loadConfig();
    setStatus('idle', config.api_key_required ? 'Enter the API key, then some text.' : 'Ready.');
    $('generate').disabled = false;
  } catch (e) {
    setStatus('error', `Could not read the server's settings: ${e.message}`);
    return;
  }
  if (!config.api_key_required) await refreshVoicesOrSay();
}

async function refreshVoicesOrSay() {
  try {
    await refreshVoices();
    // The server accepted the key: an earlier refusal no longer applies.
    if ($('voice-status').dataset.state === 'error') setVoiceStatus('idle', '');
    if ($('status').dataset.state === 'error') setStatus('idle', 'Ready.');
  } catch (e) {
    setVoiceStatus('error', `Could not list the voices: ${e.message}`);
  }
}

start();
