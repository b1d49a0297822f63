#include "pipeline/natural_order.h"

namespace fishtts::pipeline {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view digit_run(std::string_view s, std::size_t& pos) {
  const std::size_t begin = pos;
  while (pos < s.size() && is_digit(s[pos])) ++pos;
  return s.substr(begin, pos - begin);
}

// -1, 0, 1 comparing two digit runs by value, then by length (fewer leading zeros first).
int compare_numbers(std::string_view x, std::string_view y) {
  const std::size_t xz = x.find_first_not_of('0');
  const std::size_t yz = y.find_first_not_of('0');
  const std::string_view xs = xz == std::string_view::npos ? std::string_view() : x.substr(xz);
  const std::string_view ys = yz == std::string_view::npos ? std::string_view() : y.substr(yz);
  if (xs.size() != ys.size()) return xs.size() < ys.size() ? -1 : 1;
  if (const int c = xs.compare(ys); c != 0) return c < 0 ? -1 : 1;
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  return 0;
}

}  // namespace

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      const int c = compare_numbers(digit_run(a, i), digit_run(b, j));
      if (c != 0) return c < 0;
      continue;
    }
    const unsigned char ca = static_cast<unsigned char>(a[i]), cb = static_cast<unsigned char>(b[j]);
    if (ca != cb) return ca < cb;
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

}  // namespace fishtts::pipeline
