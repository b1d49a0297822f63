// Fuzzes the server's request parsers (body decoding by content type + ServeTTSRequest / OpenAI validation):
// any bytes either parse into a request or are refused with an HttpError of status 4xx; nothing else escapes.
// The first input byte picks the content type (json, msgpack, multipart) and the route; the rest is the body.
#include <cstdint>
#include <cstdlib>
#include <string>

// Compiled into this target (instrumented under libFuzzer) rather than linked from fishtts_server.
#include "../../tools/fishtts/server/body_fields.cpp"
#include "../../tools/fishtts/server/form_data.cpp"
#include "../../tools/fishtts/server/http_error.cpp"
#include "../../tools/fishtts/server/request_body.cpp"
#include "../../tools/fishtts/server/tts_request.cpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fishtts::server;
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const char* type = (selector & 4) ? "multipart/form-data; boundary=b"
                     : (selector & 1) ? "application/msgpack" : "application/json";
  try {
    const RequestBody parsed = parse_request_body(type, body);
    TtsRequest r = (selector & 2) ? parse_openai_speech_request(parsed) : parse_tts_request(parsed);
    // What validation lets through is within the documented ranges.
    const auto& s = r.generation.sampling;
    if (!(s.temperature >= 0.1f && s.temperature <= 1.0f && s.top_p >= 0.1f && s.top_p <= 1.0f &&
          s.repetition_penalty >= 0.9f && s.repetition_penalty <= 2.0f && r.generation.max_new_tokens >= 0 &&
          r.generation.seed <= (1ull << 31))) {
      std::abort();
    }
  } catch (const HttpError& e) {
    if (e.status() < 400 || e.status() >= 500) std::abort();
  }
  return 0;
}
