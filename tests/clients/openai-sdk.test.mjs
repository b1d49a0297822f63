// `fishtts serve` (the demo model) through the official `openai` Node SDK, as an app would call OpenAI: speech in
// all six formats decoded back by FFmpeg, the default format, bodies that stream, models and voices (a stored
// reference and a --voice-map name too), the server's error text in the SDK's error, speed, and stream_format "sse".
//   node openai-sdk.test.mjs --cli build/tools/fishtts/fishtts
// Exit 0 = passed, 1 = failed, 77 = skipped (node_modules or ffmpeg missing: scripts/setup.sh installs both).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { pcmSeconds, probeAudio } from './audio-probe.mjs';
import { cliOptions, loadPackage, requireFfmpeg, startDemoServer } from './harness.mjs';

const options = cliOptions();
const { default: OpenAI, APIError } = await loadPackage('openai');
requireFfmpeg();

// The demo model is noise: a fixed seed makes every answer the same frames, and the extension field max_new_tokens
// keeps each one short (48 frames = 2.23 s of audio at 44.1 kHz, ~0.5 s of work on an idle core).
const INPUT = 'Hello from the OpenAI SDK test.';
const SAME_AUDIO = { seed: 7, max_new_tokens: 48 };
const FRAME_SECONDS = 2048 / 44100;

let server;
let client;
before(async () => {
  // nova is mapped to a reference that the voices test stores later: until then the map points at nothing.
  server = await startDemoServer(options, ['--voice-map', 'nova=sdk-voice']);
  // maxRetries 0: a 5xx must fail the test, not be retried into a pass.
  client = new OpenAI({ baseURL: `http://127.0.0.1:${server.port}/v1`, apiKey: 'any-key', maxRetries: 0, timeout: 60000 });
});
after(async () => { await server?.stop(); });

const speech = async (params) => client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: INPUT, ...SAME_AUDIO,
                                                              ...params });
const bytesOf = async (response) => Buffer.from(await response.arrayBuffer());
const near = (actual, expected, what, tolerance = 0.05) =>
  assert.ok(Math.abs(actual - expected) <= tolerance * expected,
            `${what}: ${actual.toFixed(3)} s, expected ${expected.toFixed(3)} s within ${tolerance * 100}%`);

let wavSeconds;  // of SAME_AUDIO at speed 1, the yardstick of the other formats and speeds
test('wav: a 44.1 kHz mono WAV of the requested frames', async () => {
  const response = await speech({ response_format: 'wav' });
  assert.equal(response.headers.get('content-type'), 'audio/wav');
  const audio = probeAudio(await bytesOf(response));
  assert.deepEqual([audio.container, audio.codec, audio.sampleRate, audio.channels], ['wav', 'pcm_s16le', 44100, 1]);
  // At most max_new_tokens frames; random weights seldom stop early, but may.
  assert.ok(audio.seconds > 0.5 && audio.seconds <= SAME_AUDIO.max_new_tokens * FRAME_SECONDS + 1e-6,
            `${audio.seconds} s for ${SAME_AUDIO.max_new_tokens} frames`);
  wavSeconds = audio.seconds;
});

const ENCODED = [
  // [response_format, content type, ffprobe's container, codec, rate]
  [undefined, 'audio/mpeg', 'mp3', 'mp3', 44100],  // OpenAI's default: no response_format at all
  ['flac', 'audio/flac', 'flac', 'flac', 44100],
  ['opus', 'audio/ogg', 'ogg', 'opus', 48000],      // Ogg Opus, at the 48 kHz Opus requires
  ['aac', 'audio/aac', 'aac', 'aac', 44100],        // ADTS
];
for (const [format, type, container, codec, rate] of ENCODED) {
  test(`${format ?? 'no response_format'}: ${codec} in ${container} at ${rate} Hz, as long as the wav`, async () => {
    const response = await speech(format ? { response_format: format } : {});
    assert.equal(response.headers.get('content-type'), type);
    const audio = probeAudio(await bytesOf(response));
    assert.deepEqual([audio.container, audio.codec, audio.sampleRate, audio.channels], [container, codec, rate, 1]);
    near(audio.seconds, wavSeconds, `${codec} duration`);  // encoder delay and padding are a few ms
  });
}

test('pcm: raw s16le at OpenAI\'s 24 kHz, as long as the wav', async () => {
  const response = await speech({ response_format: 'pcm' });
  near(pcmSeconds(await bytesOf(response), 24000), wavSeconds, 'pcm duration at 24 kHz', 0.01);
});

for (const speed of [0.5, 2.0]) {
  test(`speed ${speed}: the wav lasts 1/${speed} as long, at the same rate`, async () => {
    const audio = probeAudio(await bytesOf(await speech({ response_format: 'wav', speed })));
    assert.equal(audio.sampleRate, 44100);
    near(audio.seconds, wavSeconds / speed, `duration at speed ${speed}`);
  });
}

// Three sentences = two text chunks at the route's chunk_length of 200, each generated in turn (2 x 32 frames).
const LONG_INPUT = 'The first sentence of this test is long enough to matter. The second one keeps the model busy while ' +
  'the first audio is already on its way to the client. The third sentence ends the request, well after the first ' +
  'bytes arrived, and it is here to make the request last.';
for (const format of [undefined, 'opus', 'aac', 'flac', 'wav', 'pcm']) {
  test(`${format ?? 'mp3 (default)'} streams: the body's first piece arrives long before its end`, async () => {
    const started = performance.now();
    const response = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: LONG_INPUT, seed: 7,
                                                        max_new_tokens: 32, ...(format ? { response_format: format } : {}) });
    let first = null;
    let pieces = 0;
    let bytes = 0;
    for await (const piece of response.body) {
      first ??= performance.now() - started;
      pieces += 1;
      bytes += piece.length;
    }
    const total = performance.now() - started;
    console.log(`# ${format ?? 'mp3'}: first piece after ${first.toFixed(0)} ms, end after ${total.toFixed(0)} ms, ` +
                `${pieces} pieces, ${bytes} bytes`);
    assert.ok(pieces > 2, `${pieces} pieces`);
    assert.ok(first < 0.5 * total, `first piece after ${first.toFixed(0)} ms of ${total.toFixed(0)} ms`);
  });
}

test('models.list() has tts-1; /v1/audio/voices and /v1/audio/models list what Open WebUI reads', async () => {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.ok(ids.includes('tts-1'), `models: ${ids.join(', ')}`);
  const base = `http://127.0.0.1:${server.port}/v1/audio`;
  const voices = await (await fetch(`${base}/voices`)).json();
  assert.ok(voices.voices.some((v) => v.id === 'default' && typeof v.name === 'string'), JSON.stringify(voices));
  const models = await (await fetch(`${base}/models`)).json();
  assert.ok(models.models.some((m) => m.id === 'tts-1'), JSON.stringify(models));
});

test('voices: a stored reference by its id, as {id} and through --voice-map; instructions are accepted', async () => {
  const base = `http://127.0.0.1:${server.port}/v1`;
  const unmapped = await speech({ voice: 'nova' }).then(() => null, (e) => e);
  assert.ok(unmapped instanceof APIError && unmapped.status === 404, `nova before its reference: ${unmapped}`);
  assert.match(unmapped.message, /sdk-voice/);
  // Any speech is a reference for the demo model: store one of its own answers under an id.
  const form = new FormData();
  form.append('id', 'sdk-voice');
  form.append('text', INPUT);
  form.append('audio', new Blob([await bytesOf(await speech({ response_format: 'wav' }))]), 'voice.wav');
  const added = await fetch(`${base}/references/add`, { method: 'POST', body: form, headers: { Accept: 'application/json' } });
  if (added.status !== 200) assert.fail(`references/add: ${added.status} ${await added.text()}`);
  const voices = await (await fetch(`${base}/audio/voices`)).json();
  for (const id of ['sdk-voice', 'nova', 'default']) {
    assert.ok(voices.voices.some((v) => v.id === id), `${id} in ${JSON.stringify(voices)}`);
  }

  // Each body is read before the next request: the server has one worker.
  const answer = async (params) => {
    const response = await speech({ response_format: 'pcm', ...params });
    return { headers: response.headers, pcm: await bytesOf(response) };
  };
  const plain = await answer({});
  assert.equal(plain.headers.get('x-fishtts-voice'), 'default');
  const byName = await answer({ voice: 'sdk-voice' });
  assert.equal(byName.headers.get('x-fishtts-voice'), null);
  const byId = await answer({ voice: { id: 'sdk-voice' }, instructions: 'Speak warmly.' });
  assert.match(byId.headers.get('x-fishtts-instructions') ?? '', /^ignored/);
  const mapped = await answer({ voice: 'nova' });
  // Same seed: the reference in the prompt is what makes the audio differ, and all three names pick it.
  assert.ok(!byName.pcm.equals(plain.pcm), 'the stored voice changed nothing');
  assert.ok(byId.pcm.equals(byName.pcm), `voice {id} gave ${byId.pcm.length} bytes, by name ${byName.pcm.length}`);
  assert.ok(mapped.pcm.equals(byName.pcm), `voice nova gave ${mapped.pcm.length} bytes, sdk-voice ${byName.pcm.length}`);
});

test('a refused request throws an APIError carrying the server\'s own message', async () => {
  const refusal = async (params, status, text) => {
    const error = await speech(params).then(() => null, (e) => e);
    assert.ok(error instanceof APIError, `expected an APIError, got ${error}`);
    assert.equal(error.status, status);
    assert.equal(error.type, 'invalid_request_error');
    assert.match(error.message, text);
  };
  await refusal({ speed: 10 }, 400, /field 'speed': must be within \[0\.25, 4\.0\]/);
  await refusal({ response_format: 'ogg' }, 400, /unsupported format 'ogg'; supported: wav, pcm, flac, mp3, opus, aac/);
});

test('stream_format "sse": base64 deltas that add up to the pcm answer, then a done event with usage', async () => {
  const response = await speech({ response_format: 'pcm', stream_format: 'sse' });
  assert.match(response.headers.get('content-type'), /^text\/event-stream/);
  const events = (await response.text()).split('\n\n').filter((block) => block.trim())
    .map((block) => JSON.parse(block.replace(/^data: /, '')));
  const deltas = events.filter((e) => e.type === 'speech.audio.delta');
  assert.ok(deltas.length > 1, `${deltas.length} delta events`);
  const done = events.at(-1);
  assert.equal(done.type, 'speech.audio.done');
  assert.equal(events.length, deltas.length + 1, 'only deltas before the done event');
  assert.ok(done.usage.input_tokens > 0 && done.usage.output_tokens > 0, JSON.stringify(done.usage));
  assert.equal(done.usage.total_tokens, done.usage.input_tokens + done.usage.output_tokens);
  const pcm = Buffer.concat(deltas.map((e) => Buffer.from(e.audio, 'base64')));
  const plain = await bytesOf(await speech({ response_format: 'pcm' }));
  assert.ok(pcm.equals(plain), `sse audio ${pcm.length} bytes, pcm answer ${plain.length} bytes`);
});
