#include "ort/conv1d_bf16_op.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include <dnnl.hpp>

#include "common/page_hint.h"
#include "ort/env.h"

// oneDNN from Debian runs on OpenMP (libgomp, linked with it). Each ORT pool thread asks it for one thread per
// primitive: the parallelism is ours. Declared here rather than through <omp.h>, which clang does not ship.
extern "C" void omp_set_num_threads(int);

namespace fishtts::ort {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Dt = memory::data_type;

// The time axis is cut into tiles of ONE length per op (tile_steps): every output is then computed by the same
// oneDNN kernel whatever the length of the call, so a stream cut anywhere equals the whole decode bit for bit
// (oneDNN picks kernels and summation orders by shape), and the op holds one primitive, made with the session.
// Its length is the "tile" attribute (the converter sets a number of frames), else one that makes a tile's bf16
// input about kTileInputBytes; the last tile of a call is padded.
constexpr int64_t kTileInputBytes = 512 << 10;
constexpr int64_t kMinTileSteps = 16;
constexpr int64_t kMaxTileSteps = 4096;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

void one_openmp_thread() {
  thread_local bool done = false;
  if (!done) {
    omp_set_num_threads(1);
    done = true;
  }
}

// fp32 -> bf16, rounding to nearest even (oneDNN's and Eigen's rule; activations and weights are finite).
inline uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

inline float from_bf16(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

// Three-term split (terms = 3): a = hi(a) + lo(a) to ~16 bits, and
//   x . w ~= hi(x) . hi(w) + lo(x) . hi(w) + hi(x) . lo(w)
// (the dropped lo . lo term is ~2^-16 relative), one bf16 conv over 3 x Cin channels: the input rows become
// [hi(x) | lo(x) | hi(x)] and the weights [hi(w) | hi(w) | lo(w)] along Cin. terms = 1 is plain bf16.
std::vector<uint16_t> split_weights(const float* w, int64_t cout, int64_t cin, int64_t kernel, int64_t terms) {
  std::vector<uint16_t> out(static_cast<size_t>(cout * terms * cin * kernel));
  for (int64_t o = 0; o < cout; ++o) {
    for (int64_t c = 0; c < cin; ++c) {
      for (int64_t k = 0; k < kernel; ++k) {
        const float v = w[(o * cin + c) * kernel + k];
        const uint16_t hi = to_bf16(v);
        auto at = [&](int64_t block) -> uint16_t& { return out[static_cast<size_t>(((o * terms + block) * cin + c) * kernel + k)]; };
        at(0) = hi;
        if (terms == 3) {
          at(1) = hi;
          at(2) = to_bf16(v - from_bf16(hi));
        }
      }
    }
  }
  return out;
}

// One input row (Cin values) as its bf16 terms: [hi] or [hi | lo | hi]. Built for AVX-512, AVX2 and baseline,
// the best chosen at load time (the loop vectorizes; the library itself is baseline x86-64).
__attribute__((target_clones("avx512bw", "avx2", "default"))) void split_row(const float* in, uint16_t* out, int64_t cin, int64_t terms) {
  if (terms == 1) {
    for (int64_t c = 0; c < cin; ++c) out[c] = to_bf16(in[c]);
    return;
  }
  uint16_t* lo = out + cin;
  uint16_t* hi2 = lo + cin;
  for (int64_t c = 0; c < cin; ++c) {
    const uint16_t h = to_bf16(in[c]);
    out[c] = h;
    hi2[c] = h;
    lo[c] = to_bf16(in[c] - from_bf16(h));
  }
}

// A per-thread buffer that only grows, 64-byte aligned: AMX tile loads of rows that straddle cache lines cost
// twice the line fills.
class AlignedBuffer {
 public:
  ~AlignedBuffer() { std::free(data_); }
  void* at_least(size_t bytes) {
    if (bytes > size_) {
      std::free(data_);
      size_ = (bytes + 63) / 64 * 64;
      data_ = std::aligned_alloc(64, size_);
      if (!data_) throw std::bad_alloc();
    }
    return data_;
  }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

struct ConvShape {
  int64_t cin = 0, cout = 0, kernel = 0, dilation = 1, stride = 1;
  int64_t span() const { return (kernel - 1) * dilation + 1; }
  int64_t input_steps(int64_t output_steps) const { return (output_steps - 1) * stride + span(); }
  // Kernel <= 2, stride 1, no dilation (the polyphase transposed convs, the 1x1 convs): a matmul whose rows are
  // the kernel's input rows side by side. oneDNN's AMX matmul ran such shapes ~3x faster than its convolution
  // (e.g. 512 x 4608 x 3072: 1.7 vs 0.55 TFLOP/s on one core).
  bool as_matmul() const { return kernel <= 2 && stride == 1 && dilation == 1; }
};

// oneDNN has no bf16 kernel for this CPU (it needs AVX-512): an ORT error naming the shape.
[[noreturn]] void no_bf16_kernel(const ConvShape& s, const dnnl::error& e) {
  ORT_CXX_API_THROW("Conv1dBf16: oneDNN has no bf16 kernel for " + std::to_string(s.cin) + " -> " +
                        std::to_string(s.cout) + " channels, kernel " + std::to_string(s.kernel) +
                        " on this CPU (it needs AVX-512; use --codec-precision fp32): " + e.what(),
                    ORT_NOT_IMPLEMENTED);
}

dnnl::convolution_forward::primitive_desc conv_desc(const ConvShape& s, int64_t steps) try {
  const memory::dims src{1, s.cin, s.input_steps(steps)}, dst{1, s.cout, steps};
  const memory::desc src_md(src, Dt::bf16, Tag::nwc), dst_md(dst, Dt::f32, Tag::nwc);
  const memory::desc weights_md({s.cout, s.cin, s.kernel}, Dt::bf16, Tag::any), bias_md({s.cout}, Dt::f32, Tag::a);
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                             src_md, weights_md, bias_md, dst_md, {s.stride}, {s.dilation - 1}, {0}, {0});
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // per-thread buffers: tiles run concurrently
  return {desc, attr, cpu_engine()};
} catch (const dnnl::error& e) {
  no_bf16_kernel(s, e);
}

dnnl::matmul::primitive_desc matmul_desc(const ConvShape& s, int64_t steps) try {
  const memory::desc src({steps, s.kernel * s.cin}, Dt::bf16, Tag::ab), dst({steps, s.cout}, Dt::f32, Tag::ab);
  const memory::desc weights({s.kernel * s.cin, s.cout}, Dt::bf16, Tag::any), bias({1, s.cout}, Dt::f32, Tag::ab);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return {dnnl::matmul::desc(src, weights, bias, dst), attr, cpu_engine()};
} catch (const dnnl::error& e) {
  no_bf16_kernel(s, e);
}

// Everything one tile length needs, made once: the primitive and its weights.
struct Plan {
  memory::desc src_bf16, dst, bias;
  dnnl::primitive compute;  // a convolution, or a matmul over im2col rows (ConvShape::as_matmul)
  memory weights;
  size_t scratch_bytes = 0;
};

class Conv1dBf16Kernel {
 public:
  explicit Conv1dBf16Kernel(const OrtKernelInfo* info) {
    Ort::ConstKernelInfo k(info);
    shape_.dilation = k.GetAttribute<int64_t>("dilation");
    shape_.stride = k.GetAttribute<int64_t>("stride");
    terms_ = k.GetAttribute<int64_t>("terms");
    if (shape_.dilation < 1 || shape_.stride < 1 || (terms_ != 1 && terms_ != 3)) {
      ORT_CXX_API_THROW("Conv1dBf16: dilation and stride must be >= 1 and terms 1 or 3", ORT_INVALID_ARGUMENT);
    }
    int constant = 0;
    Ort::ConstValue w = k.GetTensorConstantInput(1, &constant);
    if (!constant) ORT_CXX_API_THROW("Conv1dBf16: the weight must be a constant initializer", ORT_INVALID_ARGUMENT);
    const std::vector<int64_t> wd = w.GetTensorTypeAndShapeInfo().GetShape();
    if (wd.size() != 3) ORT_CXX_API_THROW("Conv1dBf16: the weight must be [Cout, Cin, K]", ORT_INVALID_ARGUMENT);
    cin_ = wd[1];
    shape_.cout = wd[0];
    shape_.cin = wd[1] * terms_;
    shape_.kernel = wd[2];
    weights_ = split_weights(w.GetTensorData<float>(), wd[0], wd[1], wd[2], terms_);
    Ort::ConstValue b = k.GetTensorConstantInput(2, &constant);
    if (!constant || b.GetTensorTypeAndShapeInfo().GetElementCount() != static_cast<size_t>(shape_.cout)) {
      ORT_CXX_API_THROW("Conv1dBf16: the bias must be a constant initializer of Cout elements", ORT_INVALID_ARGUMENT);
    }
    bias_ = b.GetTensorData<float>();
    const int64_t row_bytes = (shape_.as_matmul() ? shape_.kernel : shape_.stride) * shape_.cin * 2;
    tile_steps_ = std::clamp<int64_t>(kTileInputBytes / row_bytes / 16 * 16, kMinTileSteps, kMaxTileSteps);
    const int64_t tile = int_attribute_or(info, "tile", 0);  // 0: the L2-sized default above
    if (tile < 0) ORT_CXX_API_THROW("Conv1dBf16: tile must be >= 1", ORT_INVALID_ARGUMENT);
    if (tile > 0) tile_steps_ = tile;
    one_openmp_thread();
    make_plan();  // JIT and weight reorder at session creation, not in the first decode
    // From here only the reordered copy is read; the fp32 initializer ONNX Runtime keeps mapped need not stay
    // resident (S1-mini bf16 codec: ~210 MB of the bundle's side file).
    release_pages(w.GetTensorData<float>(), w.GetTensorTypeAndShapeInfo().GetElementCount() * sizeof(float));
  }

  void Compute(OrtKernelContext* context) {
    Ort::KernelContext ctx(context);
    Ort::ConstValue x = ctx.GetInput(0);
    const std::vector<int64_t> xd = x.GetTensorTypeAndShapeInfo().GetShape();
    if (xd.size() != 3 || xd[2] != cin_) {
      ORT_CXX_API_THROW("Conv1dBf16: x must be [N, L, " + std::to_string(cin_) + "] (channels last)",
                        ORT_INVALID_ARGUMENT);
    }
    Task task;
    task.self = this;
    task.x = x.GetTensorData<float>();
    task.x_steps = xd[1];
    if (ctx.GetInputCount() > 3) {
      Ort::ConstValue state = ctx.GetInput(3);
      const std::vector<int64_t> sd = state.GetTensorTypeAndShapeInfo().GetShape();
      if (sd.size() != 3 || sd[0] != xd[0] || sd[2] != cin_) {
        ORT_CXX_API_THROW("Conv1dBf16: state must be [N, P, " + std::to_string(cin_) + "] like x", ORT_INVALID_ARGUMENT);
      }
      task.state = state.GetTensorData<float>();
      task.state_steps = sd[1];
    }
    const int64_t rows = task.state_steps + task.x_steps;  // of the virtual input [state, x]
    const int64_t steps = rows < shape_.span() ? 0 : (rows - shape_.span()) / shape_.stride + 1;
    Ort::UnownedValue y = ctx.GetOutput(0, {xd[0], steps, shape_.cout});
    if (ctx.GetOutputCount() > 1) keep_state(ctx, task, xd[0]);
    if (steps == 0 || xd[0] == 0) return;

    task.y = y.GetTensorMutableData<float>();
    task.output_steps = steps;
    const int64_t threads = std::max(1, intra_op_threads());
    task.tiles_per_item = (steps + tile_steps_ - 1) / tile_steps_;
    const size_t total = static_cast<size_t>(xd[0] * task.tiles_per_item);
    ctx.ParallelFor(run_tile, total, std::min<size_t>(total, static_cast<size_t>(threads)), &task);
    if (task.error) std::rethrow_exception(task.error);
  }

 private:
  struct Task {
    Conv1dBf16Kernel* self = nullptr;
    const float* x = nullptr;
    const float* state = nullptr;  // rows before x (the causal context), or none
    float* y = nullptr;
    int64_t x_steps = 0, state_steps = 0, output_steps = 0;
    int64_t tiles_per_item = 1;
    std::mutex error_mutex;
    std::exception_ptr error;

    // Row r of item n's virtual input [state, x]; null past its end (the padding of a call's last tile).
    const float* row(int64_t n, int64_t r, int64_t cin) const {
      if (r >= state_steps + x_steps) return nullptr;
      return r < state_steps ? state + (n * state_steps + r) * cin : x + (n * x_steps + r - state_steps) * cin;
    }
  };

  // Output 1: the last P rows of [state, x], the state of the next call.
  void keep_state(Ort::KernelContext& ctx, const Task& t, int64_t items) const {
    const int64_t p = t.state_steps, rows = t.state_steps + t.x_steps;
    if (rows < p) ORT_CXX_API_THROW("Conv1dBf16: fewer rows than the state keeps", ORT_INVALID_ARGUMENT);
    float* out = ctx.GetOutput(1, {items, p, cin_}).GetTensorMutableData<float>();
    for (int64_t n = 0; n < items; ++n) {
      for (int64_t r = 0; r < p; ++r) std::memcpy(out + (n * p + r) * cin_, t.row(n, rows - p + r, cin_), cin_ * sizeof(float));
    }
  }

  static void run_tile(void* data, size_t index) {
    Task& t = *static_cast<Task*>(data);
    try {
      t.self->tile(t, static_cast<int64_t>(index));
    } catch (...) {
      std::lock_guard<std::mutex> lock(t.error_mutex);
      if (!t.error) t.error = std::current_exception();
    }
  }

  void tile(const Task& t, int64_t index) {
    one_openmp_thread();
    const int64_t item = index / t.tiles_per_item;
    const int64_t first = (index % t.tiles_per_item) * tile_steps_;
    const int64_t valid = std::min(tile_steps_, t.output_steps - first);
    const Plan& p = plan_;

    thread_local AlignedBuffer src_buffer, scratch_buffer, tail_buffer;
    auto* src = static_cast<uint16_t*>(src_buffer.at_least(p.src_bf16.get_size()));
    void* scratch = scratch_buffer.at_least(p.scratch_bytes);
    float* y = t.y + (item * t.output_steps + first) * shape_.cout;
    float* out = valid == tile_steps_ ? y : static_cast<float*>(tail_buffer.at_least(p.dst.get_size()));
    const int64_t first_row = first * shape_.stride;
    const int64_t width = shape_.as_matmul() ? shape_.kernel : 1;  // split rows side by side (matmul)
    const int64_t rows = shape_.as_matmul() ? tile_steps_ : shape_.input_steps(tile_steps_);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t k = 0; k < width; ++k) {
        uint16_t* dst = src + (r * width + k) * shape_.cin;
        if (const float* in = t.row(item, first_row + r + k, cin_)) {
          split_row(in, dst, cin_, terms_);
        } else {
          std::memset(dst, 0, static_cast<size_t>(shape_.cin) * sizeof(uint16_t));
        }
      }
    }
    dnnl::engine& engine = cpu_engine();
    thread_local dnnl::stream stream(cpu_engine());
    memory x_bf16(p.src_bf16, engine, src), dst(p.dst, engine, out), bias(p.bias, engine, const_cast<float*>(bias_));
    memory pad(memory::desc({static_cast<memory::dim>(p.scratch_bytes)}, Dt::u8, Tag::a), engine, scratch);
    p.compute.execute(stream, {{DNNL_ARG_SRC, x_bf16},
                               {DNNL_ARG_WEIGHTS, p.weights},
                               {DNNL_ARG_BIAS, bias},
                               {DNNL_ARG_DST, dst},
                               {DNNL_ARG_SCRATCHPAD, pad}});
    stream.wait();
    if (out != y) std::memcpy(y, out, static_cast<size_t>(valid * shape_.cout) * sizeof(float));
  }

  void make_plan() {
    if (shape_.as_matmul()) {
      plan_ = plan_for<dnnl::matmul>(matmul_desc(shape_, tile_steps_));
    } else {
      plan_ = plan_for<dnnl::convolution_forward>(conv_desc(shape_, tile_steps_));
    }
    weights_ = {};  // the reordered copy is all that is read from now on
  }

  template <class Primitive, class PrimitiveDesc>
  Plan plan_for(const PrimitiveDesc& pd) {
    return {pd.src_desc(), pd.dst_desc(), pd.bias_desc(), Primitive(pd), reordered_weights(pd.weights_desc()),
            pd.scratchpad_desc().get_size()};
  }

  // The weights in the layout `desc` wants, from the split plain ones.
  memory reordered_weights(const memory::desc& desc) {
    dnnl::engine& engine = cpu_engine();
    dnnl::stream stream(engine);
    memory plain(memory::desc({shape_.cout, shape_.cin, shape_.kernel}, Dt::bf16, Tag::oiw), engine,
                 weights_.data());
    memory rows;
    if (shape_.as_matmul()) {
      // [cout, cin, k] -> [k, cin, cout] (a reorder between two 3-D layouts), which is the matmul's
      // [k * cin, cout] as it stands: row k * cin + c = w[:, c, k].
      const memory::dims kcn = {shape_.kernel, shape_.cin, shape_.cout};
      memory source(memory::desc(kcn, Dt::bf16, memory::dims{1, shape_.kernel, shape_.cin * shape_.kernel}), engine,
                    weights_.data());
      rows = memory(memory::desc(kcn, Dt::bf16, Tag::abc), engine);
      dnnl::reorder(source, rows).execute(stream, source, rows);
      plain = memory(memory::desc({shape_.kernel * shape_.cin, shape_.cout}, Dt::bf16, Tag::ab), engine,
                     rows.get_data_handle());
    }
    memory blocked(desc, engine);
    dnnl::reorder(plain, blocked).execute(stream, plain, blocked);
    stream.wait();
    return blocked;
  }

  ConvShape shape_;  // of the bf16 conv: cin = terms * the op's input channels
  int64_t cin_ = 0;
  int64_t terms_ = 1;
  std::vector<uint16_t> weights_;  // bf16 [Cout, terms * Cin, K], plain (split_weights), until make_plan
  const float* bias_ = nullptr;
  int64_t tile_steps_ = 0;  // output steps of every tile (see kTileInputBytes)
  Plan plan_;
};

struct Conv1dBf16Op : Ort::CustomOpBase<Conv1dBf16Op, Conv1dBf16Kernel> {
  void* CreateKernel(const OrtApi&, const OrtKernelInfo* info) const { return new Conv1dBf16Kernel(info); }
  const char* GetName() const { return kConv1dBf16Op; }
  size_t GetInputTypeCount() const { return 4; }
  OrtCustomOpInputOutputCharacteristic GetInputCharacteristic(size_t index) const {
    return index == 3 ? INPUT_OUTPUT_OPTIONAL : INPUT_OUTPUT_REQUIRED;
  }
  ONNXTensorElementDataType GetInputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; }
  size_t GetOutputTypeCount() const { return 2; }
  OrtCustomOpInputOutputCharacteristic GetOutputCharacteristic(size_t index) const {
    return index == 1 ? INPUT_OUTPUT_OPTIONAL : INPUT_OUTPUT_REQUIRED;
  }
  ONNXTensorElementDataType GetOutputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; }
};

}  // namespace

const OrtCustomOp* conv1d_bf16_custom_op() {
  static Conv1dBf16Op* op = new Conv1dBf16Op();  // never freed: sessions keep pointers to it
  return op;
}

std::string conv1d_bf16_implementation(int64_t channels_in, int64_t channels_out, int64_t kernel, int64_t steps) {
  one_openmp_thread();
  ConvShape s;
  s.cin = channels_in;
  s.cout = channels_out;
  s.kernel = kernel;
  return conv_desc(s, steps).impl_info_str();
}

}  // namespace fishtts::ort
