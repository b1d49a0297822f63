#include "form_data.h"

#include <istream>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/Net/MediaType.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NameValueCollection.h>

#include "http_error.h"

namespace fishtts::server {
namespace {

// Header fields allowed in one part (Content-Disposition and Content-Type are all a form sends).
constexpr int kMaxPartHeaderFields = 16;

}  // namespace

std::vector<FormPart> parse_form_data(std::string_view content_type, std::string_view body) {
  std::string boundary;
  try {
    boundary = Poco::Net::MediaType(std::string(content_type)).getParameter("boundary");
  } catch (const Poco::Exception&) {
    throw HttpError(400, "multipart/form-data without a boundary parameter in its Content-Type");
  }
  if (boundary.empty() || boundary.size() > 200) throw HttpError(400, "multipart/form-data: bad boundary");

  std::vector<FormPart> parts;
  std::istringstream in{std::string(body)};
  try {
    Poco::Net::MultipartReader reader(in, boundary);
    while (reader.hasNextPart()) {
      if (parts.size() == kMaxFormParts) {
        throw HttpError(400, "multipart/form-data: more than " + std::to_string(kMaxFormParts) + " parts");
      }
      Poco::Net::MessageHeader header;
      header.setFieldLimit(kMaxPartHeaderFields);
      reader.nextPart(header);
      std::string disposition;
      Poco::Net::NameValueCollection params;
      Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition, params);
      FormPart part;
      part.name = params.get("name", "");
      part.filename = params.get("filename", "");
      if (part.name.empty()) throw HttpError(400, "multipart/form-data: a part has no name in its Content-Disposition");
      std::ostringstream content;
      content << reader.stream().rdbuf();
      part.content = std::move(content).str();
      parts.push_back(std::move(part));
    }
  } catch (const Poco::Exception& e) {
    throw HttpError(400, "malformed multipart/form-data body: " + e.message().substr(0, 200));
  }
  return parts;
}

}  // namespace fishtts::server
