// Files compiled into the binary (cmake/EmbedFiles.cmake turns them into byte arrays at build time).
#pragma once

#include <span>
#include <string_view>

namespace fishtts::server {

struct EmbeddedFile {
  std::string_view name;   // the file's base name, e.g. "index.html"
  std::string_view bytes;
};

// The web page's files, from tools/fishtts/server/web/.
std::span<const EmbeddedFile> web_files();

}  // namespace fishtts::server
