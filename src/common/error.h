// The one exception type of the library. Code inside throws it; the C API (and the CLI's main) are the only
// places that turn it into a status code or a message.
#pragma once

#include <stdexcept>
#include <string>

namespace fishtts {

enum class ErrorCode {
  kInvalidArgument = 1,  // a caller-supplied value is wrong (bad flag, out-of-range setting)
  kNotFound,             // a file, tensor or reference that should exist does not
  kBadFormat,            // a file exists but its content is malformed (zip, pickle, json, npy, audio)
  kUnsupported,          // well-formed but outside what the engine handles (dtype, opcode, op)
  kIo,                   // the OS refused a read/write/map
  kOutOfRange,           // a size or count above a limit (prompt length, text length, tensor size)
  kCancelled,            // the caller cancelled the request
  kInternal,             // a bug: an invariant of the engine itself broke
  kAlreadyExists,        // the caller asked to create something (a reference id) that exists (HTTP 409)
};

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace fishtts
