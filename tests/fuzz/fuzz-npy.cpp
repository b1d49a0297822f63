// Fuzzes the .npy parser: any bytes either parse or throw fishtts::Error, and what parses survives a
// serialize -> parse round trip unchanged.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "common/error.h"
#include "io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using fishtts::io::NpyArray;
  NpyArray array;
  try {
    array = fishtts::io::parse_npy(std::as_bytes(std::span(data, size)), "<fuzz>");
  } catch (const fishtts::Error&) {
    return 0;
  }
  NpyArray again = fishtts::io::parse_npy(fishtts::io::serialize_npy(array), "<round trip>");
  if (again.dtype != array.dtype || again.shape != array.shape || again.bytes != array.bytes) std::abort();
  return 0;
}
