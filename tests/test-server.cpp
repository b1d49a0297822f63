// `fishtts serve` routes end to end over 127.0.0.1 with a real HTTP client, on the tiny fixture model:
// health, /v1/tts (wav, streaming, json / msgpack / multipart bodies, references), OpenAI speech, vqgan,
// references, metrics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

#include "audio/audio_io.h"
#include "support/test_server.h"
#include "support/wav_bytes.h"

namespace {

using fishtts::test::parse_wav;
using fishtts::test::TestServer;
using nlohmann::json;

constexpr int kFrameSamples = 2048;  // samples per code frame (S1's codec, also the tiny one)

TestServer& shared_server() { return fishtts::test::shared_test_server(); }

json small_request(const std::string& text = "Hello world.") {
  return {{"text", text}, {"max_new_tokens", 12}, {"seed", 7}};
}

std::string to_msgpack(const json& j) {
  const std::vector<std::uint8_t> b = json::to_msgpack(j);
  return std::string(b.begin(), b.end());
}

std::string sine_wav(double seconds, int rate = 44100) {
  std::vector<float> s(static_cast<std::size_t>(seconds * rate));
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = 0.3f * static_cast<float>(std::sin(2 * M_PI * 220.0 * i / rate));
  const auto bytes = fishtts::audio::encode_audio(s, rate, fishtts::audio::AudioFormat::kWav);
  return std::string(bytes.begin(), bytes.end());
}

// POSTs a streaming /v1/tts body and collects what arrives, piece by piece.
struct Streamed {
  std::string bytes;
  int pieces = 0;
};

httplib::Result post_streaming(httplib::Client& c, const json& body, Streamed& out) {
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/tts";
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  req.content_receiver = [&](const char* data, std::size_t n, uint64_t, uint64_t) {
    out.bytes.append(data, n);
    ++out.pieces;
    return true;
  };
  return c.send(req);
}

TEST(Server, HealthAnswersGetAndPost) {
  auto c = shared_server().client();
  for (int i = 0; i < 2; ++i) {
    auto res = i == 0 ? c.Get("/v1/health") : c.Post("/v1/health", "", "application/json");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(json::parse(res->body), json({{"status", "ok"}}));
  }
}

TEST(Server, TtsWavIsA16BitMonoFileOfWholeFrames) {
  auto c = shared_server().client();
  auto res = c.Post("/v1/tts", small_request().dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "audio/wav");
  EXPECT_EQ(res->get_header_value("Content-Disposition"), "attachment; filename=audio.wav");
  const auto wav = parse_wav(res->body);
  ASSERT_TRUE(wav.ok);
  EXPECT_EQ(wav.format, 1);
  EXPECT_EQ(wav.channels, 1);
  EXPECT_EQ(wav.rate, 44100u);
  EXPECT_EQ(wav.bits, 16);
  const int frames = std::stoi(res->get_header_value("X-Fishtts-Frames"));
  EXPECT_GT(frames, 0);
  EXPECT_LE(frames, 12);
  EXPECT_EQ(wav.data_size, static_cast<std::uint32_t>(frames * kFrameSamples * 2));
  EXPECT_EQ(wav.pcm.size(), wav.data_size);
}

TEST(Server, StreamingSendsAnOpenEndedWavHeaderThenThePcmOfTheWholeFile) {
  auto c = shared_server().client();
  json body = small_request();
  auto whole = c.Post("/v1/tts", body.dump(), "application/json");
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->status, 200);

  body["streaming"] = true;
  Streamed streamed;
  auto res = post_streaming(c, body, streamed);
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Transfer-Encoding"), "chunked");
  EXPECT_EQ(res->get_header_value("Content-Type"), "audio/wav");
  EXPECT_GT(streamed.pieces, 1);  // frames arrive as they are decoded, not in one piece
  const auto wav = parse_wav(streamed.bytes);
  ASSERT_TRUE(wav.ok);
  EXPECT_EQ(wav.riff_size, 0xFFFFFFFFu);
  EXPECT_EQ(wav.data_size, 0xFFFFFFFFu);
  EXPECT_EQ(wav.rate, 44100u);
  EXPECT_EQ(wav.channels, 1);
  EXPECT_EQ(wav.bits, 16);
  // Same seed, same request: the streamed PCM is the non-streamed file's data chunk.
  EXPECT_EQ(wav.pcm, parse_wav(whole->body).pcm);

  // format pcm streams raw s16le, the same samples.
  body["format"] = "pcm";
  Streamed raw;
  auto raw_res = post_streaming(c, body, raw);
  ASSERT_TRUE(raw_res);
  ASSERT_EQ(raw_res->status, 200);
  EXPECT_EQ(raw.bytes, wav.pcm);
}

TEST(Server, ChunkLengthSplitsLongTextAndStreamsEveryChunk) {
  auto c = shared_server().client();
  std::string text;
  for (int i = 0; i < 6; ++i) text += "This is sentence " + std::to_string(i) + " of a text long enough to need chunks. ";
  json body = {{"text", text}, {"max_new_tokens", 3}, {"seed", 7}, {"chunk_length", 100}};
  auto chunked = c.Post("/v1/tts", body.dump(), "application/json");
  ASSERT_TRUE(chunked);
  ASSERT_EQ(chunked->status, 200) << chunked->body;
  const int chunks = std::stoi(chunked->get_header_value("X-Fishtts-Text-Chunks"));
  EXPECT_GE(chunks, 3);
  // Each chunk generates its own frames (max_new_tokens applies per chunk).
  EXPECT_EQ(std::stoi(chunked->get_header_value("X-Fishtts-Frames")), 2 * chunks);
  EXPECT_EQ(parse_wav(chunked->body).data_size, static_cast<std::uint32_t>(2 * chunks * kFrameSamples * 2));

  body["chunk_length"] = 40;  // clamped to 100, as the schema's declared range
  auto clamped = c.Post("/v1/tts", body.dump(), "application/json");
  ASSERT_TRUE(clamped);
  EXPECT_EQ(clamped->body, chunked->body);

  body["chunk_length"] = 0;  // S1's one pass
  auto one_pass = c.Post("/v1/tts", body.dump(), "application/json");
  ASSERT_TRUE(one_pass);
  EXPECT_EQ(one_pass->get_header_value("X-Fishtts-Text-Chunks"), "1");

  body["chunk_length"] = 100;
  body["streaming"] = true;
  body["format"] = "pcm";
  Streamed streamed;
  auto res = post_streaming(c, body, streamed);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_GT(streamed.pieces, 1);
  EXPECT_EQ(streamed.bytes, parse_wav(chunked->body).pcm);
}

TEST(Server, MsgpackAndMultipartBodiesGiveTheSameAudioAsJson) {
  auto c = shared_server().client();
  auto from_json = c.Post("/v1/tts", small_request().dump(), "application/json");
  auto from_msgpack = c.Post("/v1/tts", to_msgpack(small_request()), "application/msgpack");
  httplib::MultipartFormDataItems form = {
      {"text", "Hello world.", "", ""}, {"max_new_tokens", "12", "", ""}, {"seed", "7", "", ""}};
  auto from_form = c.Post("/v1/tts", form);
  ASSERT_TRUE(from_json && from_msgpack && from_form);
  ASSERT_EQ(from_json->status, 200) << from_json->body;
  ASSERT_EQ(from_msgpack->status, 200) << from_msgpack->body;
  ASSERT_EQ(from_form->status, 200) << from_form->body;
  EXPECT_EQ(from_msgpack->body, from_json->body);
  EXPECT_EQ(from_form->body, from_json->body);
}

TEST(Server, InlineReferencesChangeThePromptAndEveryEncodingCarriesThem) {
  auto c = shared_server().client();
  const std::string ref = sine_wav(1.0);
  json with_ref = small_request();
  with_ref["references"] = json::array({{{"audio", json::binary(std::vector<std::uint8_t>(ref.begin(), ref.end()))},
                                         {"text", "A reference voice."}}});
  auto packed = c.Post("/v1/tts", to_msgpack(with_ref), "application/msgpack");
  ASSERT_TRUE(packed);
  ASSERT_EQ(packed->status, 200) << packed->body;

  // JSON carries the audio as base64.
  std::string b64;
  {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::size_t i = 0;
    for (; i + 2 < ref.size(); i += 3) {
      const unsigned v = static_cast<unsigned char>(ref[i]) << 16 | static_cast<unsigned char>(ref[i + 1]) << 8 |
                         static_cast<unsigned char>(ref[i + 2]);
      b64 += {k[v >> 18], k[v >> 12 & 63], k[v >> 6 & 63], k[v & 63]};
    }
    if (ref.size() - i == 1) {
      const unsigned v = static_cast<unsigned char>(ref[i]) << 16;
      b64 += {k[v >> 18], k[v >> 12 & 63], '=', '='};
    } else if (ref.size() - i == 2) {
      const unsigned v = static_cast<unsigned char>(ref[i]) << 16 | static_cast<unsigned char>(ref[i + 1]) << 8;
      b64 += {k[v >> 18], k[v >> 12 & 63], k[v >> 6 & 63], '='};
    }
  }
  json as_json = small_request();
  as_json["references"] = json::array({{{"audio", b64}, {"text", "A reference voice."}}});
  auto from_json = c.Post("/v1/tts", as_json.dump(), "application/json");
  ASSERT_TRUE(from_json);
  ASSERT_EQ(from_json->status, 200) << from_json->body;
  EXPECT_EQ(from_json->body, packed->body);

  httplib::MultipartFormDataItems form = {{"text", "Hello world.", "", ""},
                                          {"max_new_tokens", "12", "", ""},
                                          {"seed", "7", "", ""},
                                          {"reference_audio", ref, "ref.wav", "audio/wav"},
                                          {"reference_text", "A reference voice.", "", ""}};
  auto from_form = c.Post("/v1/tts", form);
  ASSERT_TRUE(from_form);
  ASSERT_EQ(from_form->status, 200) << from_form->body;
  EXPECT_EQ(from_form->body, packed->body);

  auto plain = c.Post("/v1/tts", small_request().dump(), "application/json");
  ASSERT_TRUE(plain);
  EXPECT_NE(plain->body, packed->body);  // the reference is in the prompt
}

TEST(Server, InlineReferenceCodesAreCachedByContent) {
  TestServer server;
  auto c = server.client();
  const std::string ref = sine_wav(1.0);
  json body = small_request();
  body["references"] = json::array({{{"audio", json::binary(std::vector<std::uint8_t>(ref.begin(), ref.end()))},
                                     {"text", "A reference voice."}}});
  auto hits = [&] {
    const std::string m = c.Get("/metrics")->body;
    const auto at = m.find("\nfishtts_reference_cache_hits_total ");
    return at == std::string::npos ? -1 : std::stoi(m.substr(at + 36));
  };
  auto first = c.Post("/v1/tts", to_msgpack(body), "application/msgpack");  // "off" still writes the cache
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(hits(), 0);
  body["use_memory_cache"] = "on";
  auto cached = c.Post("/v1/tts", to_msgpack(body), "application/msgpack");
  ASSERT_EQ(cached->status, 200) << cached->body;
  EXPECT_EQ(hits(), 1);
  EXPECT_EQ(cached->body, first->body);  // the cached codes are the encoded ones
}

TEST(Server, OtherFormatsHaveTheirContentTypes) {
  auto c = shared_server().client();
  json body = small_request();
  body["format"] = "flac";
  auto flac = c.Post("/v1/tts", body.dump(), "application/json");
  ASSERT_TRUE(flac);
  ASSERT_EQ(flac->status, 200) << flac->body;
  EXPECT_EQ(flac->get_header_value("Content-Type"), "audio/flac");
  EXPECT_EQ(flac->body.substr(0, 4), "fLaC");
  body["format"] = "pcm";
  auto pcm = c.Post("/v1/tts", body.dump(), "application/json");
  ASSERT_TRUE(pcm);
  ASSERT_EQ(pcm->status, 200);
  EXPECT_EQ(pcm->body.size() % (kFrameSamples * 2), 0u);
  EXPECT_GT(pcm->body.size(), 0u);
}

TEST(Server, OpenAiSpeechRoute) {
  auto c = shared_server().client();
  json body = {{"model", "tts-1"}, {"input", "Hello world."}, {"response_format", "wav"}, {"stream", false},
               {"seed", 7}, {"max_new_tokens", 12}};
  auto res = c.Post("/v1/audio/speech", body.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "audio/wav");
  auto fish = c.Post("/v1/tts", small_request().dump(), "application/json");
  ASSERT_TRUE(fish);
  EXPECT_TRUE(res->body == fish->body);  // the same synthesis under another name

  for (const json& bad : {json{{"input", "x"}, {"response_format", "ogg"}}, json{{"input", "x"}, {"speed", 4.5}},
                          json{{"input", "x"}, {"stream_format", "ws"}}}) {
    auto r = c.Post("/v1/audio/speech", bad.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad.dump();
    const json e = json::parse(r->body);  // OpenAI's error shape, which its SDKs show
    EXPECT_EQ(e["error"]["type"], "invalid_request_error") << r->body;
    EXPECT_FALSE(e["error"]["message"].get<std::string>().empty());
    std::string field;  // the one besides input: what OpenAI's SDKs show as param
    for (const auto& item : bad.items()) {
      if (item.key() != "input") field = item.key();
    }
    EXPECT_EQ(e["error"]["param"], field) << r->body;
  }
  auto fish_error = c.Post("/v1/tts", json{{"text", "x"}, {"top_p", 0}}.dump(), "application/json");
  ASSERT_TRUE(fish_error);
  EXPECT_TRUE(json::parse(fish_error->body).contains("statusCode")) << fish_error->body;  // upstream's shape
  auto ogg = c.Post("/v1/audio/speech", json{{"input", "x"}, {"response_format", "ogg"}}.dump(), "application/json");
  EXPECT_NE(ogg->body.find("wav, pcm, flac, mp3, opus, aac"), std::string::npos) << ogg->body;  // names what is supported
  EXPECT_EQ(c.Get("/v1/audio/nothing")->body.find("statusCode"), std::string::npos);  // a 404 in OpenAI's shape too
}

// What OpenAI clients send by default (mp3, streamed) and every other format, decoded back.
TEST(Server, OpenAiSpeechStreamsEveryFormatAndHonoursSpeed) {
  auto c = shared_server().client();
  const json base = {{"input", "Hello world."}, {"voice", "alloy"}, {"seed", 7}, {"max_new_tokens", 12}};
  const auto speak = [&](json extra) {
    json b = base;
    if (!extra.is_null()) b.update(extra);
    return c.Post("/v1/audio/speech", b.dump(), "application/json");
  };
  auto wav = speak({{"response_format", "wav"}, {"stream", false}});
  ASSERT_TRUE(wav);
  const std::size_t samples = fishtts::audio::decode_audio(
      std::span(reinterpret_cast<const std::uint8_t*>(wav->body.data()), wav->body.size()), {}).size();
  ASSERT_GT(samples, 0u);

  auto mp3 = speak(json::object());  // the defaults
  ASSERT_TRUE(mp3);
  ASSERT_EQ(mp3->status, 200) << mp3->body;
  EXPECT_EQ(mp3->get_header_value("Content-Type"), "audio/mpeg");
  EXPECT_EQ(mp3->get_header_value("Transfer-Encoding"), "chunked");  // streamed as it is made
  for (const char* format : {"mp3", "opus", "flac", "wav"}) {
    auto r = speak({{"response_format", format}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << format << ": " << r->body.substr(0, 200);
    EXPECT_EQ(r->get_header_value("Transfer-Encoding"), "chunked") << format;
    const std::vector<float> back = fishtts::audio::decode_audio(
        std::span(reinterpret_cast<const std::uint8_t*>(r->body.data()), r->body.size()), {}, format);
    // Encoder delay and padding (mp3, opus) are a few ms.
    EXPECT_NEAR(static_cast<double>(back.size()), static_cast<double>(samples), 0.05 * samples + 2500) << format;
  }
  auto aac = speak({{"response_format", "aac"}});
  ASSERT_TRUE(aac);
  ASSERT_EQ(aac->status, 200) << aac->body.substr(0, 200);
  EXPECT_EQ(aac->get_header_value("Content-Type"), "audio/aac");
  ASSERT_GE(aac->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(aac->body[0]), 0xFF);  // an ADTS frame's sync word
  EXPECT_EQ(static_cast<unsigned char>(aac->body[1]) & 0xF0, 0xF0);
  auto pcm = speak({{"response_format", "pcm"}});
  ASSERT_TRUE(pcm);
  EXPECT_NEAR(pcm->body.size() / 2.0, samples * 24000.0 / 44100.0, 200);  // 24 kHz s16le as OpenAI's

  for (double speed : {0.5, 2.0}) {
    auto r = speak({{"response_format", "wav"}, {"stream", false}, {"speed", speed}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const std::size_t n = fishtts::audio::decode_audio(
        std::span(reinterpret_cast<const std::uint8_t*>(r->body.data()), r->body.size()), {}).size();
    EXPECT_NEAR(static_cast<double>(n), samples / speed, 0.05 * samples / speed) << speed;
  }

  auto sse = speak({{"response_format", "pcm"}, {"stream_format", "sse"}, {"instructions", "cheerful"}});
  ASSERT_TRUE(sse);
  EXPECT_EQ(sse->get_header_value("Content-Type"), "text/event-stream");
  EXPECT_FALSE(sse->get_header_value("X-Fishtts-Instructions").empty());
  EXPECT_NE(sse->body.find("data: {\"audio\":"), std::string::npos) << sse->body.substr(0, 200);
  EXPECT_NE(sse->body.find("\"type\":\"speech.audio.delta\""), std::string::npos);
  const std::size_t done = sse->body.find("\"type\":\"speech.audio.done\"");
  ASSERT_NE(done, std::string::npos);
  EXPECT_NE(sse->body.find("\"output_tokens\":", done), std::string::npos);
}

// OpenAI clients send a built-in voice name on every call and discover the server through /v1/models.
TEST(Server, OpenAiVoiceNamesSpeakWithTheDefaultVoiceAndTheCatalogListsModelsAndVoices) {
  auto c = shared_server().client();
  json body = {{"model", "tts-1"}, {"input", "Hello world."}, {"response_format", "wav"}, {"seed", 7},
               {"max_new_tokens", 12}};
  auto plain = c.Post("/v1/audio/speech", body.dump(), "application/json");
  body["voice"] = "alloy";
  auto alloy = c.Post("/v1/audio/speech", body.dump(), "application/json");
  ASSERT_TRUE(plain && alloy);
  ASSERT_EQ(alloy->status, 200) << alloy->body;
  EXPECT_EQ(alloy->get_header_value("X-Fishtts-Voice"), "default");
  EXPECT_EQ(alloy->body, plain->body);

  auto models = c.Get("/v1/models");
  ASSERT_TRUE(models);
  ASSERT_EQ(models->status, 200);
  const json m = json::parse(models->body);
  EXPECT_EQ(m["object"], "list");
  std::vector<std::string> ids;
  for (const json& d : m["data"]) ids.push_back(d["id"]);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "tts-1"), ids.end());
  auto audio_models = c.Get("/v1/audio/models");
  ASSERT_TRUE(audio_models);
  EXPECT_EQ(json::parse(audio_models->body)["models"].size(), m["data"].size());
  auto voices = c.Get("/v1/audio/voices");
  ASSERT_TRUE(voices);
  ASSERT_EQ(voices->status, 200);
  EXPECT_EQ(json::parse(voices->body)["voices"][0]["id"], "default");
}

TEST(Server, VqganEncodeThenDecodeRoundTripsShapes) {
  auto c = shared_server().client();
  const std::string wav = sine_wav(0.5);
  json enc = {{"audios", json::array({json::binary(std::vector<std::uint8_t>(wav.begin(), wav.end()))})}};
  auto res = c.Post("/v1/vqgan/encode", to_msgpack(enc), "application/msgpack");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/msgpack");
  const json tokens = json::from_msgpack(res->body)["tokens"];
  ASSERT_EQ(tokens.size(), 1u);
  ASSERT_EQ(tokens[0].size(), 10u);
  const std::size_t frames = tokens[0][0].size();
  EXPECT_EQ(frames, static_cast<std::size_t>(std::ceil(0.5 * 44100 / kFrameSamples)));

  auto dec = c.Post("/v1/vqgan/decode", to_msgpack({{"tokens", tokens}}), "application/msgpack");
  ASSERT_TRUE(dec);
  ASSERT_EQ(dec->status, 200) << dec->body;
  const json audios = json::from_msgpack(dec->body)["audios"];
  ASSERT_EQ(audios.size(), 1u);
  EXPECT_EQ(audios[0].get_binary().size(), frames * kFrameSamples * 2);  // float16 samples
}

TEST(Server, ReferencesAddListTtsRenameDelete) {
  TestServer server;
  auto c = server.client();
  const std::string wav = sine_wav(1.0);
  httplib::MultipartFormDataItems add = {
      {"id", "voice-1", "", ""}, {"text", "A reference voice.", "", ""}, {"audio", wav, "voice.wav", "audio/wav"}};
  auto added = c.Post("/v1/references/add?format=json", add);
  ASSERT_TRUE(added);
  ASSERT_EQ(added->status, 200) << added->body;
  EXPECT_EQ(json::parse(added->body)["reference_id"], "voice-1");
  auto again = c.Post("/v1/references/add", add);
  EXPECT_EQ(again->status, 409);

  auto list = c.Get("/v1/references/list");  // msgpack by default
  ASSERT_EQ(list->status, 200);
  EXPECT_EQ(json::from_msgpack(list->body)["reference_ids"], json::array({"voice-1"}));
  auto list_json = c.Get("/v1/references/list", {{"Accept", "application/json"}});
  EXPECT_EQ(json::parse(list_json->body)["reference_ids"], json::array({"voice-1"}));
  // ?format decides alone when it names a format; "json" (S1) and "application/json" (upstream's HEAD) select JSON.
  auto spelled = c.Get("/v1/references/list?format=application/json", {{"Accept", "application/msgpack"}});
  EXPECT_EQ(spelled->get_header_value("Content-Type"), "application/json");
  auto both = c.Get("/v1/references/list", {{"Accept", "application/json, application/msgpack"}});
  EXPECT_EQ(both->get_header_value("Content-Type"), "application/msgpack");
  auto query = c.Get("/v1/references/list?format=%20JSON%20", {{"Accept", "application/msgpack"}});
  EXPECT_EQ(query->get_header_value("Content-Type"), "application/json");

  json tts = small_request();
  tts["reference_id"] = "voice-1";
  auto spoken = c.Post("/v1/tts", tts.dump(), "application/json");
  ASSERT_EQ(spoken->status, 200) << spoken->body;
  auto plain = c.Post("/v1/tts", small_request().dump(), "application/json");
  EXPECT_NE(spoken->body, plain->body);

  auto renamed = c.Post("/v1/references/update?format=json",
                        json{{"old_reference_id", "voice-1"}, {"new_reference_id", "voice-2"}}.dump(), "application/json");
  ASSERT_EQ(renamed->status, 200) << renamed->body;
  tts["reference_id"] = "voice-2";
  auto spoken_again = c.Post("/v1/tts", tts.dump(), "application/json");
  ASSERT_EQ(spoken_again->status, 200);
  EXPECT_EQ(spoken_again->body, spoken->body);
  // The second synthesis with the same stored voice reused its KV prefix, and /metrics counts it.
  const std::string metrics = c.Get("/metrics")->body;
  EXPECT_NE(metrics.find("fishtts_prefix_cache_hits_total 1\n"), std::string::npos) << metrics;

  httplib::Request del;
  del.method = "DELETE";
  del.path = "/v1/references/delete?format=json";
  del.body = json{{"reference_id", "voice-2"}}.dump();
  del.set_header("Content-Type", "application/json");
  auto deleted = c.send(del);
  ASSERT_EQ(deleted->status, 200) << deleted->body;
  auto gone = c.send(del);
  EXPECT_EQ(gone->status, 404);
  EXPECT_EQ(json::parse(gone->body)["statusCode"], 404);
}

TEST(Server, MetricsCountRequestsByRouteAndStatus) {
  TestServer server;
  auto c = server.client();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(c.Get("/v1/health")->status, 200);
  ASSERT_EQ(c.Post("/v1/tts", small_request().dump(), "application/json")->status, 200);
  ASSERT_EQ(c.Post("/v1/tts", "{", "application/json")->status, 400);
  ASSERT_EQ(c.Get("/nowhere")->status, 404);
  auto m = c.Get("/metrics");
  ASSERT_EQ(m->status, 200);
  EXPECT_NE(m->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const std::string& t = m->body;
  EXPECT_NE(t.find("fishtts_http_requests_total{route=\"/v1/health\",status=\"200\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("fishtts_http_requests_total{route=\"/v1/tts\",status=\"200\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("fishtts_http_requests_total{route=\"/v1/tts\",status=\"400\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("fishtts_http_requests_total{route=\"other\",status=\"404\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("fishtts_http_errors_total{route=\"/v1/tts\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("fishtts_syntheses_total 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("fishtts_queue_waiting 0\n"), std::string::npos) << t;
  EXPECT_EQ(t.find("fishtts_rtf_last 0\n"), std::string::npos) << t;  // a real RTF was recorded
  EXPECT_EQ(t.find("fishtts_time_to_first_audio_seconds_last 0\n"), std::string::npos) << t;
  // The histogram counts the one synthesis: cumulative buckets end at +Inf = count.
  EXPECT_NE(t.find("# TYPE fishtts_synthesis_rtf histogram\n"), std::string::npos) << t;
  EXPECT_NE(t.find("fishtts_synthesis_rtf_bucket{le=\"+Inf\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("fishtts_synthesis_rtf_count 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("fishtts_synthesis_rtf_bucket{le=\"4\"} "), std::string::npos) << t;
  EXPECT_NE(t.find("fishtts_prefix_cache_hits_total 0\n"), std::string::npos) << t;  // no stored voice used
}

}  // namespace
