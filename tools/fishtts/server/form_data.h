// multipart/form-data bodies (RFC 7578) split into named parts by Poco's MultipartReader.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fishtts::server {

struct FormPart {
  std::string name;
  std::string content;
  std::string filename;  // non-empty for file uploads
};

// More parts in one body is a 400 (real requests have a handful).
inline constexpr std::size_t kMaxFormParts = 64;

// Throws HttpError(400) naming the problem: no boundary, a malformed part, a part without a name, too many parts.
std::vector<FormPart> parse_form_data(std::string_view content_type, std::string_view body);

}  // namespace fishtts::server
