#include "ort/custom_ops.h"

#include "ort/conv1d_bf16_op.h"
#include "ort/snake_op.h"

namespace fishtts::ort {

void add_custom_ops(Ort::SessionOptions& options) {
  // Created once and never freed: ORT keeps pointers to the domain and its ops in every session made with it,
  // and sessions may outlive any static destructor order we could pick.
  static OrtCustomOpDomain* domain = [] {
    Ort::CustomOpDomain d(kCustomDomain);
    d.Add(snake_custom_op());
    d.Add(conv1d_bf16_custom_op());
    return d.release();
  }();
  options.Add(domain);
}

int64_t int_attribute_or(const OrtKernelInfo* info, const char* name, int64_t fallback) {
  int64_t value = fallback;
  if (OrtStatus* status = Ort::GetApi().KernelInfoGetAttribute_int64(info, name, &value)) {
    Ort::GetApi().ReleaseStatus(status);
    return fallback;
  }
  return value;
}

}  // namespace fishtts::ort
