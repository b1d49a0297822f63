#include "ort/snake_op.h"

#include <algorithm>
#include <string>
#include <vector>

#include "ort/snake_kernel.h"

namespace fishtts::ort {
namespace {

constexpr size_t kMinBatchElements = 8192;  // ~5 us of the AVX-512 kernel

struct SnakeTask {
  const float* x;
  float* y;
  const float* alpha;
  size_t channels;
  size_t inner;  // elements of one channel run (product of the dims after C)
  SnakeRowFn row;
};

void snake_channel(void* data, size_t index) {
  const SnakeTask& t = *static_cast<const SnakeTask*>(data);
  const float a = t.alpha[index % t.channels];
  const float inv = 1.0f / (a + 1e-9f);
  const size_t offset = index * t.inner;
  t.row(t.x + offset, t.y + offset, t.inner, a, inv);
}

struct SnakeKernel {
  void Compute(OrtKernelContext* context) {
    Ort::KernelContext ctx(context);
    Ort::ConstValue x = ctx.GetInput(0);
    Ort::ConstValue alpha = ctx.GetInput(1);
    const std::vector<int64_t> shape = x.GetTensorTypeAndShapeInfo().GetShape();
    if (shape.size() < 2) {
      ORT_CXX_API_THROW("Snake: x must be [N, C, ...], got rank " + std::to_string(shape.size()), ORT_INVALID_ARGUMENT);
    }
    const size_t channels = static_cast<size_t>(shape[1]);
    const size_t alpha_count = alpha.GetTensorTypeAndShapeInfo().GetElementCount();
    if (alpha_count != channels) {
      ORT_CXX_API_THROW("Snake: alpha has " + std::to_string(alpha_count) + " elements, x has " +
                            std::to_string(channels) + " channels",
                        ORT_INVALID_ARGUMENT);
    }
    Ort::UnownedValue y = ctx.GetOutput(0, shape);
    const size_t total = x.GetTensorTypeAndShapeInfo().GetElementCount();
    const size_t rows = static_cast<size_t>(shape[0]) * channels;
    if (total == 0) return;
    SnakeTask task{x.GetTensorData<float>(), y.GetTensorMutableData<float>(), alpha.GetTensorData<float>(),
                   channels, total / rows, snake_row_for_cpu()};
    // Batches of at least kMinBatchElements: a streaming call of one frame has few, short channel runs, and a task
    // per channel would cost more in pool hand-offs than the work (one batch runs inline).
    const size_t batches = std::clamp<size_t>(total / kMinBatchElements, 1, rows);
    ctx.ParallelFor(snake_channel, rows, batches, &task);
  }
};

struct SnakeOp : Ort::CustomOpBase<SnakeOp, SnakeKernel> {
  void* CreateKernel(const OrtApi&, const OrtKernelInfo*) const { return new SnakeKernel(); }
  const char* GetName() const { return kSnakeOp; }
  size_t GetInputTypeCount() const { return 2; }
  ONNXTensorElementDataType GetInputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; }
  size_t GetOutputTypeCount() const { return 1; }
  ONNXTensorElementDataType GetOutputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; }
};

}  // namespace

void add_custom_ops(Ort::SessionOptions& options) {
  // Created once and never freed: ORT keeps pointers to the domain and its ops in every session made with it,
  // and sessions may outlive any static destructor order we could pick.
  static OrtCustomOpDomain* domain = [] {
    static SnakeOp* snake = new SnakeOp();
    Ort::CustomOpDomain d(kCustomDomain);
    d.Add(snake);
    return d.release();
  }();
  options.Add(domain);
}

}  // namespace fishtts::ort
