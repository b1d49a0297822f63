/* A program written against an installed fishtts, as a user would: `speak VERSION CACHE_DIR` checks the library's
 * version and speaks one sentence with the built-in demo model, then reports the samples it got. */
#include <fishtts/fishtts.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: speak VERSION CACHE_DIR\n");
    return 2;
  }
  if (strcmp(fishtts_version(), argv[1]) != 0) {
    fprintf(stderr, "library version %s, expected %s\n", fishtts_version(), argv[1]);
    return 1;
  }
  fishtts_engine_params params = fishtts_engine_default_params();
  params.cache_dir = argv[2];
  params.precision = FISHTTS_PRECISION_FP32;
  params.threads = 1;
  fishtts_engine* engine = NULL;
  if (fishtts_engine_create(&params, &engine) != FISHTTS_OK) {
    fprintf(stderr, "engine: %s\n", fishtts_last_error());
    return 1;
  }
  fishtts_synthesis_params request = fishtts_synthesis_default_params();
  request.text = "Hello from an installed fishtts.";
  request.max_new_tokens = 8;
  fishtts_synthesis* synth = NULL;
  size_t total = 0;
  int is_last = 0;
  fishtts_status status = fishtts_synthesis_start(engine, &request, &synth);
  while (status == FISHTTS_OK && !is_last) {
    const float* samples = NULL;
    size_t count = 0;
    status = fishtts_synthesis_next(synth, &samples, &count, &is_last);
    total += count;
  }
  if (status != FISHTTS_OK) fprintf(stderr, "synthesis: %s\n", fishtts_last_error());
  fishtts_synthesis_free(synth);
  fishtts_engine_free(engine);
  if (status != FISHTTS_OK || total == 0) return 1;
  printf("%zu samples at %s\n", total, fishtts_version());
  return 0;
}
