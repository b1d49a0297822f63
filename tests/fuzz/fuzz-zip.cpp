// Any byte string as a torch.save zip archive: directory walk, local headers, data.pkl CRC, unpickling and
// tensor views, with CRC checks of tensor records on. Must return or throw fishtts::Error.
#include <cstddef>
#include <cstdint>

#include "checkpoint/torch_archive.h"
#include "common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fishtts::checkpoint::LoadOptions options;
  options.verify_crc = true;
  try {
    auto store = fishtts::checkpoint::load_torch_bytes({data, size}, nullptr, "fuzz", options);
    for (const auto* t : store.tensors()) (void)t->to_float();  // every view must be readable
  } catch (const fishtts::Error&) {
  }
  return 0;
}
