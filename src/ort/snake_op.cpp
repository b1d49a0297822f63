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

// Channels-last: rows of `channels` values, alpha tiled along the row (ort/snake_kernel.h).
struct SnakeTiledTask {
  const float* x;
  float* y;
  size_t channels;
  size_t rows_per_batch;
  size_t rows;
  const float* alpha_tiled;
  const float* inv_tiled;
  SnakeTiledFn run;
};

void snake_rows(void* data, size_t batch) {
  const SnakeTiledTask& t = *static_cast<const SnakeTiledTask*>(data);
  const size_t first = batch * t.rows_per_batch;
  const size_t rows = std::min(t.rows_per_batch, t.rows - first);
  t.run(t.x + first * t.channels, t.y + first * t.channels, rows * t.channels, t.alpha_tiled, t.inv_tiled,
        t.channels);
}

struct SnakeKernel {
  explicit SnakeKernel(const OrtKernelInfo* info) : axis(int_attribute_or(info, "axis", 1)) {}

  void Compute(OrtKernelContext* context) {
    Ort::KernelContext ctx(context);
    Ort::ConstValue x = ctx.GetInput(0);
    Ort::ConstValue alpha = ctx.GetInput(1);
    const std::vector<int64_t> shape = x.GetTensorTypeAndShapeInfo().GetShape();
    const int64_t rank = static_cast<int64_t>(shape.size());
    const int64_t channel_axis = axis < 0 ? axis + rank : axis;
    if (rank < 2 || (channel_axis != 1 && channel_axis != rank - 1)) {
      ORT_CXX_API_THROW("Snake: x must be [N, C, ...] (axis 1) or [..., C] (axis -1), got rank " +
                            std::to_string(rank) + " and axis " + std::to_string(axis),
                        ORT_INVALID_ARGUMENT);
    }
    const size_t channels = static_cast<size_t>(shape[static_cast<size_t>(channel_axis)]);
    const size_t alpha_count = alpha.GetTensorTypeAndShapeInfo().GetElementCount();
    if (alpha_count != channels) {
      ORT_CXX_API_THROW("Snake: alpha has " + std::to_string(alpha_count) + " elements, x has " +
                            std::to_string(channels) + " channels",
                        ORT_INVALID_ARGUMENT);
    }
    Ort::UnownedValue y = ctx.GetOutput(0, shape);
    const size_t total = x.GetTensorTypeAndShapeInfo().GetElementCount();
    if (total == 0) return;
    const float* a = alpha.GetTensorData<float>();
    if (channel_axis == rank - 1 && channel_axis != 1) {
      std::vector<float> alpha_tiled(channels + kMaxSnakeBlock), inv_tiled(alpha_tiled.size());
      for (size_t j = 0; j < alpha_tiled.size(); ++j) {
        alpha_tiled[j] = a[j % channels];
        inv_tiled[j] = 1.0f / (alpha_tiled[j] + 1e-9f);
      }
      const size_t rows = total / channels;
      const size_t batches = std::clamp<size_t>(total / kMinBatchElements, 1, rows);
      SnakeTiledTask task{x.GetTensorData<float>(), y.GetTensorMutableData<float>(), channels,
                          (rows + batches - 1) / batches, rows, alpha_tiled.data(), inv_tiled.data(),
                          snake_tiled_for_cpu()};
      ctx.ParallelFor(snake_rows, (rows + task.rows_per_batch - 1) / task.rows_per_batch,
                      (rows + task.rows_per_batch - 1) / task.rows_per_batch, &task);
      return;
    }
    const size_t rows = static_cast<size_t>(shape[0]) * channels;
    SnakeTask task{x.GetTensorData<float>(), y.GetTensorMutableData<float>(), a, channels, total / rows,
                   snake_row_for_cpu()};
    // Batches of at least kMinBatchElements: a streaming call of one frame has few, short channel runs, and a task
    // per channel would cost more in pool hand-offs than the work (one batch runs inline).
    const size_t batches = std::clamp<size_t>(total / kMinBatchElements, 1, rows);
    ctx.ParallelFor(snake_channel, rows, batches, &task);
  }

  int64_t axis;  // the channel axis: 1 (channels first, the default) or the last one (channels last)
};

struct SnakeOp : Ort::CustomOpBase<SnakeOp, SnakeKernel> {
  void* CreateKernel(const OrtApi&, const OrtKernelInfo* info) const { return new SnakeKernel(info); }
  const char* GetName() const { return kSnakeOp; }
  size_t GetInputTypeCount() const { return 2; }
  ONNXTensorElementDataType GetInputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; }
  size_t GetOutputTypeCount() const { return 1; }
  ONNXTensorElementDataType GetOutputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; }
};

}  // namespace

const OrtCustomOp* snake_custom_op() {
  static SnakeOp* op = new SnakeOp();  // never freed: sessions keep pointers to it
  return op;
}

}  // namespace fishtts::ort
