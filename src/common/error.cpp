#include "common/error.h"

namespace fishtts {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kBadFormat: return "bad format";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kOutOfRange: return "out of range";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kInternal: return "internal error";
    case ErrorCode::kAlreadyExists: return "already exists";
  }
  return "unknown error";
}

}  // namespace fishtts
