// Any byte string through the restricted unpickler: it must return or throw fishtts::Error, never crash,
// hang or allocate without bound.
#include <cstddef>
#include <cstdint>

#include "checkpoint/unpickler.h"
#include "common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fishtts::checkpoint::Unpickler unpickler;
  try {
    (void)unpickler.load({data, size}, "fuzz");
  } catch (const fishtts::Error&) {
  }
  return 0;
}
