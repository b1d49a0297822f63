#pragma once

namespace fishtts::checkpoint {

struct LoadOptions {
  // Check the CRC-32 of every tensor record (one pass over all bytes; data.pkl is always checked).
  bool verify_crc = false;
};

}  // namespace fishtts::checkpoint
