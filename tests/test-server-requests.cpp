// The server's pieces without sockets: body decoding, ServeTTSRequest / OpenAI validation, bearer check,
// the bounded inference queue and the streaming WAV header.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "auth.h"
#include "http_error.h"
#include "inference_queue.h"
#include "request_body.h"
#include "answer_audio.h"
#include "tts_request.h"

namespace {

using namespace fishtts::server;
using nlohmann::json;

RequestBody json_body(const json& j) { return parse_request_body("application/json", j.dump()); }

// A multipart/form-data body with boundary "xyz" as browsers and curl -F send it.
std::string form_body(const std::vector<FormPart>& parts) {
  std::string body;
  for (const FormPart& p : parts) {
    body += "--xyz\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
    if (!p.filename.empty()) body += "; filename=\"" + p.filename + "\"\r\nContent-Type: application/octet-stream";
    body += "\r\n\r\n" + p.content + "\r\n";
  }
  return body + "--xyz--\r\n";
}
RequestBody form(const std::vector<FormPart>& parts) {
  return parse_request_body("multipart/form-data; boundary=xyz", form_body(parts));
}

int status_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const HttpError& e) {
    return e.status();
  }
  return 0;
}

TEST(ServerRequests, DefaultsAreUpstreams) {
  const TtsRequest r = parse_tts_request(json_body({{"text", "hi"}}));
  EXPECT_EQ(r.text, "hi");
  EXPECT_EQ(r.format, fishtts::audio::AudioFormat::kWav);
  EXPECT_FALSE(r.streaming);
  EXPECT_FALSE(r.reference_id);
  EXPECT_FLOAT_EQ(r.generation.sampling.temperature, 0.8f);
  EXPECT_FLOAT_EQ(r.generation.sampling.top_p, 0.8f);
  EXPECT_FLOAT_EQ(r.generation.sampling.repetition_penalty, 1.1f);
  EXPECT_EQ(r.generation.max_new_tokens, 1024);
  EXPECT_LE(r.generation.seed, 1ull << 31);
}

TEST(ServerRequests, RangesAreInclusiveAndStrict) {
  EXPECT_EQ(status_of([] { parse_tts_request(json_body({{"text", "x"}, {"temperature", 0.1}, {"top_p", 1.0},
                                                        {"repetition_penalty", 2.0}})); }), 0);
  EXPECT_EQ(status_of([] { parse_tts_request(json_body({{"text", "x"}, {"repetition_penalty", 0.9}})); }), 0);
  EXPECT_EQ(status_of([] { parse_tts_request(json_body({{"text", "x"}, {"repetition_penalty", 0.89}})); }), 422);
  EXPECT_EQ(status_of([] { parse_tts_request(json_body({{"text", "x"}, {"top_p", 1.01}})); }), 422);
  EXPECT_EQ(status_of([] { parse_tts_request(json_body({{"text", "x"}, {"top_p", "0.5"}})); }), 422);
  EXPECT_EQ(status_of([] { parse_tts_request(json_body({{"text", "x"}, {"top_p", false}})); }), 422);
  EXPECT_EQ(status_of([] { parse_tts_request(json_body({{"text", "x"}, {"top_p", nullptr}})); }), 0);  // = default
  // Form fields are text: numbers are parsed from it.
  const TtsRequest r = parse_tts_request(form({{"text", "x", ""}, {"top_p", "0.5", ""}, {"streaming", "true", ""}}));
  EXPECT_FLOAT_EQ(r.generation.sampling.top_p, 0.5f);
  EXPECT_TRUE(r.streaming);
}

TEST(ServerRequests, SeedsAreNormalisedAsUpstream) {
  EXPECT_EQ(normalize_seed(5), 5u);
  EXPECT_EQ(normalize_seed(-5), 5u);
  EXPECT_EQ(normalize_seed(INT64_MIN), 1ull << 31);
  EXPECT_EQ(parse_tts_request(json_body({{"text", "x"}, {"seed", "-12"}})).generation.seed, 12u);
  EXPECT_EQ(parse_tts_request(json_body({{"text", "x"}, {"seed", 9.0}})).generation.seed, 9u);
}

TEST(ServerRequests, BodiesDecodeByContentType) {
  const std::vector<std::uint8_t> packed = json::to_msgpack({{"text", "hé"}, {"bytes", json::binary({1, 2, 3})}});
  const RequestBody m = parse_request_body("Application/MsgPack ; charset=x", std::string(packed.begin(), packed.end()));
  EXPECT_EQ(m.encoding, BodyEncoding::kMsgpack);
  EXPECT_EQ(m.value["text"], "hé");
  EXPECT_EQ(static_cast<const std::vector<std::uint8_t>&>(m.value["bytes"].get_binary()), (std::vector<std::uint8_t>{1, 2, 3}));
  // A file's bytes come through whole, line breaks and dashes included.
  const std::string binary("RIFF\r\n--xy\0\r\n\xff", 13);
  const RequestBody f = form({{"a", "1", ""}, {"a", "2", ""}, {"f", binary, "f.wav"}});
  EXPECT_EQ(f.encoding, BodyEncoding::kForm);
  EXPECT_EQ(f.value["a"], json::array({"1", "2"}));
  ASSERT_TRUE(f.value["f"].is_binary());
  const auto& bytes = static_cast<const std::vector<std::uint8_t>&>(f.value["f"].get_binary());
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), binary);
  EXPECT_EQ(status_of([] { parse_request_body("text/plain", "{}"); }), 415);
  EXPECT_EQ(status_of([] { parse_request_body("", "{}"); }), 415);
  EXPECT_EQ(status_of([] { parse_request_body("application/json", "\"text\""); }), 400);
  EXPECT_EQ(status_of([] { parse_request_body("application/json", std::string(100000, '[')); }), 400);
}

TEST(ServerRequests, BodiesOfTooManyValuesAre400) {
  std::string many = "{\"codes\":[";
  for (std::size_t i = 0; i <= kMaxBodyValues; ++i) many += i ? ",0" : "0";
  many += "]}";
  try {
    parse_request_body("application/json", many);
    ADD_FAILURE() << "accepted";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(std::string(e.what()).find("values"), std::string::npos) << e.what();
  }
  const std::vector<std::uint8_t> packed = json::to_msgpack(json{{"codes", std::vector<int>(kMaxBodyValues, 0)}});
  EXPECT_EQ(status_of([&] { parse_request_body("application/msgpack", std::string(packed.begin(), packed.end())); }), 400);
  // The largest real body, /v1/vqgan/decode's 12,920 x 10 codes, is far within.
  const json decode = {{"codes", std::vector<std::vector<int>>(10, std::vector<int>(12920, 1))}};
  EXPECT_EQ(status_of([&] { parse_request_body("application/json", decode.dump()); }), 0);
}

TEST(ServerRequests, MalformedFormsAre400NamingTheProblem) {
  const auto message_of = [](const std::string& type, const std::string& body) {
    try {
      parse_request_body(type, body);
    } catch (const HttpError& e) {
      EXPECT_EQ(e.status(), 400);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message_of("multipart/form-data", form_body({{"a", "1", ""}})).find("boundary"), std::string::npos);
  EXPECT_NE(message_of("multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data\r\n\r\nx\r\n--xyz--")
                .find("no name"),
            std::string::npos);
  EXPECT_NE(message_of("multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end")
                .find("multipart"),
            std::string::npos);
  std::vector<FormPart> many(kMaxFormParts + 1, FormPart{"p", "v", ""});
  EXPECT_NE(message_of("multipart/form-data; boundary=xyz", form_body(many)).find("parts"), std::string::npos);
  many.pop_back();
  EXPECT_EQ(message_of("multipart/form-data; boundary=xyz", form_body(many)), "accepted");
}

TEST(ServerRequests, Base64ReferencesDecode) {
  const TtsRequest r = parse_tts_request(
      json_body({{"text", "x"}, {"references", json::array({{{"audio", "aGk="}, {"text", "t"}}})}}));
  ASSERT_EQ(r.references.size(), 1u);
  EXPECT_EQ(std::string(r.references[0].audio.begin(), r.references[0].audio.end()), "hi");
}

TEST(ServerRequests, FishSdkFieldsSampleRateAndProsodySpeed) {
  const TtsRequest r = parse_tts_request(json_body({{"text", "x"}, {"format", "mp3"}, {"streaming", true},
                                                    {"sample_rate", 16000}, {"prosody", {{"speed", 1.5}, {"volume", 0}}}}));
  EXPECT_TRUE(r.streaming);  // any format streams
  EXPECT_EQ(r.output_rate, 16000);
  EXPECT_EQ(r.speed, 1.5);
  EXPECT_EQ(status_of([] { parse_tts_request(json_body({{"text", "x"}, {"format", "opus"}, {"sample_rate", 44100}})); }), 422);
  EXPECT_EQ(status_of([] { parse_tts_request(json_body({{"text", "x"}, {"prosody", {{"speed", 9}}}})); }), 422);
}

TEST(ServerRequests, OpenAiFieldsAndRefusals) {
  const TtsRequest r = parse_openai_speech_request(
      json_body({{"model", "anything"}, {"input", "hello"}, {"voice", "v1"}, {"response_format", "pcm"}, {"stream", false}, {"speed", 1}}));
  EXPECT_EQ(r.text, "hello");
  EXPECT_EQ(*r.reference_id, "v1");
  EXPECT_EQ(r.format, fishtts::audio::AudioFormat::kPcm);
  EXPECT_EQ(r.output_rate, 24000);  // OpenAI's pcm
  EXPECT_FALSE(r.streaming);
  // OpenAI's defaults: mp3, streamed.
  const TtsRequest d = parse_openai_speech_request(json_body({{"input", "x"}}));
  EXPECT_EQ(d.format, fishtts::audio::AudioFormat::kMp3);
  EXPECT_TRUE(d.streaming);
  EXPECT_EQ(d.output_rate, 0);
  EXPECT_EQ(d.speed, 1.0);
  const TtsRequest o = parse_openai_speech_request(json_body({{"input", "x"}, {"voice", {{"id", "v2"}}}, {"speed", 2.0},
                                                              {"response_format", "opus"}, {"stream_format", "sse"},
                                                              {"instructions", "whisper"}}));
  EXPECT_EQ(*o.reference_id, "v2");
  EXPECT_EQ(o.speed, 2.0);
  EXPECT_EQ(o.format, fishtts::audio::AudioFormat::kOpus);
  EXPECT_TRUE(o.sse);
  EXPECT_TRUE(o.instructions_ignored);
  EXPECT_EQ(parse_openai_speech_request(json_body({{"input", "x"}, {"response_format", "aac"}})).format,
            fishtts::audio::AudioFormat::kAac);
  EXPECT_EQ(status_of([] { parse_openai_speech_request(json_body({{"voice", "v1"}})); }), 422);
  EXPECT_EQ(status_of([] { parse_openai_speech_request(json_body({{"input", ""}})); }), 400);
  EXPECT_EQ(status_of([] { parse_openai_speech_request(json_body({{"input", "x"}, {"response_format", "ogg"}})); }), 400);
  EXPECT_EQ(status_of([] { parse_openai_speech_request(json_body({{"input", "x"}, {"speed", 4.5}})); }), 400);
  EXPECT_EQ(status_of([] { parse_openai_speech_request(json_body({{"input", "x"}, {"speed", "fast"}})); }), 400);
  EXPECT_EQ(status_of([] { parse_openai_speech_request(json_body({{"input", "x"}, {"stream_format", "ws"}})); }), 400);
  EXPECT_EQ(status_of([] { parse_openai_speech_request(json_body({{"input", "x"}, {"voice", {{"name", "a"}}}})); }), 400);
}

TEST(ServerRequests, BearerKeysMatchExactly) {
  EXPECT_TRUE(bearer_matches("Bearer k3y", "k3y"));
  EXPECT_FALSE(bearer_matches("Bearer k3y ", "k3y"));
  EXPECT_FALSE(bearer_matches("Bearer k3", "k3y"));
  EXPECT_FALSE(bearer_matches("bearer k3y", "k3y"));
  EXPECT_FALSE(bearer_matches("", "k3y"));
  EXPECT_FALSE(bearer_matches("k3y", "k3y"));
}

TEST(ServerRequests, AStreamedWavAnswerSaysItsSizesAreUnknown) {
  TtsRequest tts;
  tts.format = fishtts::audio::AudioFormat::kWav;
  fishtts::server::AnswerStream stream(tts, 44100);
  const std::string h = stream.write(std::vector<float>(100, 0.25f));
  ASSERT_EQ(h.size(), 44u + 200u);  // the header, then the first samples as s16le
  EXPECT_EQ(h.substr(0, 4), "RIFF");
  EXPECT_EQ(h.substr(4, 4), std::string(4, '\xff'));
  EXPECT_EQ(h.substr(36, 4), "data");
  EXPECT_EQ(h.substr(40, 4), std::string(4, '\xff'));
  EXPECT_EQ(stream.content_type(), "audio/wav");
}

TEST(ServerRequests, QueueIsBoundedRunsInOrderAndAbandonsOnShutdown) {
  InferenceQueue queue(2);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<bool> started{false};
  std::vector<int> order;
  std::mutex order_mutex;
  ASSERT_TRUE(queue.submit({[&] { started = true; gate.wait(); }, {}, {}}));
  for (int i = 0; i < 200 && !started; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(started);
  EXPECT_TRUE(queue.busy());
  auto record = [&](int i) { return [&, i] { std::lock_guard l(order_mutex); order.push_back(i); }; };
  EXPECT_TRUE(queue.submit({record(1), {}, {}}));
  EXPECT_TRUE(queue.submit({record(2), {}, {}}));
  EXPECT_FALSE(queue.submit({record(3), {}, {}}));  // two waiting already
  EXPECT_EQ(queue.waiting(), 2u);
  release.set_value();
  for (int i = 0; i < 200 && queue.waiting() + queue.busy() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  {
    std::lock_guard l(order_mutex);
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
  }

  std::promise<void> hold;
  std::shared_future<void> hold_gate = hold.get_future().share();
  std::atomic<int> abandoned{0};
  started = false;
  ASSERT_TRUE(queue.submit({[&] { started = true; hold_gate.wait(); }, {}, {}}));
  for (int i = 0; i < 200 && !started; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(queue.submit({[] { FAIL() << "ran after shutdown"; }, [&] { ++abandoned; }, {}}));
  std::thread stopper([&] { queue.shutdown(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  hold.set_value();
  stopper.join();
  EXPECT_EQ(abandoned, 1);
  EXPECT_FALSE(queue.submit({[] {}, {}, {}}));
}

}  // namespace
