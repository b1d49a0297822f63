/* The C API exercised from C11: engine on the tiny fixture, streamed and whole synthesis, cancel, metrics, the codec
 * stages, and the error paths (NULL arguments, bad values, a missing model). Exit code 0 = every check passed. */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fishtts/fishtts.h"

static int failures = 0;

#define CHECK(cond)                                                    \
  do {                                                                 \
    if (!(cond)) {                                                     \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                      \
    }                                                                  \
  } while (0)

/* A call that must fail with `expected` and leave a message containing `needle`. */
#define CHECK_FAILS(call, expected, needle)                                                        \
  do {                                                                                             \
    fishtts_status st_ = (call);                                                                   \
    if (st_ != (expected) || strstr(fishtts_last_error(), (needle)) == NULL) {                    \
      fprintf(stderr, "%s:%d: %s gave %s (\"%s\"), expected %s with \"%s\"\n", __FILE__, __LINE__, \
              #call, fishtts_status_name(st_), fishtts_last_error(), fishtts_status_name(expected), \
              (needle));                                                                           \
      ++failures;                                                                                  \
    }                                                                                              \
  } while (0)

enum { kFrameLength = 2048 }; /* samples per codec frame of S1 (and the tiny fixture) */

typedef struct {
  float* samples;
  size_t count;
  int chunks;
  int last_flags; /* how many chunks came with is_last */
  fishtts_metrics metrics;
} collected;

static fishtts_synthesis_params short_greedy_request(void) {
  fishtts_synthesis_params p = fishtts_synthesis_default_params();
  p.text = "Hello world, this is a test.";
  p.greedy = 1;
  p.max_new_tokens = 20;
  return p;
}

/* Pulls every chunk of a request; returns the status of the first failing call. */
static fishtts_status collect(fishtts_engine* engine, const fishtts_synthesis_params* params, collected* out) {
  memset(out, 0, sizeof *out);
  fishtts_synthesis* synth = NULL;
  fishtts_status st = fishtts_synthesis_start(engine, params, &synth);
  if (st != FISHTTS_OK) return st;
  int is_last = 0;
  while (!is_last) {
    const float* samples = NULL;
    size_t count = 0;
    st = fishtts_synthesis_next(synth, &samples, &count, &is_last);
    if (st != FISHTTS_OK) break;
    float* grown = realloc(out->samples, (out->count + count + 1) * sizeof(float));
    if (grown == NULL) abort();
    out->samples = grown;
    if (count > 0) memcpy(out->samples + out->count, samples, count * sizeof(float));
    out->count += count;
    out->chunks += 1;
    out->last_flags += is_last;
  }
  if (st == FISHTTS_OK) {
    /* The end is reported, not repeated: one more pull is out of range. */
    const float* samples = NULL;
    size_t count = 1;
    CHECK_FAILS(fishtts_synthesis_next(synth, &samples, &count, &is_last), FISHTTS_OUT_OF_RANGE, "ended");
    CHECK(count == 0 && samples == NULL && is_last == 0);
    CHECK(fishtts_synthesis_metrics(synth, &out->metrics) == FISHTTS_OK);
  }
  fishtts_synthesis_free(synth);
  return st;
}

static void test_null_arguments(void) {
  fishtts_engine_params ep = fishtts_engine_default_params();
  fishtts_synthesis_params sp = short_greedy_request();
  fishtts_engine* engine = (fishtts_engine*)1; /* must be reset to NULL on failure */
  CHECK_FAILS(fishtts_engine_create(NULL, &engine), FISHTTS_INVALID_ARGUMENT, "params is NULL");
  CHECK(engine == NULL);
  CHECK_FAILS(fishtts_engine_create(&ep, NULL), FISHTTS_INVALID_ARGUMENT, "out is NULL");
  fishtts_synthesis* synth = NULL;
  CHECK_FAILS(fishtts_synthesis_start(NULL, &sp, &synth), FISHTTS_INVALID_ARGUMENT, "engine is NULL");
  CHECK(synth == NULL);
  const float* samples = NULL;
  size_t count = 0;
  int is_last = 0;
  CHECK_FAILS(fishtts_synthesis_next(NULL, &samples, &count, &is_last), FISHTTS_INVALID_ARGUMENT, "synth is NULL");
  CHECK_FAILS(fishtts_synthesis_cancel(NULL), FISHTTS_INVALID_ARGUMENT, "synth is NULL");
  fishtts_metrics m;
  CHECK_FAILS(fishtts_synthesis_metrics(NULL, &m), FISHTTS_INVALID_ARGUMENT, "synth is NULL");
  fishtts_engine_info info;
  CHECK_FAILS(fishtts_engine_get_info(NULL, &info), FISHTTS_INVALID_ARGUMENT, "engine is NULL");
  CHECK(fishtts_engine_sample_rate(NULL) == 0);
  fishtts_engine_free(NULL);
  fishtts_synthesis_free(NULL);
}

static void test_bad_engine_params(const char* cache_dir) {
  fishtts_engine_params ep = fishtts_engine_default_params();
  ep.cache_dir = cache_dir;
  ep.model_path = "/nonexistent/fishtts-c-api-model";
  fishtts_engine* engine = NULL;
  CHECK_FAILS(fishtts_engine_create(&ep, &engine), FISHTTS_NOT_FOUND, "/nonexistent/fishtts-c-api-model");
  CHECK(engine == NULL);

  ep = fishtts_engine_default_params();
  ep.precision = (fishtts_precision)42;
  CHECK_FAILS(fishtts_engine_create(&ep, &engine), FISHTTS_INVALID_ARGUMENT, "precision is 42");
  ep = fishtts_engine_default_params();
  ep.codec_precision = (fishtts_codec_precision)9;
  CHECK_FAILS(fishtts_engine_create(&ep, &engine), FISHTTS_INVALID_ARGUMENT, "codec_precision is 9");
  ep = fishtts_engine_default_params();
  ep.block_size = 7;
  CHECK_FAILS(fishtts_engine_create(&ep, &engine), FISHTTS_INVALID_ARGUMENT, "block_size is 7");
  ep = fishtts_engine_default_params();
  ep.threads = -3;
  CHECK_FAILS(fishtts_engine_create(&ep, &engine), FISHTTS_INVALID_ARGUMENT, "threads is -3");
}

static void test_bad_synthesis_params(fishtts_engine* engine) {
  fishtts_synthesis* synth = NULL;
  fishtts_synthesis_params sp = short_greedy_request();
  sp.text = NULL;
  CHECK_FAILS(fishtts_synthesis_start(engine, &sp, &synth), FISHTTS_INVALID_ARGUMENT, "text is NULL");
  sp = short_greedy_request();
  sp.temperature = 5.0f;
  CHECK_FAILS(fishtts_synthesis_start(engine, &sp, &synth), FISHTTS_INVALID_ARGUMENT, "temperature");
  sp = short_greedy_request();
  sp.chunk_frames = 0;
  CHECK_FAILS(fishtts_synthesis_start(engine, &sp, &synth), FISHTTS_INVALID_ARGUMENT, "chunk_frames");
  sp = short_greedy_request();
  sp.num_references = 1;
  CHECK_FAILS(fishtts_synthesis_start(engine, &sp, &synth), FISHTTS_INVALID_ARGUMENT, "references is NULL");
  fishtts_reference empty_ref;
  memset(&empty_ref, 0, sizeof empty_ref);
  empty_ref.text = "nothing";
  sp.references = &empty_ref;
  CHECK_FAILS(fishtts_synthesis_start(engine, &sp, &synth), FISHTTS_INVALID_ARGUMENT,
              "references[0] has neither codes nor audio");
  CHECK(synth == NULL);

  /* Codes with the wrong number of codebooks pass start (shapes are the model's business) and fail the first
   * pull; the failure then sticks. */
  int32_t codes[3 * 4] = {0};
  fishtts_reference bad_codes = {"three books", NULL, 0, 0, codes, 3, 4};
  sp.references = &bad_codes;
  CHECK(fishtts_synthesis_start(engine, &sp, &synth) == FISHTTS_OK);
  const float* samples = NULL;
  size_t count = 0;
  int is_last = 0;
  CHECK_FAILS(fishtts_synthesis_next(synth, &samples, &count, &is_last), FISHTTS_INVALID_ARGUMENT, "");
  char first_message[512];
  snprintf(first_message, sizeof first_message, "%s", fishtts_last_error());
  CHECK(strlen(first_message) > 0);
  CHECK_FAILS(fishtts_synthesis_next(synth, &samples, &count, &is_last), FISHTTS_INVALID_ARGUMENT, first_message);
  fishtts_synthesis_free(synth);
}

static void test_streamed_equals_whole(fishtts_engine* engine) {
  fishtts_synthesis_params streamed = short_greedy_request();
  streamed.first_chunk_frames = 1;
  streamed.chunk_frames = 3;
  collected a;
  CHECK(collect(engine, &streamed, &a) == FISHTTS_OK);
  CHECK(a.last_flags == 1);
  CHECK(a.metrics.frames > 0);
  CHECK(a.count == (size_t)a.metrics.frames * kFrameLength);
  CHECK(a.chunks >= 1 + (a.metrics.frames - 1) / 3);
  CHECK(a.metrics.total_ms > 0 && a.metrics.generation_ms > 0 && a.metrics.prompt_positions > 0);
  CHECK(fabs(a.metrics.audio_seconds - (double)a.count / fishtts_engine_sample_rate(engine)) < 1e-9);

  fishtts_synthesis_params whole = short_greedy_request();
  whole.first_chunk_frames = 1000;
  whole.chunk_frames = 1000;
  collected b;
  CHECK(collect(engine, &whole, &b) == FISHTTS_OK);
  CHECK(b.chunks == 1 && b.last_flags == 1);
  CHECK(b.count == a.count);
  CHECK(b.count > 0 && memcmp(a.samples, b.samples, b.count * sizeof(float)) == 0);
  printf("streamed %d chunks, whole 1 chunk: %zu samples each, %d frames, %.1f ms/frame\n", a.chunks, a.count,
         a.metrics.frames, a.metrics.ms_per_frame);
  free(a.samples);
  free(b.samples);
}

static void test_cancel(fishtts_engine* engine) {
  fishtts_synthesis_params sp = short_greedy_request();
  sp.first_chunk_frames = 1;
  sp.chunk_frames = 1;
  fishtts_synthesis* synth = NULL;
  CHECK(fishtts_synthesis_start(engine, &sp, &synth) == FISHTTS_OK);
  const float* samples = NULL;
  size_t count = 0;
  int is_last = 0;
  CHECK(fishtts_synthesis_next(synth, &samples, &count, &is_last) == FISHTTS_OK);
  CHECK(is_last == 0 && count == kFrameLength);
  CHECK(fishtts_synthesis_cancel(synth) == FISHTTS_OK);
  CHECK_FAILS(fishtts_synthesis_next(synth, &samples, &count, &is_last), FISHTTS_CANCELLED, "cancel");
  CHECK(count == 0 && samples == NULL);
  CHECK_FAILS(fishtts_synthesis_next(synth, &samples, &count, &is_last), FISHTTS_CANCELLED, "cancel");
  fishtts_metrics m;
  CHECK(fishtts_synthesis_metrics(synth, &m) == FISHTTS_OK && m.frames == 1);
  fishtts_synthesis_free(synth);

  /* Cancelled before the first pull: no work at all. */
  CHECK(fishtts_synthesis_start(engine, &sp, &synth) == FISHTTS_OK);
  CHECK(fishtts_synthesis_cancel(synth) == FISHTTS_OK);
  CHECK_FAILS(fishtts_synthesis_next(synth, &samples, &count, &is_last), FISHTTS_CANCELLED, "cancel");
  fishtts_synthesis_free(synth);
}

static void test_reference_audio(fishtts_engine* engine) {
  /* One second of a 220 Hz tone at 22.05 kHz: resampled to the engine's rate, then encoded by the codec. */
  enum { kRate = 22050 };
  float* tone = malloc(kRate * sizeof(float));
  if (tone == NULL) abort();
  for (int i = 0; i < kRate; ++i) tone[i] = 0.3f * (float)sin(2.0 * 3.14159265358979 * 220.0 * i / kRate);
  fishtts_reference ref = {"A steady tone.", tone, kRate, kRate, NULL, 0, 0};
  fishtts_synthesis_params sp = short_greedy_request();
  sp.max_new_tokens = 4;
  collected plain;
  CHECK(collect(engine, &sp, &plain) == FISHTTS_OK);
  sp.references = &ref;
  sp.num_references = 1;
  collected with_ref;
  CHECK(collect(engine, &sp, &with_ref) == FISHTTS_OK);
  free(tone); /* the synthesis copied it */
  CHECK(with_ref.last_flags == 1);
  CHECK(with_ref.metrics.reference_encode_ms > 0);
  CHECK(with_ref.metrics.prompt_positions > plain.metrics.prompt_positions);
  free(plain.samples);
  free(with_ref.samples);
}

static void test_codec_stages(fishtts_engine* engine) {
  /* Half a second at 16 kHz: resampled to the engine's rate, encoded, and decoded back to whole frames. */
  enum { kRate = 16000, kCount = kRate / 2 };
  static float tone[kCount];
  for (int i = 0; i < kCount; ++i) tone[i] = 0.3f * (float)sin(2.0 * 3.14159265358979 * 330.0 * i / kRate);
  int32_t* codes = NULL;
  size_t rows = 0, frames = 0;
  CHECK(fishtts_codec_encode(engine, tone, kCount, kRate, &codes, &rows, &frames) == FISHTTS_OK);
  const size_t engine_samples = (size_t)kCount * (size_t)fishtts_engine_sample_rate(engine) / kRate;
  CHECK(codes != NULL && rows > 1);
  CHECK(frames == (engine_samples + kFrameLength - 1) / kFrameLength);
  float* audio = NULL;
  size_t count = 0;
  CHECK(fishtts_codec_decode(engine, codes, rows, frames, &audio, &count) == FISHTTS_OK);
  CHECK(audio != NULL && count == frames * kFrameLength);
  fishtts_free(audio);

  CHECK_FAILS(fishtts_codec_decode(engine, codes, rows + 1, frames, &audio, &count), FISHTTS_INVALID_ARGUMENT,
              "num_codebooks");
  CHECK(audio == NULL);
  codes[rows * frames - 1] = -3;
  CHECK_FAILS(fishtts_codec_decode(engine, codes, rows, frames, &audio, &count), FISHTTS_INVALID_ARGUMENT,
              "negative code");
  CHECK_FAILS(fishtts_codec_decode(engine, codes, rows, 0, &audio, &count), FISHTTS_INVALID_ARGUMENT, "no frames");
  fishtts_free(codes);
  fishtts_free(NULL);
  CHECK_FAILS(fishtts_codec_encode(engine, tone, 0, kRate, &codes, &rows, &frames), FISHTTS_INVALID_ARGUMENT,
              "no samples");
  CHECK(codes == NULL);
  CHECK_FAILS(fishtts_codec_encode(engine, tone, kCount, 0, &codes, &rows, &frames), FISHTTS_INVALID_ARGUMENT,
              "sample_rate");
  CHECK_FAILS(fishtts_codec_encode(NULL, tone, kCount, kRate, &codes, &rows, &frames), FISHTTS_INVALID_ARGUMENT,
              "engine");
}

static void test_demo_model(const char* cache_dir) {
  /* model_path NULL: the built-in random-weight model, made on first use and cached like a checkpoint. */
  fishtts_engine_params ep = fishtts_engine_default_params();
  ep.cache_dir = cache_dir;
  ep.threads = 2;
  for (int run = 0; run < 2; ++run) {
    fishtts_engine* engine = NULL;
    fishtts_status st = fishtts_engine_create(&ep, &engine);
    CHECK(st == FISHTTS_OK);
    if (st != FISHTTS_OK) {
      fprintf(stderr, "demo engine: %s\n", fishtts_last_error());
      return;
    }
    fishtts_engine_info info;
    CHECK(fishtts_engine_get_info(engine, &info) == FISHTTS_OK);
    CHECK(info.demo_model == 1);
    CHECK(info.converted == (run == 0)); /* the second engine reuses the cached bundle */
    fishtts_synthesis_params sp = short_greedy_request();
    sp.max_new_tokens = 3;
    collected c;
    CHECK(collect(engine, &sp, &c) == FISHTTS_OK);
    CHECK(c.last_flags == 1 && c.count == (size_t)c.metrics.frames * kFrameLength);
    free(c.samples);
    fishtts_engine_free(engine);
  }
}

static int remove_entry(const char* path, const struct stat* st, int flag, struct FTW* ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

int main(void) {
  CHECK(strlen(fishtts_version()) > 0);
  CHECK(strcmp(fishtts_status_name(FISHTTS_OK), "ok") == 0);
  CHECK(strcmp(fishtts_status_name(FISHTTS_CANCELLED), "cancelled") == 0);
  CHECK(strcmp(fishtts_status_name((fishtts_status)99), "unknown status") == 0);

  char cache_dir[] = "/tmp/fishtts-c-api-XXXXXX";
  if (mkdtemp(cache_dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  test_null_arguments();
  test_bad_engine_params(cache_dir);

  fishtts_engine_params ep = fishtts_engine_default_params();
  ep.model_path = FISHTTS_FIXTURE_DIR;
  ep.cache_dir = cache_dir;
  ep.precision = FISHTTS_PRECISION_FP32;
  ep.codec_precision = FISHTTS_CODEC_PRECISION_FP32;
  ep.threads = 2;
  fishtts_engine* engine = NULL;
  fishtts_status st = fishtts_engine_create(&ep, &engine);
  if (st != FISHTTS_OK) {
    fprintf(stderr, "engine on %s: %s: %s\n", FISHTTS_FIXTURE_DIR, fishtts_status_name(st), fishtts_last_error());
    return 1;
  }
  fishtts_engine_info info;
  CHECK(fishtts_engine_get_info(engine, &info) == FISHTTS_OK);
  CHECK(info.demo_model == 0 && info.converted == 1 && strcmp(info.precision, "fp32") == 0);
  CHECK(strcmp(info.codec_precision, "fp32") == 0);
  CHECK(strncmp(info.bundle_dir, cache_dir, strlen(cache_dir)) == 0);
  CHECK(info.sample_rate == fishtts_engine_sample_rate(engine) && info.sample_rate > 0);

  test_bad_synthesis_params(engine);
  test_streamed_equals_whole(engine);
  test_cancel(engine);
  test_reference_audio(engine);
  test_codec_stages(engine);
  fishtts_engine_free(engine);
  test_demo_model(cache_dir);

  nftw(cache_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  if (failures > 0) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures == 0 ? 0 : 1;
}
