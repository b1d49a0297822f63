#include "convert/weight_traffic.h"

#include <map>
#include <set>

#include "common/error.h"
#include "convert/model_file.h"

namespace fishtts::convert {
namespace {

uint64_t element_bytes(int32_t data_type) {
  using T = onnx::TensorProto;
  switch (data_type) {
    case T::FLOAT: case T::INT32: case T::UINT32: return 4;
    case T::DOUBLE: case T::INT64: case T::UINT64: return 8;
    case T::FLOAT16: case T::BFLOAT16: case T::INT16: case T::UINT16: return 2;
    case T::INT8: case T::UINT8: case T::BOOL: return 1;
    default: return 0;  // strings and exotic types: never weights here
  }
}

uint64_t tensor_bytes(const onnx::TensorProto& t) {
  uint64_t n = 1;
  for (int64_t d : t.dims()) n *= static_cast<uint64_t>(d);
  return n * element_bytes(t.data_type());
}

// Whether input `index` of `node` is a table the op reads by index (a few rows per call) rather than whole.
bool indexed_input(const onnx::NodeProto& node, int index) {
  if (node.op_type() == "Gather" || node.op_type() == "GatherElements" || node.op_type() == "GatherND") {
    return index == 0;
  }
  // com.microsoft.GroupQueryAttention inputs 7 and 8: the RoPE cos/sin caches, read at the current positions.
  if (node.op_type() == "GroupQueryAttention") return index == 7 || index == 8;
  return false;
}

}  // namespace

WeightTraffic graph_weight_traffic(const std::string& onnx_path) {
  const onnx::ModelProto model = load_model(onnx_path);
  const onnx::GraphProto& graph = model.graph();
  // An initializer is indexed only when every use of it is an indexed input.
  std::map<std::string, bool> only_indexed;
  for (const onnx::NodeProto& node : graph.node()) {
    for (int i = 0; i < node.input_size(); ++i) {
      auto [it, inserted] = only_indexed.try_emplace(node.input(i), true);
      it->second = it->second && indexed_input(node, i);
    }
  }
  WeightTraffic traffic;
  for (const onnx::TensorProto& t : graph.initializer()) {
    const auto use = only_indexed.find(t.name());
    if (use == only_indexed.end()) continue;  // unused
    (use->second ? traffic.indexed_bytes : traffic.streamed_bytes) += tensor_bytes(t);
  }
  return traffic;
}

}  // namespace fishtts::convert
