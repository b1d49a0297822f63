// /v1/references/add | list | delete | update over the reference store the CLI shares (spec 6, 7). Answers are
// msgpack unless JSON is selected (upstream's wants_json rule); errors always use the JSON envelope.
#include <algorithm>
#include <cctype>

#include "body_fields.h"
#include "http_error.h"
#include "request_body.h"
#include "server_context.h"

namespace fishtts::server {
namespace {

std::string trimmed_lower(std::string s) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), space));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), space).base(), s.end());
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Spec 7: ?format decides alone when it names a format ("json" selects JSON as in S1, "application/json" as at
// upstream's HEAD); otherwise JSON iff
// Accept has application/json and not application/msgpack.
bool wants_json(const HttpRequest& req) {
  const std::string format = trimmed_lower(req.param("format"));
  if (format == "json" || format == "application/json" || format == "msgpack" || format == "application/msgpack") {
    return format == "json" || format == "application/json";
  }
  const std::string accept = req.header("Accept");
  return accept.find("application/json") != std::string::npos && accept.find("application/msgpack") == std::string::npos;
}

void send_answer(const HttpRequest& req, HttpResponse& res, const nlohmann::json& value) {
  if (wants_json(req)) {
    send_json(res, value);
  } else {
    const std::vector<std::uint8_t> bytes = nlohmann::json::to_msgpack(value);
    res.set_content(std::string(bytes.begin(), bytes.end()), "application/msgpack");
  }
}

std::string non_empty_string(const BodyFields& f, const std::string& name) {
  std::optional<std::string> s;
  try {
    s = f.optional_string(name);
  } catch (const HttpError& e) {
    throw HttpError(400, e.what());
  }
  if (!s || s->empty()) throw HttpError(400, "field '" + name + "': required and must not be empty");
  return *s;
}

// A field from the body when there is one, else from the query string (DELETE bodies are often dropped).
std::string id_field(const HttpRequest& req, const std::string& name) {
  if (req.body.empty()) {
    const std::string v = req.param(name);
    if (v.empty()) throw HttpError(400, "field '" + name + "': required and must not be empty");
    return v;
  }
  return non_empty_string(BodyFields(read_body(req)), name);
}

}  // namespace

void add_reference_routes(ServerContext& ctx) {
  ctx.router.post("/v1/references/add", guarded([&ctx](const HttpRequest& req, HttpResponse& res) {
    const RequestBody body = read_body(req);
    const BodyFields f(body);
    const std::string id = non_empty_string(f, "id");
    const std::string text = non_empty_string(f, "text");
    const nlohmann::json* audio = f.find("audio");
    if (!audio) throw HttpError(400, "field 'audio': required");
    std::vector<std::uint8_t> bytes;
    try {
      bytes = bytes_of(*audio, "field 'audio'");
    } catch (const HttpError& e) {
      throw HttpError(400, e.what());
    }
    if (bytes.empty()) throw HttpError(400, "field 'audio': empty");
    if (ctx.references.list().size() >= ctx.options.max_references && !ctx.references.contains(id)) {
      throw HttpError(507, "the server already stores " + std::to_string(ctx.options.max_references) +
                               " reference voices, its limit (--max-references): delete one first");
    }
    ctx.references.add(id, bytes, text);
    res.status = 200;
    send_answer(req, res, {{"success", true}, {"message", "reference added"}, {"reference_id", id}});
  }));

  ctx.router.get("/v1/references/list", guarded([&ctx](const HttpRequest& req, HttpResponse& res) {
    send_answer(req, res, {{"success", true}, {"reference_ids", ctx.references.list()}, {"message", "ok"}});
  }));

  ctx.router.del("/v1/references/delete", guarded([&ctx](const HttpRequest& req, HttpResponse& res) {
    const std::string id = id_field(req, "reference_id");
    ctx.references.remove(id);
    send_answer(req, res, {{"success", true}, {"message", "reference deleted"}, {"reference_id", id}});
  }));

  ctx.router.post("/v1/references/update", guarded([&ctx](const HttpRequest& req, HttpResponse& res) {
    const RequestBody body = read_body(req);
    const BodyFields f(body);
    const std::string old_id = non_empty_string(f, "old_reference_id");
    const std::string new_id = non_empty_string(f, "new_reference_id");
    ctx.references.rename(old_id, new_id);
    send_answer(req, res, {{"success", true}, {"message", "reference renamed"}, {"old_reference_id", old_id},
                           {"new_reference_id", new_id}});
  }));
}

}  // namespace fishtts::server
