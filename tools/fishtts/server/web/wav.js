// WAV for the page: the header at the start of a streamed /v1/tts answer, the stream's PCM collected, and a
// whole file (with real sizes) built from it for the download.

// Reads a WAV header from the start of a stream: null while more bytes are needed. The streamed header's sizes
// are 0xFFFFFFFF ("unknown"); only the format and where the data starts matter here.
export function parseWavHeader(bytes) {
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
export function wavFile(chunks, byteLength, sampleRate, channels) {
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


// One streamed answer: its format and all its PCM so far, kept whole for the download.
export class WavStream {
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
