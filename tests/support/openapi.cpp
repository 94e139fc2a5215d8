#include "tests/support/openapi.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace paymesh::testing {
namespace {

namespace json = boost::json;

absl::Status Departs(const std::string& what) { return absl::FailedPreconditionError(what); }

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    if (slash != 0) out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// How well `path` fits the template: -1 no fit, else the number of literal segments.
int Fit(std::string_view templ, std::string_view path) {
  const std::vector<std::string_view> t = Segments(templ), p = Segments(path);
  if (t.size() != p.size()) return -1;
  int literal = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].size() > 2 && t[i].front() == '{' && t[i].back() == '}') continue;
    if (t[i] != p[i]) return -1;
    ++literal;
  }
  return literal;
}

std::string MediaType(std::string_view content_type) {
  std::string media(content_type.substr(0, content_type.find(';')));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  std::transform(media.begin(), media.end(), media.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return media;
}

bool HasType(const json::value& v, std::string_view type) {
  if (type == "null") return v.is_null();
  if (type == "boolean") return v.is_bool();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_int64() || v.is_uint64();
  if (type == "number") return v.is_number();
  return false;
}

}  // namespace

absl::StatusOr<OpenApiDocument> OpenApiDocument::Parse(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object() || !v.as_object().contains("paths") || !v.at("paths").is_object()) {
    return absl::InvalidArgumentError("not an OpenAPI document with paths");
  }
  return OpenApiDocument(std::move(v.as_object()));
}

const json::value& OpenApiDocument::Resolve(const json::value& schema) const {
  static const json::value kAnything = json::object{};
  const json::object* o = schema.if_object();
  const json::value* ref = o == nullptr ? nullptr : o->if_contains("$ref");
  if (ref == nullptr || !ref->is_string()) return schema;
  constexpr std::string_view kPrefix = "#/components/schemas/";
  const std::string_view name(ref->as_string());
  if (name.substr(0, kPrefix.size()) != kPrefix) return kAnything;
  const json::value* found = nullptr;
  if (const json::value* c = doc_.if_contains("components"); c && c->is_object()) {
    if (const json::value* s = c->as_object().if_contains("schemas"); s && s->is_object()) {
      found = s->as_object().if_contains(name.substr(kPrefix.size()));
    }
  }
  return found == nullptr ? kAnything : Resolve(*found);
}

absl::Status OpenApiDocument::Validate(const json::value& value, const json::value& raw,
                                       const std::string& where) const {
  const json::value& schema = Resolve(raw);
  const json::object* s = schema.if_object();
  if (s == nullptr) return absl::OkStatus();
  if (const json::value* type = s->if_contains("type")) {
    bool ok = false;
    if (type->is_string()) {
      ok = HasType(value, type->as_string());
    } else if (type->is_array()) {
      for (const json::value& t : type->as_array())
        ok = ok || (t.is_string() && HasType(value, t.as_string()));
    }
    if (!ok)
      return Departs(where + " is " + json::serialize(value).substr(0, 80) + ", not of type " +
                     json::serialize(*type));
  }
  if (const json::value* e = s->if_contains("enum"); e && e->is_array()) {
    const json::array& allowed = e->as_array();
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      return Departs(where + " = " + json::serialize(value) + " is not one of " +
                     json::serialize(*e));
    }
  }
  if (const json::object* o = value.if_object()) {
    const json::object* props = nullptr;
    if (const json::value* p = s->if_contains("properties")) props = p->if_object();
    if (const json::value* r = s->if_contains("required"); r && r->is_array()) {
      for (const json::value& name : r->as_array()) {
        if (name.is_string() && !o->contains(name.as_string())) {
          return Departs(where + " lacks required field '" + std::string(name.as_string()) + "'");
        }
      }
    }
    const json::value* extra = s->if_contains("additionalProperties");
    for (const auto& [key, field] : *o) {
      const json::value* sub = props == nullptr ? nullptr : props->if_contains(key);
      if (sub != nullptr) {
        if (absl::Status st = Validate(field, *sub, where + "." + std::string(key)); !st.ok()) {
          return st;
        }
      } else if (extra != nullptr && extra->is_bool() && !extra->as_bool()) {
        return Departs(where + " has undocumented field '" + std::string(key) + "'");
      }
    }
  }
  if (const json::array* a = value.if_array()) {
    if (const json::value* items = s->if_contains("items")) {
      for (size_t i = 0; i < a->size(); ++i) {
        if (absl::Status st = Validate((*a)[i], *items, where + "[" + std::to_string(i) + "]");
            !st.ok()) {
          return st;
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status OpenApiDocument::Check(std::string_view method, std::string_view target, int status,
                                    std::string_view content_type, std::string_view body) const {
  const std::string_view path = target.substr(0, target.find('?'));
  const json::object* item = nullptr;
  std::string templ;
  int best = -1;
  for (const auto& [key, value] : doc_.at("paths").as_object()) {
    const int fit = Fit(key, path);
    if (fit > best && value.is_object()) {
      best = fit;
      item = &value.as_object();
      templ = std::string(key);
    }
  }
  const std::string op_name = std::string(method) + " " + std::string(path);
  if (item == nullptr) {
    if (status == 404) return absl::OkStatus();
    return Departs(op_name + " answered " + std::to_string(status) + " but is not in the document");
  }
  std::string lower(method);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const json::value* op = item->if_contains(lower);
  if (op == nullptr || !op->is_object()) {
    if (status == 405) return absl::OkStatus();
    return Departs(op_name + " (" + templ + ") answered " + std::to_string(status) +
                   " but the document has no such operation");
  }
  const json::object* responses = nullptr;
  if (const json::value* r = op->as_object().if_contains("responses")) responses = r->if_object();
  const json::value* response = nullptr;
  if (responses != nullptr) {
    response = responses->if_contains(std::to_string(status));
    if (response == nullptr) response = responses->if_contains("default");
  }
  if (response == nullptr || !response->is_object()) {
    return Departs(op_name + " answered " + std::to_string(status) + ", a status " + templ +
                   " does not list");
  }
  const json::value* content = response->as_object().if_contains("content");
  if (content == nullptr || !content->is_object() || content->as_object().empty()) {
    if (!body.empty()) {
      return Departs(op_name + " answered " + std::to_string(status) +
                     " with a body the document says it has not");
    }
    return absl::OkStatus();
  }
  const std::string media = MediaType(content_type);
  const json::value* declared = content->as_object().if_contains(media);
  if (declared == nullptr) {
    return Departs(
        op_name + " answered " + std::to_string(status) + " as '" + media +
        "', not a media type the document declares: " + json::serialize(*content).substr(0, 120));
  }
  if (media != "application/json") return absl::OkStatus();
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec) return Departs(op_name + " answered " + std::to_string(status) + " with invalid JSON");
  const json::value* schema =
      declared->is_object() ? declared->as_object().if_contains("schema") : nullptr;
  if (schema == nullptr) return absl::OkStatus();
  if (absl::Status st = Validate(parsed, *schema); !st.ok()) {
    return Departs(op_name + " " + std::to_string(status) + ": " + std::string(st.message()));
  }
  return absl::OkStatus();
}

}  // namespace paymesh::testing
