/*
 * fishtts C API: text to speech with Fish Speech / OpenAudio S1-mini on the CPU.
 *
 * Usage (error handling shortened; every function returns a fishtts_status):
 *
 *   fishtts_engine_params ep = fishtts_engine_default_params();
 *   ep.model_path = "checkpoints/openaudio-s1-mini";   // NULL: the built-in demo model (random weights: noise)
 *   fishtts_engine* engine = NULL;
 *   if (fishtts_engine_create(&ep, &engine) != FISHTTS_OK) {
 *     fprintf(stderr, "fishtts: %s\n", fishtts_last_error());
 *     return 1;
 *   }
 *
 *   fishtts_synthesis_params sp = fishtts_synthesis_default_params();
 *   sp.text = "Hello from fishtts.";
 *   fishtts_synthesis* synth = NULL;
 *   fishtts_status st = fishtts_synthesis_start(engine, &sp, &synth);
 *   const float* samples;
 *   size_t count;
 *   int is_last = 0;
 *   while (st == FISHTTS_OK && !is_last) {
 *     st = fishtts_synthesis_next(synth, &samples, &count, &is_last);
 *     if (st == FISHTTS_OK) play(samples, count, fishtts_engine_sample_rate(engine));  // mono float
 *   }
 *   if (st != FISHTTS_OK) fprintf(stderr, "fishtts: %s\n", fishtts_last_error());
 *   fishtts_synthesis_free(synth);
 *   fishtts_engine_free(engine);
 *
 * Errors: every function returns FISHTTS_OK or one error status; fishtts_last_error() gives the message of the
 * calling thread's most recent failed call. Nothing in this API prints, exits, aborts, or lets a C++ exception
 * out; a NULL handle, params or output pointer is FISHTTS_INVALID_ARGUMENT.
 *
 * Thread safety:
 *   - An engine is immutable once created: any number of threads may start and run syntheses on one engine at the
 *     same time.
 *   - A synthesis belongs to one thread at a time: calls on one synthesis (next, metrics, free) must not overlap,
 *     except fishtts_synthesis_cancel, which any thread may call at any time before fishtts_synthesis_free.
 *   - A synthesis keeps its engine alive: fishtts_engine_free may come before the syntheses are freed.
 *   - fishtts_last_error() is per thread.
 *
 * Strings are UTF-8. Audio is mono float in [-1, 1] at fishtts_engine_sample_rate() (44100 Hz for S1).
 */
#ifndef FISHTTS_FISHTTS_H
#define FISHTTS_FISHTTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FISHTTS_API __attribute__((visibility("default")))
#else
#define FISHTTS_API
#endif

/* One status per error kind of the library. */
typedef enum fishtts_status {
  FISHTTS_OK = 0,
  FISHTTS_INVALID_ARGUMENT = 1, /* a caller-supplied value is wrong (NULL pointer, out-of-range setting) */
  FISHTTS_NOT_FOUND = 2,        /* a file or model that should exist does not */
  FISHTTS_BAD_FORMAT = 3,       /* a file exists but its content is malformed */
  FISHTTS_UNSUPPORTED = 4,      /* well-formed but outside what the engine handles */
  FISHTTS_IO = 5,               /* the OS refused a read or write */
  FISHTTS_OUT_OF_RANGE = 6,     /* a size above a limit (text too long), or next() after the last chunk */
  FISHTTS_CANCELLED = 7,        /* fishtts_synthesis_cancel was called */
  FISHTTS_INTERNAL = 8,         /* a bug in fishtts (or out of memory) */
  FISHTTS_ALREADY_EXISTS = 9    /* something to be created exists already */
} fishtts_status;

/* Short lowercase name of a status ("ok", "not found", ...); never NULL. */
FISHTTS_API const char* fishtts_status_name(fishtts_status status);

/* The message of this thread's most recent failed call ("" if none); valid until this thread's next failed call.
 * Successful calls leave it unchanged. */
FISHTTS_API const char* fishtts_last_error(void);

/* The library version, e.g. "0.1.0". */
FISHTTS_API const char* fishtts_version(void);

/* ---- Engine: the loaded model, shared by every synthesis ---------------------------------------------------- */

typedef struct fishtts_engine fishtts_engine;

typedef enum fishtts_precision {
  FISHTTS_PRECISION_AUTO = 0, /* chosen from the CPU */
  FISHTTS_PRECISION_FP32 = 1,
  FISHTTS_PRECISION_INT8 = 2, /* weight-only quantization of the transformer */
  FISHTTS_PRECISION_INT4 = 3
} fishtts_precision;

typedef enum fishtts_codec_precision {
  FISHTTS_CODEC_PRECISION_AUTO = 0,   /* chosen from the CPU: bf16 with AMX or AVX512-BF16, else fp32 */
  FISHTTS_CODEC_PRECISION_FP32 = 1,   /* the reference */
  FISHTTS_CODEC_PRECISION_BF16X3 = 2, /* decoder convs in split bf16 (~16-bit accurate; oneDNN, needs AVX-512) */
  FISHTTS_CODEC_PRECISION_BF16 = 3,   /* decoder convs in plain bf16, as upstream's bf16 autocast */
  FISHTTS_CODEC_PRECISION_INT8 = 4    /* decoder convs in static int8 */
} fishtts_codec_precision;

typedef enum fishtts_sample_space {
  FISHTTS_SAMPLE_SPACE_SEMANTIC = 0, /* heads limited to what sampling can pick (faster, same results) */
  FISHTTS_SAMPLE_SPACE_FULL = 1      /* exactly S1's heads */
} fishtts_sample_space;

/* Progress and warning lines while the engine is created (conversion, precision fallback). */
typedef void (*fishtts_log_callback)(const char* line, void* user_data);

typedef struct fishtts_engine_params {
  const char* model_path;           /* checkpoint folder or converted bundle; NULL or "" = built-in demo model */
  const char* cache_dir;            /* converted bundles; NULL = $FISHTTS_CACHE_DIR, $XDG_CACHE_HOME/fishtts, ~/.cache */
  int threads;                      /* intra-op threads; 0 = one per physical core. ONNX Runtime's thread pool is
                                       one per process and lives as long as it: the first engine sizes it; a later
                                       engine asking for other threads shares it (a warning says so, and
                                       fishtts_engine_info.threads the pool's real size) rather than failing,
                                       since nothing short of a new process could give it its own */
  fishtts_precision precision;      /* default AUTO; falls back to fp32 (with a warning) where it cannot run */
  fishtts_sample_space sample_space; /* default SEMANTIC */
  int block_size;                   /* int8/int4 quantization block along K: 16, 32, 64, 128 (default), 256 */
  fishtts_log_callback log_callback; /* NULL = silent; called on the creating thread, during create only */
  void* log_user_data;
  const char* references_dir;       /* reference-voice store of reference_id (the folder `fishtts references`
                                       manages); NULL = $FISHTTS_REFERENCES_DIR, else <cache>/references */
  fishtts_codec_precision codec_precision; /* of the codec's decode; default AUTO */
} fishtts_engine_params;

FISHTTS_API fishtts_engine_params fishtts_engine_default_params(void);

/* Resolves the model (converting a checkpoint into the cache on first use: minutes for S1-mini; later runs load
 * the cached bundle in seconds) and loads it. On failure *out is NULL. */
FISHTTS_API fishtts_status fishtts_engine_create(const fishtts_engine_params* params, fishtts_engine** out);
/* NULL is a no-op. */
FISHTTS_API void fishtts_engine_free(fishtts_engine* engine);

/* Output sample rate in Hz, or 0 for a NULL engine. */
FISHTTS_API int fishtts_engine_sample_rate(const fishtts_engine* engine);

/* What was loaded. Strings belong to the engine and live as long as it. */
typedef struct fishtts_engine_info {
  const char* bundle_dir;   /* the converted bundle in use */
  const char* precision;    /* of the loaded transformer weights: "fp32", "int8", "int4" or "int4-mixed" (after any
                               fallback; a ready bundle folder keeps the precision it was converted with) */
  const char* warnings;     /* newline-separated, "" if none */
  int demo_model;           /* 1: random weights, the audio is noise */
  int converted;            /* 1: this create converted the checkpoint */
  double convert_seconds;
  double load_seconds;
  int threads;              /* of the process's thread pool this engine runs on (see fishtts_engine_params) */
  int sample_rate;
  const char* codec_precision; /* of the loaded codec decode (codec.json): its
                                  FISHTTS_CODEC_PRECISION_* name in lowercase, e.g. "fp32" */
} fishtts_engine_info;

FISHTTS_API fishtts_status fishtts_engine_get_info(const fishtts_engine* engine, fishtts_engine_info* info);

/* ---- Codec stages: upstream's encode (audio -> codes) and decode (codes -> audio), as `fishtts encode/decode` -- */

/* Mono audio at sample_rate Hz (resampled to the engine's) to codec codes. On FISHTTS_OK *codes is a new row-major
 * [*num_codebooks][*num_frames] array (row 0 semantic) to release with fishtts_free; on failure it is NULL. Any
 * thread, concurrently with syntheses. */
FISHTTS_API fishtts_status fishtts_codec_encode(const fishtts_engine* engine, const float* samples, size_t num_samples,
                                                int sample_rate, int32_t** codes, size_t* num_codebooks,
                                                size_t* num_frames);

/* Row-major [num_codebooks][num_frames] codes to mono audio at the engine's rate (codes above a codebook's range
 * are clamped as upstream does; a negative code is FISHTTS_INVALID_ARGUMENT). On FISHTTS_OK *samples is a new array
 * of *num_samples floats to release with fishtts_free; on failure it is NULL. */
FISHTTS_API fishtts_status fishtts_codec_decode(const fishtts_engine* engine, const int32_t* codes, size_t num_codebooks,
                                                size_t num_frames, float** samples, size_t* num_samples);

/* Releases an array returned by fishtts_codec_encode / fishtts_codec_decode; NULL is a no-op. */
FISHTTS_API void fishtts_free(void* array);

/* ---- Synthesis: one request, pulled chunk by chunk ----------------------------------------------------------- */

typedef struct fishtts_synthesis fishtts_synthesis;

/* A reference voice: its transcript plus either its audio or its codec codes (codes win when both are given). */
typedef struct fishtts_reference {
  const char* text;         /* transcript of the audio */
  const float* samples;     /* mono audio, any rate (resampled to the engine's); NULL when giving codes */
  size_t num_samples;
  int sample_rate;          /* Hz of samples */
  const int32_t* codes;     /* row-major [num_codebooks][num_frames] (row 0 semantic); NULL when giving audio */
  size_t num_codebooks;     /* 10 for S1 */
  size_t num_frames;
} fishtts_reference;

typedef enum fishtts_penalty_history {
  FISHTTS_PENALTY_HISTORY_CORRECTED = 0, /* the slow token's penalty uses the recent tokens (default) */
  FISHTTS_PENALTY_HISTORY_UPSTREAM = 1   /* S1's column bug, for bit-parity with upstream */
} fishtts_penalty_history;

typedef struct fishtts_synthesis_params {
  const char* text;                     /* required */
  const fishtts_reference* references;  /* num_references entries, copied by fishtts_synthesis_start */
  size_t num_references;
  const char* reference_id;             /* a voice of the engine's reference store (NULL or "" = none): its clips
                                           come first, before `references`; their codes are encoded on first use
                                           and cached in the store */
  float temperature;                    /* (0, 2]; default 0.8 */
  float top_p;                          /* (0, 1]; default 0.8 */
  float repetition_penalty;             /* (0, 2]; default 1.1; 1 = off */
  int greedy;                           /* 1: argmax after the repetition penalty (temperature, top_p, seed unused) */
  int max_new_tokens;                   /* frames to generate, the dropped final one included; 0 = to the context end */
  uint64_t seed;                        /* default 42 */
  fishtts_penalty_history penalty_history;
  int chunk_frames;                     /* frames per chunk after the first; default 16 (0.74 s) */
  int first_chunk_frames;               /* frames in the first chunk, smaller so audio starts early; default 4 */
  int chunk_length;                     /* long text: generated in chunks of at most this many characters, 100..300
                                           (default 200), each with the previous chunk as context; max_new_tokens and
                                           seed apply per chunk (chunk i uses seed + i). 0 = one pass, as S1 */
} fishtts_synthesis_params;

FISHTTS_API fishtts_synthesis_params fishtts_synthesis_default_params(void);

/* Validates the params and copies them (the caller's text, references and arrays may be freed on return). The
 * work (reference encoding, prefill, generation) happens in fishtts_synthesis_next, except for reference_id, whose
 * clips are read here (and encoded, the first time that voice is used with this codec). Unknown reference_id:
 * FISHTTS_NOT_FOUND; malformed: FISHTTS_INVALID_ARGUMENT. On failure *out is NULL. */
FISHTTS_API fishtts_status fishtts_synthesis_start(fishtts_engine* engine, const fishtts_synthesis_params* params,
                                                   fishtts_synthesis** out);

/* Generates and decodes the next chunk. On FISHTTS_OK, *samples / *count are the chunk (mono float at the engine's
 * rate; *samples may be NULL when *count is 0), valid until the next call on this synthesis or its free, and
 * *is_last is 1 on the final chunk (exactly once) and 0 before it. The chunks concatenated equal the whole
 * utterance whatever the chunk sizes. After the final chunk: FISHTTS_OUT_OF_RANGE. After cancel:
 * FISHTTS_CANCELLED. After any error, later calls return that error again. */
FISHTTS_API fishtts_status fishtts_synthesis_next(fishtts_synthesis* synth, const float** samples, size_t* count,
                                                  int* is_last);

/* Asks the synthesis to stop before its next model call: a fishtts_synthesis_next running on another thread
 * returns FISHTTS_CANCELLED within one frame's time (unless it was already finishing its chunk), and every later
 * one does. Any thread, any time before free. */
FISHTTS_API fishtts_status fishtts_synthesis_cancel(fishtts_synthesis* synth);

/* Cost of the synthesis so far (complete after the last chunk). Times in milliseconds. */
typedef struct fishtts_metrics {
  double tokenize_ms;
  double reference_encode_ms;    /* references' audio -> codes, reference_id's clips read at start included */
  double first_frame_ms;         /* prefill + first frame */
  double generation_ms;          /* all frames, the first included */
  double decode_ms;              /* codec */
  double total_ms;               /* start to last sample */
  double time_to_first_audio_ms;
  double ms_per_frame;
  double rtf;                    /* processing seconds per audio second (< 1: faster than real time) */
  double audio_seconds;
  int prompt_positions;
  int frames;                    /* audio frames generated; samples = frames * frame length (2048 for S1) */
  int stopped_on_im_end;         /* 1: the model ended the utterance; 0: max_new_tokens was reached */
  int64_t peak_rss_bytes;        /* of the whole process */
  int text_chunks;               /* chunks the text was split into (1 without chunking) */
} fishtts_metrics;

FISHTTS_API fishtts_status fishtts_synthesis_metrics(const fishtts_synthesis* synth, fishtts_metrics* metrics);

/* NULL is a no-op. Must not overlap any other call on the same synthesis, cancel included. */
FISHTTS_API void fishtts_synthesis_free(fishtts_synthesis* synth);

#ifdef __cplusplus
}
#endif

#endif /* FISHTTS_FISHTTS_H */
