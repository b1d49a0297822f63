// Streaming playback through Web Audio.

// Plays 16-bit PCM as it arrives: each piece becomes an AudioBuffer scheduled right after the previous one.
// Made on the click itself (browsers let only a user gesture start audio), before the stream's format is known.
export class StreamPlayer {
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
