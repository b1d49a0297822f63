// What an answer's bytes are, read back by FFmpeg's own tools (Debian's `ffmpeg`, installed by scripts/setup.sh):
// ffprobe names the container, codec and rate; ffmpeg decodes every sample, so the duration is counted, not
// estimated (a streamed WAV's sizes are unknown and an MP3 or ADTS stream has no length field).
import { execFileSync } from 'node:child_process';

export const FFPROBE = '/usr/bin/ffprobe';
export const FFMPEG = '/usr/bin/ffmpeg';

const RUN = { maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] };

// {container, codec, sampleRate, channels, seconds} of an encoded file held in memory.
export function probeAudio(bytes) {
  const input = Buffer.from(bytes);
  const info = JSON.parse(execFileSync(FFPROBE, ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', 'pipe:0'],
                                       { ...RUN, input }).toString());
  const stream = (info.streams ?? []).find((s) => s.codec_type === 'audio');
  if (!stream) throw new Error(`ffprobe found no audio stream in ${input.length} bytes`);
  const sampleRate = Number(stream.sample_rate);
  const channels = Number(stream.channels);
  // Decoded at the stream's own rate and channel count: 2 bytes per sample and channel.
  const pcm = execFileSync(FFMPEG, ['-v', 'error', '-i', 'pipe:0', '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1'],
                           { ...RUN, input });
  return { container: info.format.format_name, codec: stream.codec_name, sampleRate, channels,
           seconds: pcm.length / 2 / channels / sampleRate };
}

// Seconds of raw s16le mono PCM at a given rate.
export function pcmSeconds(bytes, sampleRate) {
  if (bytes.length % 2 !== 0) throw new Error(`s16le PCM of odd length ${bytes.length}`);
  return bytes.length / 2 / sampleRate;
}
