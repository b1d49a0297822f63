#include "convert/graph_builder.h"

#include <onnx/checker.h>

#include <bit>
#include <cctype>
#include <cstring>
#include <limits>

#include "common/error.h"

namespace fishtts::convert {

static_assert(std::endian::native == std::endian::little, "ONNX raw_data is little-endian; big-endian hosts unsupported");

namespace {

constexpr int64_t kOnnxOpset = 17;      // newest opset the Debian ONNX 1.12 checker knows; ORT 1.29 runs it
constexpr int64_t kCustomOpset = 1;  // every com.microsoft op we use is "since 1", and so is com.fishtts
constexpr int64_t kIrVersion = 8;       // the IR version of ONNX 1.12 / opset 17
constexpr char kMicrosoftDomain[] = "com.microsoft";

void set_attr(onnx::NodeProto& node, const Attr& attr) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(attr.name);
  std::visit(
      [a](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, int64_t>) {
          a->set_type(onnx::AttributeProto_AttributeType_INT);
          a->set_i(v);
        } else if constexpr (std::is_same_v<V, float>) {
          a->set_type(onnx::AttributeProto_AttributeType_FLOAT);
          a->set_f(v);
        } else if constexpr (std::is_same_v<V, std::string>) {
          a->set_type(onnx::AttributeProto_AttributeType_STRING);
          a->set_s(v);
        } else if constexpr (std::is_same_v<V, std::vector<int64_t>>) {
          a->set_type(onnx::AttributeProto_AttributeType_INTS);
          for (int64_t x : v) a->add_ints(x);
        } else {
          a->set_type(onnx::AttributeProto_AttributeType_FLOATS);
          for (float x : v) a->add_floats(x);
        }
      },
      attr.value);
}

void set_value_info(onnx::ValueInfoProto& info, const std::string& name, ElemType type, const Shape& shape) {
  info.set_name(name);
  onnx::TypeProto_Tensor* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(static_cast<int32_t>(type));
  onnx::TensorShapeProto* s = tensor->mutable_shape();
  for (const Dim& d : shape) {
    onnx::TensorShapeProto_Dimension* dim = s->add_dim();
    if (const int64_t* size = std::get_if<int64_t>(&d.value)) {
      dim->set_dim_value(*size);
    } else {
      dim->set_dim_param(std::get<std::string>(d.value));
    }
  }
}

int64_t element_count(const std::vector<int64_t>& dims, std::string_view what) {
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0) throw Error(ErrorCode::kInvalidArgument, "initializer " + std::string(what) + ": negative dimension " + std::to_string(d));
    if (d != 0 && count > std::numeric_limits<int64_t>::max() / d) {
      throw Error(ErrorCode::kOutOfRange, "initializer " + std::string(what) + ": element count overflows int64");
    }
    count *= d;
  }
  return count;
}

}  // namespace

size_t elem_size(ElemType type) {
  switch (type) {
    case ElemType::kFloat: return 4;
    case ElemType::kFloat16: return 2;
    case ElemType::kBFloat16: return 2;
    case ElemType::kInt64: return 8;
    case ElemType::kInt32: return 4;
    case ElemType::kInt8: return 1;
    case ElemType::kUInt8: return 1;
    case ElemType::kBool: return 1;
  }
  throw Error(ErrorCode::kInternal, "elem_size: unknown ElemType " + std::to_string(static_cast<int>(type)));
}

GraphBuilder::GraphBuilder(std::string graph_name) : graph_(model_.mutable_graph()) {
  graph_->set_name(std::move(graph_name));
}

// ---- names -------------------------------------------------------------------------------------------------

std::string GraphBuilder::scoped(std::string_view hint) const {
  std::string name;
  for (const std::string& s : scopes_) name += s + "/";
  name += hint;
  return name;
}

std::string GraphBuilder::unique_name(std::string_view hint) {
  const std::string base = scoped(hint.empty() ? std::string_view("v") : hint);
  std::string name = base;
  for (int i = 1; used_names_.count(name) != 0; ++i) name = base + "_" + std::to_string(i);
  used_names_.insert(name);
  return name;
}

void GraphBuilder::claim(const std::string& name) {
  if (name.empty()) throw Error(ErrorCode::kInvalidArgument, "graph " + graph_->name() + ": empty value name");
  if (!used_names_.insert(name).second) {
    throw Error(ErrorCode::kInvalidArgument, "graph " + graph_->name() + ": name '" + name + "' is already used");
  }
}

GraphBuilder::Scope::Scope(GraphBuilder& builder, std::string_view name) : builder_(builder) {
  builder_.scopes_.emplace_back(name);
}
GraphBuilder::Scope::~Scope() { builder_.scopes_.pop_back(); }

// ---- graph interface -----------------------------------------------------------------------------------------

std::string GraphBuilder::add_input(const std::string& name, ElemType type, const Shape& shape) {
  claim(name);
  set_value_info(*graph_->add_input(), name, type, shape);
  return name;
}

std::string GraphBuilder::add_output(const std::string& value, ElemType type, const Shape& shape, const std::string& name) {
  std::string out = value;
  if (!name.empty() && name != value) {
    claim(name);
    onnx::NodeProto* node = graph_->add_node();
    node->set_op_type("Identity");
    node->set_name(unique_name("Identity"));
    node->add_input(value);
    node->add_output(name);
    out = name;
  }
  set_value_info(*graph_->add_output(), out, type, shape);
  return out;
}

// ---- initializers -------------------------------------------------------------------------------------------

onnx::TensorProto& GraphBuilder::new_initializer(std::string_view hint, ElemType type, std::vector<int64_t> dims) {
  onnx::TensorProto* t = graph_->add_initializer();
  t->set_name(unique_name(hint));
  t->set_data_type(static_cast<int32_t>(type));
  for (int64_t d : dims) t->add_dims(d);
  return *t;
}

namespace {
template <typename T>
void fill_raw(onnx::TensorProto& t, std::span<const T> data, const std::vector<int64_t>& dims) {
  const int64_t count = element_count(dims, t.name());
  if (static_cast<int64_t>(data.size()) != count) {
    throw Error(ErrorCode::kInvalidArgument, "initializer " + t.name() + ": " + std::to_string(data.size()) +
                                                 " values for a shape of " + std::to_string(count) + " elements");
  }
  t.set_raw_data(reinterpret_cast<const char*>(data.data()), data.size_bytes());
}
}  // namespace

std::string GraphBuilder::add_initializer(std::string_view hint, std::span<const float> data, std::vector<int64_t> dims) {
  onnx::TensorProto& t = new_initializer(hint, ElemType::kFloat, dims);
  fill_raw(t, data, dims);
  return t.name();
}
std::string GraphBuilder::add_initializer(std::string_view hint, std::span<const int64_t> data, std::vector<int64_t> dims) {
  onnx::TensorProto& t = new_initializer(hint, ElemType::kInt64, dims);
  fill_raw(t, data, dims);
  return t.name();
}
std::string GraphBuilder::add_initializer(std::string_view hint, std::span<const int32_t> data, std::vector<int64_t> dims) {
  onnx::TensorProto& t = new_initializer(hint, ElemType::kInt32, dims);
  fill_raw(t, data, dims);
  return t.name();
}
std::string GraphBuilder::add_initializer(std::string_view hint, std::span<const int8_t> data, std::vector<int64_t> dims) {
  onnx::TensorProto& t = new_initializer(hint, ElemType::kInt8, dims);
  fill_raw(t, data, dims);
  return t.name();
}
std::string GraphBuilder::add_initializer(std::string_view hint, std::span<const uint8_t> data, std::vector<int64_t> dims) {
  onnx::TensorProto& t = new_initializer(hint, ElemType::kUInt8, dims);
  fill_raw(t, data, dims);
  return t.name();
}

std::string GraphBuilder::add_initializer_raw(std::string_view hint, ElemType type, std::vector<int64_t> dims,
                                              std::string&& bytes) {
  onnx::TensorProto& t = new_initializer(hint, type, dims);
  const int64_t count = element_count(dims, t.name());
  if (bytes.size() != static_cast<size_t>(count) * elem_size(type)) {
    throw Error(ErrorCode::kInvalidArgument, "initializer " + t.name() + ": " + std::to_string(bytes.size()) +
                                                 " bytes for " + std::to_string(count) + " elements of " +
                                                 std::to_string(elem_size(type)) + " bytes");
  }
  t.set_raw_data(std::move(bytes));
  return t.name();
}

std::string GraphBuilder::const_i64(const std::vector<int64_t>& values, std::vector<int64_t> dims) {
  return add_initializer("const", std::span<const int64_t>(values), std::move(dims));
}

std::string GraphBuilder::const_f32(float value) {
  return add_initializer("const", std::span<const float>(&value, 1), {});
}

// ---- nodes ----------------------------------------------------------------------------------------------------

std::vector<std::string> GraphBuilder::add_node(std::string_view op_type, std::vector<std::string> inputs,
                                                const std::vector<Attr>& attrs, size_t num_outputs,
                                                std::string_view domain) {
  while (!inputs.empty() && inputs.back().empty()) inputs.pop_back();  // absent trailing optional inputs
  onnx::NodeProto* node = graph_->add_node();
  node->set_op_type(std::string(op_type));
  node->set_name(unique_name(op_type));
  if (!domain.empty()) {
    node->set_domain(std::string(domain));
    custom_domains_.insert(std::string(domain));
  }
  for (const std::string& in : inputs) node->add_input(in);
  std::vector<std::string> outputs;
  outputs.reserve(num_outputs);
  std::string hint(op_type);
  for (char& c : hint) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (size_t i = 0; i < num_outputs; ++i) {
    outputs.push_back(unique_name(hint));
    node->add_output(outputs.back());
  }
  for (const Attr& a : attrs) set_attr(*node, a);
  return outputs;
}

std::string GraphBuilder::gemm(const std::string& a, const std::string& b, const std::string& c, bool trans_b) {
  return op("Gemm", {a, b, c}, {{"transB", trans_b ? 1 : 0}});
}

std::string GraphBuilder::slice(const std::string& x, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                                const std::vector<int64_t>& axes, const std::vector<int64_t>& steps) {
  if (starts.size() != ends.size() || starts.size() != axes.size() || (!steps.empty() && steps.size() != axes.size())) {
    throw Error(ErrorCode::kInvalidArgument, "slice of " + x + ": starts/ends/axes/steps lengths differ (" +
                                                 std::to_string(starts.size()) + "/" + std::to_string(ends.size()) + "/" +
                                                 std::to_string(axes.size()) + "/" + std::to_string(steps.size()) + ")");
  }
  std::vector<std::string> in = {x, const_i64(starts), const_i64(ends), const_i64(axes)};
  if (!steps.empty()) in.push_back(const_i64(steps));
  return op("Slice", std::move(in));
}

namespace {
std::vector<Attr> conv_attrs(const ConvParams& p, bool transposed) {
  std::vector<Attr> attrs = {{"group", p.group}};
  if (!p.strides.empty()) attrs.emplace_back("strides", p.strides);
  if (!p.pads.empty()) attrs.emplace_back("pads", p.pads);
  if (!p.dilations.empty()) attrs.emplace_back("dilations", p.dilations);
  if (transposed && !p.output_padding.empty()) attrs.emplace_back("output_padding", p.output_padding);
  return attrs;
}
}  // namespace

std::string GraphBuilder::conv(const std::string& x, const std::string& w, const std::string& b, const ConvParams& p) {
  return op("Conv", {x, w, b}, conv_attrs(p, false));
}

std::string GraphBuilder::conv_transpose(const std::string& x, const std::string& w, const std::string& b,
                                         const ConvParams& p) {
  return op("ConvTranspose", {x, w, b}, conv_attrs(p, true));
}

std::string GraphBuilder::rms_norm(const std::string& x, const std::string& weight, float epsilon) {
  const std::string mean_sq = reduce_mean(pow(x, const_f32(2.0f)), {-1}, true);
  const std::string rms = sqrt(add(mean_sq, const_f32(epsilon)));
  return mul(div(x, rms), weight);
}

std::string GraphBuilder::matmul_nbits(const std::string& a, const std::string& b, const std::string& scales,
                                       const std::string& zero_points, const MatMulNBitsParams& p,
                                       const std::string& bias) {
  // Inputs: A, B, scales, zero_points?, g_idx? (deprecated, always absent), bias?
  return op("MatMulNBits", {a, b, scales, zero_points, "", bias},
            {{"K", p.k}, {"N", p.n}, {"bits", p.bits}, {"block_size", p.block_size}, {"accuracy_level", p.accuracy_level}},
            kMicrosoftDomain);
}

std::pair<std::string, std::string> GraphBuilder::skip_simplified_layer_norm(const std::string& x, const std::string& skip,
                                                                             const std::string& gamma, float epsilon) {
  // Outputs: output, mean?, inv_std_var?, input_skip_bias_sum? -- the middle two stay unnamed (absent).
  std::vector<std::string> outs = add_node("SkipSimplifiedLayerNormalization", {x, skip, gamma},
                                           {{"epsilon", epsilon}}, 4, kMicrosoftDomain);
  onnx::NodeProto* node = graph_->mutable_node(graph_->node_size() - 1);
  node->set_output(1, "");
  node->set_output(2, "");
  return {outs[0], outs[3]};
}

std::string GraphBuilder::rotary_embedding(const std::string& x, const std::string& position_ids,
                                           const std::string& cos_cache, const std::string& sin_cache,
                                           const RotaryParams& p) {
  std::vector<Attr> attrs = {{"interleaved", p.interleaved}};
  if (p.num_heads > 0) attrs.emplace_back("num_heads", p.num_heads);
  if (p.rotary_embedding_dim > 0) attrs.emplace_back("rotary_embedding_dim", p.rotary_embedding_dim);
  return op("RotaryEmbedding", {x, position_ids, cos_cache, sin_cache}, attrs, kMicrosoftDomain);
}

GqaOutputs GraphBuilder::group_query_attention(const GqaInputs& in, const GqaParams& p) {
  if (in.seqlens_k.empty() || in.total_sequence_length.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "GroupQueryAttention on " + in.query + ": seqlens_k and total_sequence_length are required");
  }
  std::vector<Attr> attrs = {{"num_heads", p.num_heads},
                             {"kv_num_heads", p.kv_num_heads},
                             {"do_rotary", p.do_rotary},
                             {"rotary_interleaved", p.rotary_interleaved},
                             {"local_window_size", p.local_window_size}};
  if (p.scale != 0.0f) attrs.emplace_back("scale", p.scale);
  std::vector<std::string> outs = add_node(
      "GroupQueryAttention",
      {in.query, in.key, in.value, in.past_key, in.past_value, in.seqlens_k, in.total_sequence_length, in.cos_cache, in.sin_cache},
      attrs, 3, kMicrosoftDomain);
  return {outs[0], outs[1], outs[2]};
}

// ---- result ---------------------------------------------------------------------------------------------------

onnx::ModelProto GraphBuilder::build() && {
  model_.set_ir_version(kIrVersion);
  model_.set_producer_name("fishtts");
  onnx::OperatorSetIdProto* onnx_opset = model_.add_opset_import();
  onnx_opset->set_domain("");
  onnx_opset->set_version(kOnnxOpset);
  for (const std::string& domain : custom_domains_) {
    // com.microsoft ops and our own (com.fishtts, ort/snake_op.h) are all version 1.
    onnx::OperatorSetIdProto* opset = model_.add_opset_import();
    opset->set_domain(domain);
    opset->set_version(kCustomOpset);
  }
  graph_ = nullptr;
  return std::move(model_);
}

std::string serialize_model(const onnx::ModelProto& model) {
  const size_t size = model.ByteSizeLong();
  if (size > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw Error(ErrorCode::kOutOfRange, "model " + model.graph().name() + " is " + std::to_string(size) +
                                            " bytes, over protobuf's 2 GB limit: save it with external data instead");
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    throw Error(ErrorCode::kInternal, "model " + model.graph().name() + ": protobuf serialization failed");
  }
  return bytes;
}

void check_model(const onnx::ModelProto& model) {
  try {
    onnx::checker::check_model(model);
  } catch (const onnx::checker::ValidationError& e) {
    throw Error(ErrorCode::kBadFormat, "ONNX checker rejected model " + model.graph().name() + ": " + e.what());
  }
}

void check_model_file(const std::string& path) {
  try {
    onnx::checker::check_model(path);
  } catch (const onnx::checker::ValidationError& e) {
    throw Error(ErrorCode::kBadFormat, "ONNX checker rejected " + path + ": " + e.what());
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kBadFormat, "ONNX checker could not read " + path + ": " + e.what());
  }
}

}  // namespace fishtts::convert
