#include "pipeline/reference_id.h"

#include <cstdio>
#include <string>

#include "common/error.h"

namespace fishtts::pipeline {
namespace {

bool allowed_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == ' ';
}

// The id as a quoted string with control and non-ASCII bytes as \xNN, so a message never carries raw NULs or
// terminal escapes from a client; long ids are cut.
std::string printable(std::string_view id) {
  std::string out = "\"";
  for (std::size_t i = 0; i < id.size() && i < 64; ++i) {
    const unsigned char c = static_cast<unsigned char>(id[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (id.size() > 64) out += "...";
  return out + "\"";
}

}  // namespace

bool is_valid_reference_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxReferenceIdLength) return false;
  for (char c : id) {
    if (!allowed_char(c)) return false;
  }
  return true;
}

void validate_reference_id(std::string_view id) {
  const std::string rule = " (allowed: letters, digits, '-', '_' and ' ', 1 to 255 characters)";
  if (id.empty()) throw Error(ErrorCode::kInvalidArgument, "reference id is empty" + rule);
  if (id.size() > kMaxReferenceIdLength) {
    throw Error(ErrorCode::kInvalidArgument, "reference id " + printable(id) + " is " + std::to_string(id.size()) +
                                                 " characters long, the limit is " +
                                                 std::to_string(kMaxReferenceIdLength));
  }
  if (id == "." || id == "..") {
    throw Error(ErrorCode::kInvalidArgument, "reference id " + printable(id) + " is not a folder name" + rule);
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (!allowed_char(id[i])) {
      throw Error(ErrorCode::kInvalidArgument, "reference id " + printable(id) + " has a forbidden character at " +
                                                   "offset " + std::to_string(i) + rule);
    }
  }
}

}  // namespace fishtts::pipeline
