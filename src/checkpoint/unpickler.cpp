#include "checkpoint/unpickler.h"

#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "common/error.h"

namespace fishtts::checkpoint {

const char* pickle_kind_name(PickleKind kind) {
  switch (kind) {
    case PickleKind::kNone: return "None";
    case PickleKind::kBool: return "bool";
    case PickleKind::kInt: return "int";
    case PickleKind::kString: return "str";
    case PickleKind::kTuple: return "tuple";
    case PickleKind::kList: return "list";
    case PickleKind::kDict: return "dict";
    case PickleKind::kGlobal: return "global";
    case PickleKind::kStorageType: return "storage type";
    case PickleKind::kStorage: return "storage";
    case PickleKind::kTensor: return "tensor";
  }
  return "?";
}

namespace {

// The only globals a state dict may name. Storage classes map to their dtype.
struct AllowedGlobal {
  const char* module;
  const char* name;
  PickleKind kind;
  DType dtype;
};

constexpr AllowedGlobal kAllowedGlobals[] = {
    {"collections", "OrderedDict", PickleKind::kGlobal, DType::kFloat32},
    {"torch._utils", "_rebuild_tensor_v2", PickleKind::kGlobal, DType::kFloat32},
    {"torch._utils", "_rebuild_parameter", PickleKind::kGlobal, DType::kFloat32},
    {"torch._utils", "_rebuild_parameter_with_state", PickleKind::kGlobal, DType::kFloat32},
    {"torch", "FloatStorage", PickleKind::kStorageType, DType::kFloat32},
    {"torch", "BFloat16Storage", PickleKind::kStorageType, DType::kBFloat16},
    {"torch", "HalfStorage", PickleKind::kStorageType, DType::kFloat16},
    {"torch", "LongStorage", PickleKind::kStorageType, DType::kInt64},
    {"torch", "IntStorage", PickleKind::kStorageType, DType::kInt32},
    {"torch", "BoolStorage", PickleKind::kStorageType, DType::kBool},
    {"torch", "ByteStorage", PickleKind::kStorageType, DType::kUInt8},
};

// One run over one pickle; the Unpickler owns the values it creates.
class Machine {
 public:
  Machine(std::span<const uint8_t> in, const std::string& label, const UnpicklerLimits& limits,
          std::deque<PickleValue>& arena)
      : in_(in), label_(label), limits_(limits), arena_(arena) {}

  const PickleValue& run();

 private:
  [[noreturn]] void fail(ErrorCode code, const std::string& what) const {
    throw Error(code, label_ + ": pickle offset " + std::to_string(op_offset_) + ": " + what);
  }
  PickleValue* make(PickleKind kind) {
    if (arena_.size() >= limits_.max_values) fail(ErrorCode::kOutOfRange, "more than " + std::to_string(limits_.max_values) + " objects");
    arena_.emplace_back();
    arena_.back().kind = kind;
    return &arena_.back();
  }
  const uint8_t* take(size_t n) {
    if (n > in_.size() - pos_) fail(ErrorCode::kBadFormat, "truncated (needs " + std::to_string(n) + " more bytes)");
    const uint8_t* p = in_.data() + pos_;
    pos_ += n;
    return p;
  }
  uint64_t read_le(size_t n) {
    const uint8_t* p = take(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
  }
  std::string read_line() {
    size_t max = std::min<size_t>(256, in_.size() - pos_);
    const void* nl = std::memchr(in_.data() + pos_, '\n', max);
    if (nl == nullptr) fail(ErrorCode::kBadFormat, "GLOBAL name without newline within 256 bytes");
    size_t n = static_cast<const uint8_t*>(nl) - (in_.data() + pos_);
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n + 1;
    return s;
  }
  void push(PickleValue* v) {
    if (stack_.size() >= limits_.max_stack) fail(ErrorCode::kOutOfRange, "stack deeper than " + std::to_string(limits_.max_stack));
    stack_.push_back(v);
  }
  PickleValue* pop() {
    if (stack_.size() <= stack_floor()) fail(ErrorCode::kBadFormat, "stack underflow");
    PickleValue* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  PickleValue* top() {
    if (stack_.size() <= stack_floor()) fail(ErrorCode::kBadFormat, "stack underflow");
    return stack_.back();
  }
  size_t stack_floor() const { return marks_.empty() ? 0 : marks_.back(); }
  // Pops everything above the last MARK and the MARK itself.
  std::vector<PickleValue*> pop_mark() {
    if (marks_.empty()) fail(ErrorCode::kBadFormat, "no MARK on the stack");
    size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<PickleValue*> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }
  void check_items(size_t n) {
    if (n > limits_.max_container_items) fail(ErrorCode::kOutOfRange, "container with more than " + std::to_string(limits_.max_container_items) + " items");
  }
  PickleValue* make_tuple(std::vector<PickleValue*> items) {
    PickleValue* t = make(PickleKind::kTuple);
    t->items.assign(items.begin(), items.end());
    return t;
  }
  void memo_put(uint64_t key) {
    if (memo_.size() >= limits_.max_stack && memo_.count(key) == 0) fail(ErrorCode::kOutOfRange, "memo larger than limit");
    memo_[key] = top();
  }
  PickleValue* memo_get(uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) fail(ErrorCode::kBadFormat, "memo key " + std::to_string(key) + " was never stored");
    return it->second;
  }
  void set_items(PickleValue* dict, const std::vector<PickleValue*>& kv) {
    if (dict->kind != PickleKind::kDict) fail(ErrorCode::kBadFormat, std::string("SETITEM(S) on a ") + pickle_kind_name(dict->kind));
    if (kv.size() % 2 != 0) fail(ErrorCode::kBadFormat, "SETITEMS with an odd number of values");
    check_items(dict->entries.size() + kv.size() / 2);
    for (size_t i = 0; i < kv.size(); i += 2) dict->entries.emplace_back(kv[i], kv[i + 1]);
  }
  void append_items(PickleValue* list, const std::vector<PickleValue*>& items) {
    if (list->kind != PickleKind::kList) fail(ErrorCode::kBadFormat, std::string("APPEND(S) on a ") + pickle_kind_name(list->kind));
    check_items(list->items.size() + items.size());
    list->items.insert(list->items.end(), items.begin(), items.end());
  }

  void op_global();
  void op_reduce();
  void op_persid();
  PickleValue* rebuild_tensor(const PickleValue& args);
  std::vector<int64_t> int_tuple(const PickleValue* v, const char* what);

  std::span<const uint8_t> in_;
  const std::string& label_;
  const UnpicklerLimits& limits_;
  std::deque<PickleValue>& arena_;
  size_t pos_ = 0;
  size_t op_offset_ = 0;
  std::vector<PickleValue*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, PickleValue*> memo_;
};

const PickleValue& Machine::run() {
  while (true) {
    op_offset_ = pos_;
    const uint8_t op = *take(1);
    switch (op) {
      case 0x80: {  // PROTO
        uint8_t proto = *take(1);
        if (proto < 2 || proto > 4) fail(ErrorCode::kUnsupported, "pickle protocol " + std::to_string(proto) + " (torch.save writes 2)");
        break;
      }
      case 0x95: take(8); break;  // FRAME: framing hint only (protocol 4)
      case '.': {  // STOP
        if (stack_.empty()) fail(ErrorCode::kBadFormat, "STOP with an empty stack");
        return *stack_.back();
      }
      case '}': push(make(PickleKind::kDict)); break;
      case ']': push(make(PickleKind::kList)); break;
      case ')': push(make(PickleKind::kTuple)); break;
      case 'N': push(make(PickleKind::kNone)); break;
      case 0x88: case 0x89: {  // NEWTRUE, NEWFALSE
        PickleValue* v = make(PickleKind::kBool);
        v->boolean = op == 0x88;
        push(v);
        break;
      }
      case '(':
        if (marks_.size() >= limits_.max_mark_depth) fail(ErrorCode::kOutOfRange, "MARKs nested deeper than " + std::to_string(limits_.max_mark_depth));
        marks_.push_back(stack_.size());
        break;
      case 'X': case 0x8c: {  // BINUNICODE, SHORT_BINUNICODE
        uint64_t n = read_le(op == 'X' ? 4 : 1);
        if (n > limits_.max_string_bytes) fail(ErrorCode::kOutOfRange, "string of " + std::to_string(n) + " bytes");
        const uint8_t* p = take(static_cast<size_t>(n));
        PickleValue* v = make(PickleKind::kString);
        v->text.assign(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
        push(v);
        break;
      }
      case 'J': case 'K': case 'M': {  // BININT (signed 4), BININT1, BININT2 (unsigned)
        PickleValue* v = make(PickleKind::kInt);
        if (op == 'J') v->integer = static_cast<int32_t>(read_le(4));
        else v->integer = static_cast<int64_t>(read_le(op == 'K' ? 1 : 2));
        push(v);
        break;
      }
      case 0x8a: {  // LONG1: n-byte little-endian two's complement
        uint8_t n = *take(1);
        if (n > 8) fail(ErrorCode::kOutOfRange, "LONG1 integer of " + std::to_string(n) + " bytes (at most 8 supported)");
        uint64_t raw = n ? read_le(n) : 0;
        if (n > 0 && n < 8 && (raw >> (8 * n - 1)) & 1) raw |= ~uint64_t{0} << (8 * n);  // sign-extend
        PickleValue* v = make(PickleKind::kInt);
        v->integer = static_cast<int64_t>(raw);
        push(v);
        break;
      }
      case 'c': op_global(); break;
      case 't': {
        auto items = pop_mark();
        push(make_tuple(std::move(items)));
        break;
      }
      case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
        size_t n = static_cast<size_t>(op - 0x84);
        std::vector<PickleValue*> items(n);
        for (size_t i = n; i-- > 0;) items[i] = pop();
        push(make_tuple(std::move(items)));
        break;
      }
      case 'R': op_reduce(); break;
      case 'Q': op_persid(); break;
      case 'q': memo_put(read_le(1)); break;
      case 'r': memo_put(read_le(4)); break;
      case 0x94: memo_put(memo_.size()); break;  // MEMOIZE
      case 'h': push(memo_get(read_le(1))); break;
      case 'j': push(memo_get(read_le(4))); break;
      case 's': {
        PickleValue* value = pop();
        PickleValue* key = pop();
        set_items(top(), {key, value});
        break;
      }
      case 'u': {
        auto kv = pop_mark();
        set_items(top(), kv);
        break;
      }
      case 'a': {
        PickleValue* value = pop();
        append_items(top(), {value});
        break;
      }
      case 'e': {
        auto items = pop_mark();
        append_items(top(), items);
        break;
      }
      case 'b': {  // BUILD: only the state of an OrderedDict (its _metadata attribute), which we ignore
        PickleValue* state = pop();
        PickleValue* obj = top();
        if (obj->kind != PickleKind::kDict) fail(ErrorCode::kUnsupported, std::string("BUILD on a ") + pickle_kind_name(obj->kind) + " (only OrderedDict state is allowed)");
        (void)state;
        break;
      }
      default: {
        char buf[64];
        std::snprintf(buf, sizeof buf, "opcode 0x%02x", op);
        std::string name = buf;
        if (op >= 0x20 && op < 0x7f) name += std::string(" ('") + static_cast<char>(op) + "')";
        fail(ErrorCode::kUnsupported, name + " is not allowed in a state dict pickle");
      }
    }
  }
}

void Machine::op_global() {
  std::string module = read_line();
  std::string name = read_line();
  for (const AllowedGlobal& g : kAllowedGlobals) {
    if (module == g.module && name == g.name) {
      PickleValue* v = make(g.kind);
      v->text = module + "." + name;
      v->storage_dtype = g.dtype;
      push(v);
      return;
    }
  }
  fail(ErrorCode::kUnsupported, "global " + module + "." + name + " is not allowed (only OrderedDict, tensor rebuild functions and storage types)");
}

void Machine::op_persid() {
  PickleValue* pid = pop();
  if (pid->kind != PickleKind::kTuple || pid->items.size() != 5 || pid->items[0]->kind != PickleKind::kString ||
      pid->items[0]->text != "storage" || pid->items[1]->kind != PickleKind::kStorageType ||
      pid->items[2]->kind != PickleKind::kString || pid->items[4]->kind != PickleKind::kInt) {
    fail(ErrorCode::kBadFormat, "persistent id is not ('storage', <type>Storage, key, location, numel)");
  }
  if (pid->items[4]->integer < 0) fail(ErrorCode::kBadFormat, "storage with negative size " + std::to_string(pid->items[4]->integer));
  PickleValue* v = make(PickleKind::kStorage);
  v->storage.dtype = pid->items[1]->storage_dtype;
  v->storage.key = pid->items[2]->text;
  v->storage.numel = pid->items[4]->integer;
  push(v);
}

std::vector<int64_t> Machine::int_tuple(const PickleValue* v, const char* what) {
  if (v->kind != PickleKind::kTuple) fail(ErrorCode::kBadFormat, std::string(what) + " is a " + pickle_kind_name(v->kind) + ", expected a tuple");
  if (v->items.size() > limits_.max_tensor_dims) fail(ErrorCode::kOutOfRange, std::string(what) + " has " + std::to_string(v->items.size()) + " dims");
  std::vector<int64_t> out;
  for (const PickleValue* item : v->items) {
    if (item->kind != PickleKind::kInt) fail(ErrorCode::kBadFormat, std::string(what) + " holds a " + pickle_kind_name(item->kind));
    if (item->integer < 0) fail(ErrorCode::kBadFormat, std::string(what) + " holds the negative value " + std::to_string(item->integer));
    out.push_back(item->integer);
  }
  return out;
}

PickleValue* Machine::rebuild_tensor(const PickleValue& args) {
  // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  if (args.items.size() < 6 || args.items.size() > 7) fail(ErrorCode::kBadFormat, "_rebuild_tensor_v2 takes 6 or 7 arguments, got " + std::to_string(args.items.size()));
  const PickleValue* storage = args.items[0];
  if (storage->kind != PickleKind::kStorage) fail(ErrorCode::kBadFormat, std::string("_rebuild_tensor_v2 storage argument is a ") + pickle_kind_name(storage->kind));
  if (args.items[1]->kind != PickleKind::kInt || args.items[1]->integer < 0) fail(ErrorCode::kBadFormat, "_rebuild_tensor_v2 storage offset is not a non-negative int");
  PickleValue* t = make(PickleKind::kTensor);
  t->tensor.storage = storage->storage;
  t->tensor.storage_offset = args.items[1]->integer;
  t->tensor.shape = int_tuple(args.items[2], "tensor size");
  t->tensor.strides = int_tuple(args.items[3], "tensor stride");
  const auto& shape = t->tensor.shape;
  const auto& strides = t->tensor.strides;
  if (shape.size() != strides.size()) fail(ErrorCode::kBadFormat, "tensor size has " + std::to_string(shape.size()) + " dims but stride has " + std::to_string(strides.size()));
  // The view must fit in its storage: offset + sum((size-1)*stride) < numel, all overflow-checked.
  int64_t numel = 1;
  int64_t last = t->tensor.storage_offset;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t extent = 0;
    if (__builtin_mul_overflow(numel, shape[i], &numel) ||
        (shape[i] > 0 && (__builtin_mul_overflow(shape[i] - 1, strides[i], &extent) || __builtin_add_overflow(last, extent, &last)))) {
      fail(ErrorCode::kOutOfRange, "tensor size/stride overflow 64-bit arithmetic");
    }
  }
  if (numel > 0 && last >= storage->storage.numel) {
    fail(ErrorCode::kOutOfRange, "tensor view (offset " + std::to_string(t->tensor.storage_offset) + ", last element " + std::to_string(last) +
                                     ") does not fit in storage " + storage->storage.key + " of " + std::to_string(storage->storage.numel) + " elements");
  }
  return t;
}

void Machine::op_reduce() {
  PickleValue* args = pop();
  PickleValue* callable = pop();
  if (args->kind != PickleKind::kTuple) fail(ErrorCode::kBadFormat, std::string("REDUCE arguments are a ") + pickle_kind_name(args->kind));
  if (callable->kind != PickleKind::kGlobal) fail(ErrorCode::kUnsupported, std::string("REDUCE on a ") + pickle_kind_name(callable->kind) + " (only allowed globals are callable)");
  const std::string& fn = callable->text;
  if (fn == "collections.OrderedDict") {
    if (!args->items.empty()) fail(ErrorCode::kUnsupported, "OrderedDict called with arguments");
    push(make(PickleKind::kDict));
  } else if (fn == "torch._utils._rebuild_tensor_v2") {
    push(rebuild_tensor(*args));
  } else if (fn == "torch._utils._rebuild_parameter" || fn == "torch._utils._rebuild_parameter_with_state") {
    // (data, requires_grad, backward_hooks[, state]): a Parameter is its data tensor for inference.
    if (args->items.size() < 3 || args->items[0]->kind != PickleKind::kTensor) fail(ErrorCode::kBadFormat, fn + " without a tensor argument");
    push(const_cast<PickleValue*>(args->items[0]));  // arena-owned; tensors are never mutated
  } else {
    fail(ErrorCode::kUnsupported, "call of " + fn);
  }
}

}  // namespace

const PickleValue& Unpickler::load(std::span<const uint8_t> pickle, const std::string& label) {
  Machine machine(pickle, label, limits_, arena_);
  return machine.run();
}

}  // namespace fishtts::checkpoint
