#include "checkpoint/pickle_writer.h"

#include "checkpoint/tensor.h"
#include "common/error.h"

namespace fishtts::checkpoint {

int64_t TensorSpec::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

namespace {

const char* storage_class(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "FloatStorage";
    case DType::kBFloat16: return "BFloat16Storage";
    case DType::kFloat16: return "HalfStorage";
    case DType::kInt64: return "LongStorage";
    case DType::kInt32: return "IntStorage";
    case DType::kBool: return "BoolStorage";
    case DType::kUInt8: return "ByteStorage";
  }
  return "?";
}

class PickleOut {
 public:
  void op(uint8_t code) { bytes.push_back(code); }
  void global(const std::string& module, const std::string& name) {
    op('c');
    text(module + "\n" + name + "\n");
  }
  void unicode(const std::string& s) {
    op('X');
    le(s.size(), 4);
    text(s);
  }
  void integer(int64_t v) {
    if (v >= 0 && v < 256) {
      op('K');
      le(static_cast<uint64_t>(v), 1);
    } else if (v >= 0 && v < 65536) {
      op('M');
      le(static_cast<uint64_t>(v), 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J');
      le(static_cast<uint64_t>(v), 4);
    } else {  // LONG1, 8-byte two's complement (pickle accepts non-minimal lengths)
      op(0x8a);
      le(8, 1);
      le(static_cast<uint64_t>(v), 8);
    }
  }
  void int_tuple(const std::vector<int64_t>& values) {
    op('(');
    for (int64_t v : values) integer(v);
    op('t');
  }
  std::vector<uint8_t> bytes;

 private:
  void text(const std::string& s) { bytes.insert(bytes.end(), s.begin(), s.end()); }
  void le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
};

}  // namespace

std::vector<uint8_t> state_dict_pickle(const std::vector<TensorSpec>& tensors) {
  PickleOut p;
  p.op(0x80);  // PROTO 2
  p.op(2);
  p.global("collections", "OrderedDict");
  p.op(')');
  p.op('R');
  constexpr size_t kBatch = 1000;  // pickle's own SETITEMS batch size
  for (size_t start = 0; start < tensors.size(); start += kBatch) {
    p.op('(');
    for (size_t i = start; i < tensors.size() && i < start + kBatch; ++i) {
      const TensorSpec& t = tensors[i];
      for (int64_t d : t.shape) {
        if (d < 0) throw Error(ErrorCode::kInvalidArgument, "tensor " + t.name + " has a negative dimension");
      }
      p.unicode(t.name);
      p.global("torch._utils", "_rebuild_tensor_v2");
      p.op('(');
      p.op('(');  // persistent id ('storage', type, key, location, numel)
      p.unicode("storage");
      p.global("torch", storage_class(t.dtype));
      p.unicode(std::to_string(i));
      p.unicode("cpu");
      p.integer(t.numel());
      p.op('t');
      p.op('Q');
      p.integer(0);
      p.int_tuple(t.shape);
      p.int_tuple(contiguous_strides(t.shape));
      p.op(0x89);  // requires_grad False
      p.global("collections", "OrderedDict");
      p.op(')');
      p.op('R');
      p.op('t');
      p.op('R');
    }
    p.op('u');
  }
  p.op('.');
  return std::move(p.bytes);
}

}  // namespace fishtts::checkpoint
