// The fishtts page: reads the server's limits from /v1/ui/config, streams /v1/tts into Web Audio while it is
// generated, keeps the PCM for a WAV download, and manages stored voices. Plain JavaScript, no dependencies.
// State for tests and assistive technology lives in the DOM: #status[data-state] is idle | waiting | playing |
// done | stopped | error; #voice-status[data-state] is idle | busy | ok | error.
'use strict';

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
    ranges.push(`${$(name).labels[0].textContent.replace(/ \(.*\)$/, '')}: ${field.min}–${field.max}, default ${field.default}`);
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
  const response = await fetch('/v1/ui/config', { cache: 'no-store' });
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
  const response = await fetch('/v1/references/list?format=json', { headers: authHeaders(), cache: 'no-store' });
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
    const response = await fetch('/v1/references/add?format=json', { method: 'POST', headers: authHeaders(), body: form });
    if (!response.ok) throw new Error(await errorMessage(response));
    await refreshVoices(id);
    setVoiceStatus('ok', `Added "${id}"; it is selected as the voice.`);
  } catch (e) {
    setVoiceStatus('error', `The server refused the voice: ${e.message}`);
  } finally {
    $('voice-add').disabled = false;
  }
}

// ---- WAV -------------------------------------------------------------------------------------------------

// Reads a WAV header from the start of a stream: null while more bytes are needed. The streamed header's sizes
// are 0xFFFFFFFF ("unknown"); only the format and where the data starts matter here.
function parseWavHeader(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12) return null;
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('the server did not answer with a WAV stream');
  let format = null;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    if (id === 'data') {
      if (!format) throw new Error('WAV stream: data before its fmt chunk');
      return { ...format, dataOffset: at + 8 };
    }
    if (id === 'fmt ') {
      if (at + 24 > bytes.length) return null;
      format = {
        encoding: view.getUint16(at + 8, true),
        channels: view.getUint16(at + 10, true),
        sampleRate: view.getUint32(at + 12, true),
        bitsPerSample: view.getUint16(at + 22, true),
      };
      if (format.encoding !== 1 || format.bitsPerSample !== 16) throw new Error('WAV stream: expected 16-bit PCM');
    }
    at += 8 + size + (size & 1);
  }
  return null;
}

// A whole 16-bit PCM WAV file (44-byte header with the real sizes) around the collected sample bytes.
function wavFile(chunks, byteLength, sampleRate, channels) {
  const header = new DataView(new ArrayBuffer(44));
  const text = (at, s) => [...s].forEach((c, i) => header.setUint8(at + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  header.setUint32(4, 36 + byteLength, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  header.setUint32(16, 16, true);
  header.setUint16(20, 1, true);
  header.setUint16(22, channels, true);
  header.setUint32(24, sampleRate, true);
  header.setUint32(28, sampleRate * channels * 2, true);
  header.setUint16(32, channels * 2, true);
  header.setUint16(34, 16, true);
  text(36, 'data');
  header.setUint32(40, byteLength, true);
  return new Blob([header, ...chunks], { type: 'audio/wav' });
}

// ---- streaming playback ----------------------------------------------------------------------------------

// Plays 16-bit PCM as it arrives: each piece becomes an AudioBuffer scheduled right after the previous one.
// Made on the click itself (browsers let only a user gesture start audio), before the stream's format is known.
class StreamPlayer {
  constructor(sampleRate) {
    this.context = new AudioContext({ sampleRate });
    this.channels = 1;
    this.sampleRate = sampleRate;
    this.nextTime = 0;
    this.sources = new Set();
    this.pieces = 0;
    this.onFirstSound = null;
    this.onDrained = null;
  }

  setFormat(sampleRate, channels) {
    this.sampleRate = sampleRate;  // an AudioBuffer of another rate is resampled by the context
    this.channels = channels;
  }

  play(bytes) {
    const frames = Math.floor(bytes.length / (2 * this.channels));
    if (frames === 0) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, frames * 2 * this.channels);
    const buffer = this.context.createBuffer(this.channels, frames, this.sampleRate);
    for (let c = 0; c < this.channels; ++c) {
      const out = buffer.getChannelData(c);
      for (let i = 0; i < frames; ++i) out[i] = view.getInt16((i * this.channels + c) * 2, true) / 32768;
    }
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    // A little lead on the first piece (and after an underrun) so the start is not clipped.
    const start = Math.max(this.nextTime, this.context.currentTime + 0.05);
    source.start(start);
    this.nextTime = start + buffer.duration;
    this.sources.add(source);
    source.onended = () => {
      this.sources.delete(source);
      if (this.sources.size === 0 && this.onDrained) this.onDrained();
    };
    this.pieces += 1;
    if (this.onFirstSound) {
      this.onFirstSound();
      this.onFirstSound = null;
    }
  }

  // Calls `done` once everything scheduled so far has been heard (the stream has ended).
  whenDrained(done) {
    this.onDrained = () => {
      this.onDrained = null;
      this.context.close();
      done();
    };
    if (this.sources.size === 0) this.onDrained();
  }

  stop() {
    this.onDrained = null;
    for (const source of this.sources) source.stop();
    this.sources.clear();
    if (this.context.state !== 'closed') this.context.close();
  }
}

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

// What one Generate has received: the stream's format and its PCM, kept whole for the download.
class Received {
  constructor() {
    this.format = null;
    this.chunks = [];
    this.bytes = 0;
    this.pending = new Uint8Array(0);  // bytes not yet usable: header bytes, or half a sample
  }

  // New bytes from the stream -> the whole samples among them (maybe none yet).
  add(value) {
    let bytes = this.pending.length ? concat(this.pending, value) : value;
    if (!this.format) {
      this.format = parseWavHeader(bytes);
      if (!this.format) {
        this.pending = bytes;
        return null;
      }
      bytes = bytes.subarray(this.format.dataOffset);
    }
    const whole = bytes.length - (bytes.length % (2 * this.format.channels));
    this.pending = bytes.slice(whole);
    if (whole === 0) return null;
    const pcm = bytes.slice(0, whole);
    this.chunks.push(pcm);
    this.bytes += pcm.length;
    return pcm;
  }

  seconds() {
    return this.format ? this.bytes / (2 * this.format.channels * this.format.sampleRate) : 0;
  }

  wav() {
    return wavFile(this.chunks, this.bytes, this.format.sampleRate, this.format.channels);
  }
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
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

  const received = new Received();
  let ttfaMs = null;
  try {
    const response = await fetch('/v1/tts', {
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
