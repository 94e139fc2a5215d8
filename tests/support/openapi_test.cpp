#include "tests/support/openapi.h"

#include <gtest/gtest.h>

namespace paymesh::testing {
namespace {

constexpr char kDocument[] = R"({
  "openapi": "3.1.0",
  "paths": {
    "/api/v1/orders/{id}": {
      "get": {"responses": {
        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}},
        "default": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}
    },
    "/api/v1/orders/{id}/pay": {
      "post": {"responses": {"204": {"description": "paid"}}}
    },
    "/api/v1/orders/latest": {
      "get": {"responses": {"200": {"content": {"text/html": {"schema": {"type": "string"}}}}}}
    }
  },
  "components": {"schemas": {
    "Order": {"type": "object", "additionalProperties": false, "required": ["id", "state", "items"],
      "properties": {
        "id": {"type": "string"},
        "state": {"type": "string", "enum": ["PAID", "PAYING"]},
        "paid_at": {"type": ["string", "null"]},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}},
    "Item": {"type": "object", "required": ["quantity"], "properties": {"quantity": {"type": "integer"}}},
    "Error": {"type": "object", "required": ["error"]}
  }}
})";

class OpenApiTest : public ::testing::Test {
 protected:
  absl::Status Check(const char* method, const char* target, int status, const char* type,
                     const char* body) {
    return doc_->Check(method, target, status, type, body);
  }
  absl::StatusOr<OpenApiDocument> doc_ = OpenApiDocument::Parse(kDocument);
};

TEST_F(OpenApiTest, AcceptsWhatTheDocumentDescribes) {
  ASSERT_TRUE(doc_.ok()) << doc_.status();
  EXPECT_TRUE(Check("GET", "/api/v1/orders/7?x=1", 200, "application/json; charset=utf-8",
                    R"({"id":"7","state":"PAID","paid_at":null,"items":[{"quantity":2,"x":1}]})")
                  .ok());
  EXPECT_TRUE(Check("GET", "/api/v1/orders/7", 404, "application/json", R"({"error":{}})").ok());
  EXPECT_TRUE(Check("POST", "/api/v1/orders/7/pay", 204, "", "").ok());
  // A literal path wins over a template.
  EXPECT_TRUE(Check("GET", "/api/v1/orders/latest", 200, "text/html", "<html></html>").ok());
  // The router's own answers.
  EXPECT_TRUE(Check("GET", "/nowhere", 404, "application/json", "{}").ok());
  EXPECT_TRUE(Check("DELETE", "/api/v1/orders/7", 405, "application/json", "{}").ok());
}

TEST_F(OpenApiTest, NamesEachWayAResponseDeparts) {
  ASSERT_TRUE(doc_.ok()) << doc_.status();
  const std::pair<absl::Status, const char*> cases[] = {
      {Check("GET", "/nowhere", 200, "application/json", "{}"), "not in the document"},
      {Check("PUT", "/api/v1/orders/7", 200, "application/json", "{}"), "no such operation"},
      {Check("POST", "/api/v1/orders/7/pay", 200, "", ""), "does not list"},
      {Check("POST", "/api/v1/orders/7/pay", 204, "text/plain", "x"), "has not"},
      {Check("GET", "/api/v1/orders/7", 200, "text/html", "<p>"), "media type"},
      {Check("GET", "/api/v1/orders/7", 200, "application/json", "{"), "invalid JSON"},
      {Check("GET", "/api/v1/orders/7", 200, "application/json", R"({"id":"7","state":"PAID"})"),
       "lacks required field 'items'"},
      {Check("GET", "/api/v1/orders/7", 200, "application/json",
             R"({"id":7,"state":"PAID","items":[]})"),
       "$.id is 7, not of type"},
      {Check("GET", "/api/v1/orders/7", 200, "application/json",
             R"({"id":"7","state":"LOST","items":[]})"),
       "is not one of"},
      {Check("GET", "/api/v1/orders/7", 200, "application/json",
             R"({"id":"7","state":"PAID","items":[],"secret":1})"),
       "undocumented field 'secret'"},
      {Check("GET", "/api/v1/orders/7", 200, "application/json",
             R"({"id":"7","state":"PAID","items":[{"quantity":1.5}]})"),
       "$.items[0].quantity"},
      {Check("GET", "/api/v1/orders/7", 200, "application/json",
             R"({"id":"7","state":"PAID","paid_at":1,"items":[]})"),
       "$.paid_at"},
      {Check("GET", "/api/v1/orders/7", 500, "application/json", R"({"oops":1})"),
       "lacks required field 'error'"},
  };
  for (const auto& [status, expected] : cases) {
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << expected;
    EXPECT_NE(std::string(status.message()).find(expected), std::string::npos)
        << status.message() << " — wanted: " << expected;
  }
}

}  // namespace
}  // namespace paymesh::testing
