// libsndfile writing to a stream (its virtual I/O interface): bytes past the last hand-out are held until taken,
// and libsndfile's seeks back to fix a header become LateWrites, so memory stays bounded by one chunk's output
// however long the audio. Internal to src/audio.
#pragma once

#include <sndfile.h>

#include <cstdint>
#include <vector>

#include "audio/stream_encoder.h"

namespace fishtts::audio::detail {

struct StreamFile {
  std::vector<std::uint8_t> pending;  // bytes [taken, taken + pending.size()) of the file
  sf_count_t taken = 0;               // bytes already handed out
  sf_count_t position = 0;
  std::vector<LateWrite> late;        // writes that landed before `taken`

  std::vector<std::uint8_t> take();   // the pending bytes, now handed out
};

SF_VIRTUAL_IO* stream_io();

}  // namespace fishtts::audio::detail
