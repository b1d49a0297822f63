// `fishtts serve` (the demo model) through Fish Audio's own Node SDK (`fish-audio`), pointed at the server with
// its baseUrl option and its API key: msgpack requests to /v1/tts, the audio read as a stream, a stored reference as
// the voice, and the server's refusals (a wrong key, a bad field) with their messages.
//   node fish-sdk.test.mjs --cli build/tools/fishtts/fishtts
// Exit 0 = passed, 1 = failed, 77 = skipped (node_modules or ffmpeg missing: scripts/setup.sh installs both).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { probeAudio } from './audio-probe.mjs';
import { cliOptions, loadPackage, requireFfmpeg, startDemoServer } from './harness.mjs';

const options = cliOptions();
const { FishAudioClient, FishAudioError } = await loadPackage('fish-audio');
requireFfmpeg();

// A fixed seed and a short generation (extension fields the SDK passes through in its msgpack body).
const REQUEST = { text: 'Hello from the Fish Audio SDK test.', seed: 7, max_new_tokens: 48 };

// Fish Audio's service needs a key and the SDK always sends one: here it must be the server's --api-key.
const API_KEY = 'fish-sdk-test-key-31c8';
let server;
let client;
let base;
before(async () => {
  server = await startDemoServer(options, ['--api-key', API_KEY]);
  base = `http://127.0.0.1:${server.port}`;
  client = new FishAudioClient({ apiKey: API_KEY, baseUrl: base });
});
after(async () => { await server?.stop(); });

// The SDK answers with the response's body stream: read it piece by piece, as its README's example does.
async function convert(request, through = client) {
  const stream = await through.textToSpeech.convert(request, 's1');
  const pieces = [];
  for await (const piece of stream) pieces.push(Buffer.from(piece));
  return Buffer.concat(pieces);
}

let wavSeconds;
test('convert to wav: a 44.1 kHz mono WAV', async () => {
  const audio = probeAudio(await convert({ ...REQUEST, format: 'wav' }));
  assert.deepEqual([audio.container, audio.codec, audio.sampleRate, audio.channels], ['wav', 'pcm_s16le', 44100, 1]);
  assert.ok(audio.seconds > 0.5, `${audio.seconds} s`);
  wavSeconds = audio.seconds;
});

for (const [format, container, codec, rate] of [['mp3', 'mp3', 'mp3', 44100], ['opus', 'ogg', 'opus', 48000]]) {
  test(`convert to ${format}: ${codec} at ${rate} Hz, as long as the wav`, async () => {
    const audio = probeAudio(await convert({ ...REQUEST, format }));
    assert.deepEqual([audio.container, audio.codec, audio.sampleRate], [container, codec, rate]);
    assert.ok(Math.abs(audio.seconds - wavSeconds) <= 0.05 * wavSeconds, `${audio.seconds} s, wav ${wavSeconds} s`);
  });
}

test('a refused request throws a FishAudioError with the status and the server\'s message', async () => {
  const error = await convert({ ...REQUEST, format: 'wav', temperature: 5 }).then(() => null, (e) => e);
  assert.ok(error instanceof FishAudioError, `expected a FishAudioError, got ${error}`);
  assert.equal(error.statusCode, 422);
  assert.match(error.message, /temperature/);
});

test('reference_id: a voice stored on the server speaks (the audio differs from the default voice)', async () => {
  const form = new FormData();
  form.append('id', 'fish-voice');
  form.append('text', REQUEST.text);
  form.append('audio', new Blob([await convert({ ...REQUEST, format: 'wav' })]), 'voice.wav');
  const added = await fetch(`${base}/v1/references/add?format=json`, { method: 'POST', body: form,
                                                                       headers: { Authorization: `Bearer ${API_KEY}` } });
  if (added.status !== 200) assert.fail(`references/add: ${added.status} ${await added.text()}`);
  const plain = await convert({ ...REQUEST, format: 'pcm' });
  const voiced = await convert({ ...REQUEST, format: 'pcm', reference_id: 'fish-voice' });
  assert.ok(voiced.length > 0 && !voiced.equals(plain), 'the stored voice changed nothing');
});

test('a wrong API key is a FishAudioError 401 with the server\'s message', async () => {
  const stranger = new FishAudioClient({ apiKey: 'wrong-key', baseUrl: base });
  const error = await convert({ ...REQUEST, format: 'wav' }, stranger).then(() => null, (e) => e);
  assert.ok(error instanceof FishAudioError, `expected a FishAudioError, got ${error}`);
  assert.equal(error.statusCode, 401);
  assert.match(error.message, /missing or wrong API key/);
});
