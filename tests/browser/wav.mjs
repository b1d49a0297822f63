// A 16-bit PCM WAV file's format and sample bytes, with the header's sizes checked against the file.
export function readWav(bytes) {
  const buf = Buffer.from(bytes);
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new Error(`not a RIFF/WAVE file (starts with ${JSON.stringify(buf.toString('latin1', 0, 12))})`);
  }
  const riffSize = buf.readUInt32LE(4);
  let format = null;
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      format = { encoding: buf.readUInt16LE(at + 8), channels: buf.readUInt16LE(at + 10),
                 sampleRate: buf.readUInt32LE(at + 12), bitsPerSample: buf.readUInt16LE(at + 22) };
    } else if (id === 'data') {
      if (!format) throw new Error('data chunk before fmt chunk');
      if (at + 8 + size !== buf.length) throw new Error(`data size ${size} does not end the file (${buf.length} bytes)`);
      return { ...format, riffSize, fileSize: buf.length, data: buf.subarray(at + 8) };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}
