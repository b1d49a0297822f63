#include "api/boundary.h"

#include <new>
#include <stdexcept>

#include "common/error.h"

namespace fishtts::api {
namespace {

thread_local std::string last_error;

// fishtts_status mirrors ErrorCode value for value, so new codes need only a new enumerator in the header.
static_assert(FISHTTS_INVALID_ARGUMENT == static_cast<int>(ErrorCode::kInvalidArgument));
static_assert(FISHTTS_NOT_FOUND == static_cast<int>(ErrorCode::kNotFound));
static_assert(FISHTTS_BAD_FORMAT == static_cast<int>(ErrorCode::kBadFormat));
static_assert(FISHTTS_UNSUPPORTED == static_cast<int>(ErrorCode::kUnsupported));
static_assert(FISHTTS_IO == static_cast<int>(ErrorCode::kIo));
static_assert(FISHTTS_OUT_OF_RANGE == static_cast<int>(ErrorCode::kOutOfRange));
static_assert(FISHTTS_CANCELLED == static_cast<int>(ErrorCode::kCancelled));
static_assert(FISHTTS_INTERNAL == static_cast<int>(ErrorCode::kInternal));

fishtts_status status_of(ErrorCode code) {
  const int value = static_cast<int>(code);
  if (value < FISHTTS_INVALID_ARGUMENT || value > FISHTTS_ALREADY_EXISTS) return FISHTTS_INTERNAL;
  return static_cast<fishtts_status>(value);
}

}  // namespace

fishtts_status fail(fishtts_status status, std::string message) {
  try {
    last_error = std::move(message);
  } catch (...) {
    // Out of memory while keeping the message: keep the status, say so in a string that needs no allocation.
    last_error.clear();
  }
  return status;
}

fishtts_status status_from_current_exception() {
  try {
    throw;
  } catch (const Error& e) {
    return fail(status_of(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return fail(FISHTTS_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    // Not a fishtts::Error (ONNX Runtime, the standard library): an invariant the engine should have checked.
    return fail(FISHTTS_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(FISHTTS_INTERNAL, "internal error: unknown exception");
  }
}

void require(const void* pointer, const char* what) {
  if (pointer == nullptr) throw Error(ErrorCode::kInvalidArgument, std::string(what) + " is NULL");
}

}  // namespace fishtts::api

extern "C" const char* fishtts_last_error(void) { return fishtts::api::last_error.c_str(); }
