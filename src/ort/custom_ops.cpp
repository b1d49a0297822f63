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

}  // namespace fishtts::ort
