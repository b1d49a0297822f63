// Telling the kernel that a range of memory will not be read again soon.
//
//   release_pages(weights, bytes);  // after making a packed copy of an initializer ONNX Runtime still maps
//
// ONNX Runtime maps a bundle's weights from its side files and keeps every initializer a custom op takes
// (their pages stay resident after the op's one read). MADV_PAGEOUT hands such pages back to the page cache:
// the contents never change (a later read faults them in again from the file; anonymous memory without swap
// stays as it is), so this is only a hint, safe on any memory. Only whole pages inside the range are touched.
#pragma once

#include <cstddef>

namespace fishtts {

void release_pages(const void* data, size_t bytes);

}  // namespace fishtts
