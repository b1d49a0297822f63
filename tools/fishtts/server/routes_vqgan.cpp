// POST /v1/vqgan/encode {audios: [bytes]} -> msgpack {tokens: [[[int]]]} ([books][T] per audio) and
// POST /v1/vqgan/decode {tokens: [[[int]]]} -> msgpack {audios: [bytes]} (raw float16 PCM, 44.1 kHz mono),
// as upstream (spec 7). Audio decoding happens on the HTTP thread; codec calls on the inference worker.
#include <onnxruntime_cxx_api.h>

#include "audio/audio_io.h"
#include "body_fields.h"
#include "http_error.h"
#include "request_body.h"
#include "server_context.h"
#include "uploaded_audio.h"

namespace fishtts::server {
namespace {

void send_msgpack(HttpResponse& res, const nlohmann::json& value) {
  const std::vector<std::uint8_t> bytes = nlohmann::json::to_msgpack(value);
  res.set_content(std::string(bytes.begin(), bytes.end()), "application/msgpack");
}

const nlohmann::json& list_field(const RequestBody& body, const char* name) {
  auto it = body.value.find(name);
  if (it == body.value.end() || it->is_null()) throw HttpError(422, std::string("field '") + name + "': required");
  if (!it->is_array()) throw HttpError(422, std::string("field '") + name + "': expected a list, got " + json_type_phrase(*it));
  return *it;
}

text::IntMatrix codes_of(const nlohmann::json& rows, std::size_t index) {
  const std::string where = "tokens[" + std::to_string(index) + "]";
  if (!rows.is_array() || rows.empty()) throw HttpError(422, "field '" + where + "': expected a non-empty list of rows");
  text::IntMatrix m;
  m.rows = rows.size();
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const nlohmann::json& row = rows[r];
    if (!row.is_array()) throw HttpError(422, "field '" + where + "[" + std::to_string(r) + "]': expected a list of integers");
    if (r == 0) m.cols = row.size();
    if (row.size() != m.cols) {
      throw HttpError(422, "field '" + where + "': row " + std::to_string(r) + " has " + std::to_string(row.size()) +
                               " codes, row 0 has " + std::to_string(m.cols));
    }
    for (const nlohmann::json& v : row) {
      if (!v.is_number_integer() && !v.is_number_unsigned()) throw HttpError(422, "field '" + where + "': codes must be integers");
      const auto code = v.get<int64_t>();
      if (code < 0 || code > INT32_MAX) throw HttpError(422, "field '" + where + "': code " + std::to_string(code) + " out of range");
      m.values.push_back(static_cast<int32_t>(code));
    }
  }
  return m;
}

std::vector<std::uint8_t> to_float16(const std::vector<float>& samples) {
  std::vector<std::uint8_t> out(samples.size() * 2);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::uint16_t bits = Ort::Float16_t(samples[i]).val;
    out[2 * i] = static_cast<std::uint8_t>(bits & 0xff);
    out[2 * i + 1] = static_cast<std::uint8_t>(bits >> 8);
  }
  return out;
}

}  // namespace

void add_vqgan_routes(ServerContext& ctx) {
  ctx.router.post("/v1/vqgan/encode", guarded([&ctx](const HttpRequest& req, HttpResponse& res) {
    const RequestBody body = read_body(req);
    const nlohmann::json& audios = list_field(body, "audios");
    UploadedAudio uploads(ctx);
    std::vector<std::vector<float>> pcm;
    for (std::size_t i = 0; i < audios.size(); ++i) {
      const std::string name = "audios[" + std::to_string(i) + "]";
      pcm.push_back(uploads.decode(bytes_of(audios[i], "field '" + name + "'"), name));
    }
    nlohmann::json tokens = nlohmann::json::array();
    run_on_worker(ctx, [&] {
      for (const std::vector<float>& samples : pcm) {
        const text::IntMatrix codes = ctx.engine->codec().encode(samples);
        nlohmann::json rows = nlohmann::json::array();
        for (std::size_t r = 0; r < codes.rows; ++r) {
          rows.push_back(std::vector<int32_t>(codes.values.begin() + static_cast<std::ptrdiff_t>(r * codes.cols),
                                              codes.values.begin() + static_cast<std::ptrdiff_t>((r + 1) * codes.cols)));
        }
        tokens.push_back(std::move(rows));
      }
    });
    send_msgpack(res, {{"tokens", std::move(tokens)}});
  }));

  ctx.router.post("/v1/vqgan/decode", guarded([&ctx](const HttpRequest& req, HttpResponse& res) {
    const RequestBody body = read_body(req);
    const nlohmann::json& list = list_field(body, "tokens");
    std::vector<text::IntMatrix> all;
    std::size_t frames = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
      all.push_back(codes_of(list[i], i));
      ctx.engine->codec().check_codes(all.back());
      frames += all.back().cols;
      if (frames > static_cast<std::size_t>(ctx.options.max_decode_frames)) {
        throw HttpError(400, "tokens: more than " + std::to_string(ctx.options.max_decode_frames) +
                                 " frames in one request");
      }
    }
    nlohmann::json audios = nlohmann::json::array();
    run_on_worker(ctx, [&] {
      for (const text::IntMatrix& codes : all) audios.push_back(nlohmann::json::binary(to_float16(ctx.engine->codec().decode(codes))));
    });
    send_msgpack(res, {{"audios", std::move(audios)}});
  }));
}

}  // namespace fishtts::server
