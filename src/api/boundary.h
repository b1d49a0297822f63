// The C boundary's one rule (house habit 2): exceptions stop here and become a status plus a thread-local message.
// Every exported function runs its body through guard(); nothing else in src/api catches.
#pragma once

#include <string>

#include "fishtts/fishtts.h"

namespace fishtts::api {

// Records `message` as this thread's last error and returns `status`.
fishtts_status fail(fishtts_status status, std::string message);

// The status for whatever exception is in flight (call only inside a catch block); records its message.
fishtts_status status_from_current_exception();

// Runs body (returning void); FISHTTS_OK if it returns, the exception's status if it throws.
template <class Body>
fishtts_status guard(Body&& body) noexcept {
  try {
    body();
    return FISHTTS_OK;
  } catch (...) {
    return status_from_current_exception();
  }
}

// Throws fishtts::Error(kInvalidArgument) naming `what` when `pointer` is NULL.
void require(const void* pointer, const char* what);

}  // namespace fishtts::api
