// AAC-LC in ADTS frames (audio/aac): FFmpeg's native "aac" encoder, framed by libavformat's "adts" muxer writing
// into memory, so every encoded 1024-sample frame leaves as a self-contained ADTS frame. FFmpeg is loaded on
// first use (ffmpeg_library.h).
#include <algorithm>
#include <mutex>
#include <string>

#include "audio/codec_encoders.h"
#include "audio/ffmpeg_library.h"
#include "common/error.h"

namespace fishtts::audio::detail {
namespace {

// 64 kb/s mono AAC-LC: transparent enough for speech, the same rate as the mp3 output.
constexpr std::int64_t kBitRate = 64000;
constexpr int kIoBufferSize = 4096;

// Valid once ffmpeg_library() has loaded: can_encode_aac() and the encoder's constructor check that first.
const FfmpegLibrary& ff() { return *ffmpeg_library(); }

std::string av_error(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  ff().av_strerror(code, text, sizeof text);
  return text;
}

void check(int rc, const char* what) {
  if (rc < 0) throw Error(ErrorCode::kInternal, std::string("aac: ") + what + " failed: " + av_error(rc));
}

const AVCodec* aac_codec() { return ff().avcodec_find_encoder_by_name("aac"); }

// The encoder logs its statistics ("Qavg: ...") at info level on stderr at every close, which is the CLI's and
// the server's own stream: errors only, unless the host program chose a level itself.
void quiet_ffmpeg_logs() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (ff().av_log_get_level() == AV_LOG_INFO) ff().av_log_set_level(AV_LOG_ERROR);
  });
}

class AacEncoder final : public StreamEncoder {
 public:
  explicit AacEncoder(int sample_rate) : rate_(sample_rate) {
    if (!ffmpeg_library()) throw Error(ErrorCode::kUnsupported, ffmpeg_load_error());
    try {
      open();
    } catch (...) {
      release();
      throw;
    }
  }
  ~AacEncoder() override { release(); }

  std::vector<std::uint8_t> write(std::span<const float> samples) override {
    if (finished_) throw Error(ErrorCode::kInternal, "aac encoder: written after finish");
    for (float v : samples) pending_.push_back(std::clamp(v, -1.0f, 1.0f));  // as the other formats clip
    const auto frame_size = static_cast<std::size_t>(codec_->frame_size);
    std::size_t used = 0;
    while (pending_.size() - used >= frame_size) {
      encode(pending_.data() + used, frame_size);
      used += frame_size;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(used));
    return take();
  }

  std::vector<std::uint8_t> finish() override {
    if (finished_) throw Error(ErrorCode::kInternal, "aac encoder: finished twice");
    finished_ = true;
    if (!pending_.empty()) encode(pending_.data(), pending_.size());  // a short last frame (the encoder allows it)
    pending_.clear();
    check(ff().avcodec_send_frame(codec_, nullptr), "flushing the encoder");
    drain();
    check(ff().av_write_trailer(format_), "writing the trailer");
    ff().avio_flush(io_);
    return take();
  }

  int output_rate() const override { return rate_; }

 private:
  static int on_write(void* self, std::uint8_t* data, int size) {
    auto* me = static_cast<AacEncoder*>(self);
    try {
      me->out_.insert(me->out_.end(), data, data + size);
    } catch (...) {
      return AVERROR(ENOMEM);  // nothing may cross FFmpeg's C frames
    }
    return size;
  }

  void open() {
    quiet_ffmpeg_logs();
    const AVCodec* codec = aac_codec();
    if (!codec) throw Error(ErrorCode::kUnsupported, "this FFmpeg has no native aac encoder");
    codec_ = ff().avcodec_alloc_context3(codec);
    if (!codec_) throw Error(ErrorCode::kInternal, "aac: out of memory");
    codec_->sample_fmt = AV_SAMPLE_FMT_FLTP;  // the native encoder's only input format (mono: one plane)
    codec_->sample_rate = rate_;
    codec_->bit_rate = kBitRate;
    codec_->time_base = AVRational{1, rate_};
    ff().av_channel_layout_default(&codec_->ch_layout, 1);
    codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // the AudioSpecificConfig the adts muxer builds headers from
    check(ff().avcodec_open2(codec_, codec, nullptr), "opening the encoder");

    check(ff().avformat_alloc_output_context2(&format_, nullptr, "adts", nullptr), "creating the adts muxer");
    AVStream* stream = ff().avformat_new_stream(format_, nullptr);
    if (!stream) throw Error(ErrorCode::kInternal, "aac: out of memory");
    check(ff().avcodec_parameters_from_context(stream->codecpar, codec_), "copying the codec parameters");
    stream->time_base = codec_->time_base;
    auto* buffer = static_cast<std::uint8_t*>(ff().av_malloc(kIoBufferSize));
    if (!buffer) throw Error(ErrorCode::kInternal, "aac: out of memory");
    io_ = ff().avio_alloc_context(buffer, kIoBufferSize, 1, this, nullptr, &AacEncoder::on_write, nullptr);
    if (!io_) {
      ff().av_free(buffer);
      throw Error(ErrorCode::kInternal, "aac: out of memory");
    }
    format_->pb = io_;
    format_->flags |= AVFMT_FLAG_CUSTOM_IO;
    check(ff().avformat_write_header(format_, nullptr), "starting the adts stream");

    frame_ = ff().av_frame_alloc();
    packet_ = ff().av_packet_alloc();
    if (!frame_ || !packet_) throw Error(ErrorCode::kInternal, "aac: out of memory");
  }

  void encode(const float* samples, std::size_t count) {
    ff().av_frame_unref(frame_);
    frame_->format = AV_SAMPLE_FMT_FLTP;
    frame_->sample_rate = rate_;
    frame_->nb_samples = static_cast<int>(count);
    check(ff().av_channel_layout_copy(&frame_->ch_layout, &codec_->ch_layout), "setting the frame's layout");
    check(ff().av_frame_get_buffer(frame_, 0), "allocating a frame");
    std::copy(samples, samples + count, reinterpret_cast<float*>(frame_->data[0]));
    frame_->pts = next_pts_;
    next_pts_ += static_cast<std::int64_t>(count);
    check(ff().avcodec_send_frame(codec_, frame_), "encoding");
    drain();
  }

  // Every packet the encoder has ready becomes an ADTS frame in out_ now (flushed, not left in the AVIO buffer).
  void drain() {
    for (;;) {
      const int rc = ff().avcodec_receive_packet(codec_, packet_);
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
      check(rc, "encoding");
      packet_->stream_index = 0;
      ff().av_packet_rescale_ts(packet_, codec_->time_base, format_->streams[0]->time_base);
      const int wrote = ff().av_write_frame(format_, packet_);  // takes the packet's data
      ff().av_packet_unref(packet_);
      check(wrote, "writing an adts frame");
    }
    ff().avio_flush(io_);
  }

  std::vector<std::uint8_t> take() {
    std::vector<std::uint8_t> bytes;
    bytes.swap(out_);
    return bytes;
  }

  void release() {
    ff().av_packet_free(&packet_);
    ff().av_frame_free(&frame_);
    if (format_) ff().avformat_free_context(format_);  // custom I/O: pb is ours
    format_ = nullptr;
    if (io_) ff().av_freep(&io_->buffer);
    ff().avio_context_free(&io_);
    ff().avcodec_free_context(&codec_);
  }

  int rate_;
  AVCodecContext* codec_ = nullptr;
  AVFormatContext* format_ = nullptr;
  AVIOContext* io_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
  std::int64_t next_pts_ = 0;
  std::vector<float> pending_;  // less than one frame, waiting for more
  std::vector<std::uint8_t> out_;
  bool finished_ = false;
};

}  // namespace

bool can_encode_aac(int sample_rate) {
  if (!ffmpeg_library()) return false;
  const AVCodec* codec = aac_codec();
  if (!codec) return false;
  if (!codec->supported_samplerates) return true;
  for (const int* r = codec->supported_samplerates; *r != 0; ++r) {
    if (*r == sample_rate) return true;
  }
  return false;
}

std::unique_ptr<StreamEncoder> make_aac_encoder(int sample_rate) { return std::make_unique<AacEncoder>(sample_rate); }

}  // namespace fishtts::audio::detail
