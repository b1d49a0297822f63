// A restricted unpickler for torch.save's data.pkl (pickle protocol 2). It understands exactly what a state
// dict needs: dicts/OrderedDict, tuples, lists, ints, strings, bools, None, the tensor and parameter rebuild
// functions and the storage types of persistent ids. Any other global or opcode is an error naming it; it
// never imports or calls anything. Sizes are bounded so hostile input cannot make it allocate much.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>

#include "checkpoint/pickle_value.h"

namespace fishtts::checkpoint {

struct UnpicklerLimits {
  size_t max_values = 1u << 20;        // objects created (256 bytes each: 256 MB at most; S1-mini needs ~10k)
  size_t max_string_bytes = 1u << 20;  // one string
  size_t max_stack = 1u << 20;         // stack + memo entries
  size_t max_mark_depth = 64;          // nested MARKs
  size_t max_container_items = 1u << 20;
  size_t max_tensor_dims = 16;
};

class Unpickler {
 public:
  explicit Unpickler(UnpicklerLimits limits = {}) : limits_(limits) {}
  // Runs the pickle and returns its result (owned by this Unpickler). `label` names the input in errors.
  // Throws Error(kBadFormat / kUnsupported / kOutOfRange) with the opcode, global or value at fault.
  const PickleValue& load(std::span<const uint8_t> pickle, const std::string& label);

 private:
  UnpicklerLimits limits_;
  std::deque<PickleValue> arena_;  // stable addresses; freed all at once (cycles cannot leak)
};

}  // namespace fishtts::checkpoint
