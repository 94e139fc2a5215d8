#pragma once

// Checks HTTP responses against an OpenAPI 3.1 document (the gateway's /openapi.json), so the
// document cannot drift from the code: the operation must exist (path template and method), the
// status must be listed (or covered by `default`), the Content-Type must be one the response
// declares, a response without `content` must have no body, and a JSON body must match its
// schema.
//
// Schemas: the subset the document uses — type (a name or a list of names), properties,
// required, additionalProperties (boolean), items, enum and $ref to #/components/schemas/...;
// other keywords are ignored.

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace paymesh::testing {

class OpenApiDocument {
 public:
  // INVALID_ARGUMENT when `json` is not an OpenAPI object with paths.
  static absl::StatusOr<OpenApiDocument> Parse(std::string_view json);

  // OK, or FAILED_PRECONDITION saying how the response departs from the document. A 404 for a
  // path the document does not know, and a 405 for a method a known path lacks, are the
  // router's and pass.
  absl::Status Check(std::string_view method, std::string_view target, int status,
                     std::string_view content_type, std::string_view body) const;

  // `value` against `schema` (which may be a $ref); the first mismatch, named by its JSON path.
  absl::Status Validate(const boost::json::value& value, const boost::json::value& schema,
                        const std::string& where = "$") const;

 private:
  explicit OpenApiDocument(boost::json::object doc) : doc_(std::move(doc)) {}
  const boost::json::value& Resolve(const boost::json::value& schema) const;

  boost::json::object doc_;
};

}  // namespace paymesh::testing
