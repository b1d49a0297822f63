// GraphBuilder: a small typed API for writing ONNX graphs in C++ over the ONNX protobuf classes (Debian
// libonnx-dev 1.12). The model converters (slow LM, fast LM, codec) are written on top of it.
//
//   GraphBuilder g("mlp");
//   std::string x = g.add_input("x", ElemType::kFloat, {"batch", 64});
//   std::string w = g.add_initializer("fc.weight", std::span<const float>(w_data), {64, 32});  // [K, N]
//   std::string y = g.sigmoid(g.matmul(x, w));
//   g.add_output(y, ElemType::kFloat, {"batch", 32}, "y");
//   onnx::ModelProto model = std::move(g).build();
//   check_model(model);                        // the ONNX checker, errors become fishtts::Error
//
// Conventions:
// - Values are named by strings. Every helper returns the name of its (first) output; names are unique:
//   `unique_name("hint")` returns "hint", then "hint_1", ... and the current scope ("layers.3/") is prefixed
//   to generated names (node outputs, node names, constants), which keeps a dumped graph readable.
// - Opsets: "" (ai.onnx) 17, the newest the Debian checker knows and one ONNX Runtime 1.29 runs;
//   "com.microsoft" 1 for the ORT contrib ops. IR version 8.
// - Initializers always store little-endian raw_data, which save_model() can move to an external file.
// - Missing optional inputs are passed as "" (ONNX's convention); trailing "" are dropped.
// - Contrib ops follow onnxruntime docs/ContribOperators.md (input order and attributes). The ONNX checker
//   has no schema for com.microsoft ops and accepts them unchecked; SimplifiedLayerNormalization is ORT's op
//   registered in the *ai.onnx* domain (since 1), which the stock checker rejects: prefer rms_norm() (standard
//   ops, which ORT fuses into the same kernel) when a checker-clean file matters.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

namespace fishtts::convert {

enum class ElemType : int32_t {
  kFloat = onnx::TensorProto_DataType_FLOAT,
  kFloat16 = onnx::TensorProto_DataType_FLOAT16,
  kBFloat16 = onnx::TensorProto_DataType_BFLOAT16,
  kInt64 = onnx::TensorProto_DataType_INT64,
  kInt32 = onnx::TensorProto_DataType_INT32,
  kInt8 = onnx::TensorProto_DataType_INT8,
  kUInt8 = onnx::TensorProto_DataType_UINT8,
  kBool = onnx::TensorProto_DataType_BOOL,
};

size_t elem_size(ElemType type);

// One dimension of a graph input/output: a fixed size or a symbolic name ("batch", "seq").
struct Dim {
  Dim(int64_t size) : value(size) {}                      // NOLINT: implicit on purpose ({"batch", 64})
  Dim(int size) : value(static_cast<int64_t>(size)) {}    // NOLINT
  Dim(std::string symbol) : value(std::move(symbol)) {}   // NOLINT
  Dim(const char* symbol) : value(std::string(symbol)) {} // NOLINT
  std::variant<int64_t, std::string> value;
};
using Shape = std::vector<Dim>;

// A node attribute: {"axis", 1}, {"epsilon", 1e-6f}, {"perm", {0, 2, 1, 3}}, {"mode", "constant"}.
struct Attr {
  Attr(std::string n, int v) : name(std::move(n)), value(static_cast<int64_t>(v)) {}
  Attr(std::string n, int64_t v) : name(std::move(n)), value(v) {}
  Attr(std::string n, float v) : name(std::move(n)), value(v) {}
  Attr(std::string n, const char* v) : name(std::move(n)), value(std::string(v)) {}
  Attr(std::string n, std::string v) : name(std::move(n)), value(std::move(v)) {}
  Attr(std::string n, std::initializer_list<int64_t> v) : name(std::move(n)), value(std::vector<int64_t>(v)) {}
  Attr(std::string n, std::vector<int64_t> v) : name(std::move(n)), value(std::move(v)) {}
  Attr(std::string n, std::vector<float> v) : name(std::move(n)), value(std::move(v)) {}
  std::string name;
  std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>> value;
};

// Conv / ConvTranspose attributes for 1-D (the codec) or N-D; empty vectors are left to ONNX defaults.
struct ConvParams {
  std::vector<int64_t> strides = {};
  std::vector<int64_t> pads = {};       // [begin..., end...]
  std::vector<int64_t> dilations = {};
  int64_t group = 1;
  std::vector<int64_t> output_padding = {};  // ConvTranspose only
};

// com.microsoft.MatMulNBits attributes (see quantize.h for producing B / scales / zero_points).
struct MatMulNBitsParams {
  int64_t k = 0;
  int64_t n = 0;
  int64_t bits = 4;
  int64_t block_size = 128;
  int64_t accuracy_level = 4;  // 4 = int8 activations (the measured lever on AVX-512 VNNI), 1 = fp32 compute
};

// com.microsoft.RotaryEmbedding attributes. interleaved = 1 rotates adjacent pairs (2j, 2j+1) (spec 2.4).
struct RotaryParams {
  int64_t interleaved = 1;
  int64_t num_heads = 0;             // required when the input is 3-D [B, S, H*D]
  int64_t rotary_embedding_dim = 0;  // 0 = the whole head
};

// com.microsoft.GroupQueryAttention inputs (names; "" for absent optional ones) and attributes.
struct GqaInputs {
  std::string query = {};       // [B, S, Hq*D] (or packed QKV when key/value are "")
  std::string key = {};         // [B, S, Hkv*D]
  std::string value = {};       // [B, S, Hkv*D]
  std::string past_key = {};    // [B, Hkv, P, D] (BNSH)
  std::string past_value = {};
  std::string seqlens_k = {};   // int32 [B] = total_sequence_length - 1
  std::string total_sequence_length = {};  // int32 scalar
  std::string cos_cache = {};   // [max_pos, rotary_dim/2], only with do_rotary
  std::string sin_cache = {};
};
struct GqaParams {
  int64_t num_heads = 0;
  int64_t kv_num_heads = 0;
  float scale = 0.0f;          // 0 = 1/sqrt(head_size)
  int64_t do_rotary = 0;
  int64_t rotary_interleaved = 0;
  int64_t local_window_size = -1;
};
struct GqaOutputs {
  std::string output;
  std::string present_key;
  std::string present_value;
};

class GraphBuilder {
 public:
  explicit GraphBuilder(std::string graph_name);

  // ---- names -------------------------------------------------------------------------------------------
  std::string unique_name(std::string_view hint);
  // RAII name scope: while alive, generated names are prefixed with "<outer>/<scope>/".
  class Scope {
   public:
    Scope(GraphBuilder& builder, std::string_view name);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
   private:
    GraphBuilder& builder_;
  };
  Scope scope(std::string_view name) { return Scope(*this, name); }

  // ---- graph interface -----------------------------------------------------------------------------------
  // Declares a graph input with exactly this name (throws kInvalidArgument if the name is taken).
  std::string add_input(const std::string& name, ElemType type, const Shape& shape);
  // Declares `value` a graph output. With a non-empty `name` different from `value`, an Identity gives the
  // output that name (ORT removes it).
  std::string add_output(const std::string& value, ElemType type, const Shape& shape, const std::string& name = "");

  // ---- initializers (raw little-endian data; the returned name is unique, derived from `hint`) ------------
  std::string add_initializer(std::string_view hint, std::span<const float> data, std::vector<int64_t> dims);
  std::string add_initializer(std::string_view hint, std::span<const int64_t> data, std::vector<int64_t> dims);
  std::string add_initializer(std::string_view hint, std::span<const int32_t> data, std::vector<int64_t> dims);
  std::string add_initializer(std::string_view hint, std::span<const int8_t> data, std::vector<int64_t> dims);
  std::string add_initializer(std::string_view hint, std::span<const uint8_t> data, std::vector<int64_t> dims);
  // Moves `bytes` into the proto without a copy (for multi-hundred-MB weights). bytes.size() must equal
  // product(dims) * elem_size(type).
  std::string add_initializer_raw(std::string_view hint, ElemType type, std::vector<int64_t> dims, std::string&& bytes);
  // Small constants (shapes, axes, scalars). An empty dims means a scalar.
  std::string const_i64(const std::vector<int64_t>& values, std::vector<int64_t> dims);
  std::string const_i64(const std::vector<int64_t>& values) { return const_i64(values, {static_cast<int64_t>(values.size())}); }
  std::string const_f32(float value);  // scalar

  // ---- nodes ---------------------------------------------------------------------------------------------
  // The generic node: returns its `num_outputs` output names (generated from op_type and the scope).
  std::vector<std::string> add_node(std::string_view op_type, std::vector<std::string> inputs,
                                    const std::vector<Attr>& attrs = {}, size_t num_outputs = 1,
                                    std::string_view domain = "");
  // Single-output shorthand.
  std::string op(std::string_view op_type, std::vector<std::string> inputs, const std::vector<Attr>& attrs = {},
                 std::string_view domain = "") {
    return add_node(op_type, std::move(inputs), attrs, 1, domain)[0];
  }

  // ---- standard ops (ai.onnx 17) -------------------------------------------------------------------------
  std::string matmul(const std::string& a, const std::string& b) { return op("MatMul", {a, b}); }
  std::string gemm(const std::string& a, const std::string& b, const std::string& c = "", bool trans_b = false);
  std::string add(const std::string& a, const std::string& b) { return op("Add", {a, b}); }
  std::string sub(const std::string& a, const std::string& b) { return op("Sub", {a, b}); }
  std::string mul(const std::string& a, const std::string& b) { return op("Mul", {a, b}); }
  std::string div(const std::string& a, const std::string& b) { return op("Div", {a, b}); }
  std::string pow(const std::string& a, const std::string& b) { return op("Pow", {a, b}); }
  std::string neg(const std::string& x) { return op("Neg", {x}); }
  std::string sqrt(const std::string& x) { return op("Sqrt", {x}); }
  std::string reciprocal(const std::string& x) { return op("Reciprocal", {x}); }
  std::string exp(const std::string& x) { return op("Exp", {x}); }
  std::string sin(const std::string& x) { return op("Sin", {x}); }
  std::string cos(const std::string& x) { return op("Cos", {x}); }
  std::string tanh(const std::string& x) { return op("Tanh", {x}); }
  std::string erf(const std::string& x) { return op("Erf", {x}); }
  std::string sigmoid(const std::string& x) { return op("Sigmoid", {x}); }
  std::string identity(const std::string& x) { return op("Identity", {x}); }
  std::string softmax(const std::string& x, int64_t axis = -1) { return op("Softmax", {x}, {{"axis", axis}}); }
  std::string gather(const std::string& data, const std::string& indices, int64_t axis = 0) {
    return op("Gather", {data, indices}, {{"axis", axis}});
  }
  std::string reshape(const std::string& x, const std::string& shape) { return op("Reshape", {x, shape}); }
  std::string reshape(const std::string& x, const std::vector<int64_t>& shape) { return reshape(x, const_i64(shape)); }
  std::string transpose(const std::string& x, std::vector<int64_t> perm) { return op("Transpose", {x}, {{"perm", std::move(perm)}}); }
  std::string concat(std::vector<std::string> xs, int64_t axis) { return op("Concat", std::move(xs), {{"axis", axis}}); }
  // Slice with constant starts/ends/axes (steps default 1).
  std::string slice(const std::string& x, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                    const std::vector<int64_t>& axes, const std::vector<int64_t>& steps = {});
  std::string unsqueeze(const std::string& x, const std::vector<int64_t>& axes) { return op("Unsqueeze", {x, const_i64(axes)}); }
  std::string squeeze(const std::string& x, const std::vector<int64_t>& axes) { return op("Squeeze", {x, const_i64(axes)}); }
  std::string reduce_mean(const std::string& x, std::vector<int64_t> axes, bool keepdims = true) {
    return op("ReduceMean", {x}, {{"axes", std::move(axes)}, {"keepdims", keepdims ? 1 : 0}});  // attribute until opset 18
  }
  std::string reduce_sum(const std::string& x, const std::vector<int64_t>& axes, bool keepdims = true) {
    return op("ReduceSum", {x, const_i64(axes)}, {{"keepdims", keepdims ? 1 : 0}});  // axes input since opset 13
  }
  std::string cast(const std::string& x, ElemType to) { return op("Cast", {x}, {{"to", static_cast<int64_t>(to)}}); }
  std::string shape_of(const std::string& x) { return op("Shape", {x}); }
  std::string expand(const std::string& x, const std::string& shape) { return op("Expand", {x, shape}); }
  std::string where(const std::string& cond, const std::string& a, const std::string& b) { return op("Where", {cond, a, b}); }
  std::string conv(const std::string& x, const std::string& w, const std::string& b, const ConvParams& p);
  std::string conv_transpose(const std::string& x, const std::string& w, const std::string& b, const ConvParams& p);
  std::string layer_norm(const std::string& x, const std::string& scale, const std::string& bias, float epsilon,
                         int64_t axis = -1) {
    return op("LayerNormalization", {x, scale, bias}, {{"axis", axis}, {"epsilon", epsilon}});
  }
  // x * rsqrt(mean(x^2, last axis) + eps) * weight, from standard ops in the pattern ORT's optimizer fuses into
  // its SimplifiedLayerNormalization kernel; checker-clean.
  std::string rms_norm(const std::string& x, const std::string& weight, float epsilon);

  // ---- ONNX Runtime contrib ops --------------------------------------------------------------------------
  // com.microsoft.MatMulNBits: A [.., K] x dequant(B)^T -> [.., N]. zero_points / bias may be "".
  std::string matmul_nbits(const std::string& a, const std::string& b, const std::string& scales,
                           const std::string& zero_points, const MatMulNBitsParams& p, const std::string& bias = "");
  // com.microsoft.DynamicQuantizeMatMul: A fp32 quantized per tensor at run time x int8 B [K, N] with
  // per-column b_scale [N] (and optional b_zero_point / bias).
  std::string dynamic_quantize_matmul(const std::string& a, const std::string& b, const std::string& b_scale,
                                      const std::string& b_zero_point = "", const std::string& bias = "") {
    return op("DynamicQuantizeMatMul", {a, b, b_scale, b_zero_point, bias}, {}, "com.microsoft");
  }
  // ai.onnx (ORT-registered, since 1) SimplifiedLayerNormalization: x * rsqrt(mean(x^2) + eps) * scale.
  std::string simplified_layer_norm(const std::string& x, const std::string& scale, float epsilon, int64_t axis = -1) {
    return op("SimplifiedLayerNormalization", {x, scale}, {{"axis", axis}, {"epsilon", epsilon}});
  }
  // com.microsoft.SkipSimplifiedLayerNormalization: s = x + skip; returns {RMSNorm(s) * gamma, s}.
  std::pair<std::string, std::string> skip_simplified_layer_norm(const std::string& x, const std::string& skip,
                                                                 const std::string& gamma, float epsilon);
  // com.microsoft.RotaryEmbedding: input [B, S, H*D] (needs num_heads) or [B, H, S, D]; position_ids int64
  // [B, S] (or [1] = start offset); cos/sin caches [max_pos, rotary_dim/2].
  std::string rotary_embedding(const std::string& x, const std::string& position_ids, const std::string& cos_cache,
                               const std::string& sin_cache, const RotaryParams& p);
  // com.microsoft.GroupQueryAttention.
  GqaOutputs group_query_attention(const GqaInputs& in, const GqaParams& p);

  // ---- result --------------------------------------------------------------------------------------------
  const onnx::GraphProto& graph() const { return model_.graph(); }
  // Finishes the model (opset imports, IR version, producer). The builder is spent afterwards.
  onnx::ModelProto build() &&;

 private:
  std::string scoped(std::string_view hint) const;
  void claim(const std::string& name);
  onnx::TensorProto& new_initializer(std::string_view hint, ElemType type, std::vector<int64_t> dims);

  onnx::ModelProto model_;
  onnx::GraphProto* graph_;
  std::unordered_set<std::string> used_names_;
  std::vector<std::string> scopes_;
  std::set<std::string> custom_domains_;  // non-ONNX domains used by nodes (each needs an opset import)
};

// Serialized bytes of a model (for Ort::Session from memory); throws kOutOfRange over protobuf's 2 GB.
std::string serialize_model(const onnx::ModelProto& model);

// The ONNX checker; a failure becomes fishtts::Error(kBadFormat) naming the problem.
void check_model(const onnx::ModelProto& model);
// The path-based checker (needed for models with external data: it checks the side file's entries).
void check_model_file(const std::string& path);

}  // namespace fishtts::convert
