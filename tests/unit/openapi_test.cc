// The OpenAPI description (api/openapi.json) against the engine: the binary
// serves the repository's file, every route of the route table is described
// with its parameters, token and roles and nothing else is, and every field of
// the protobuf messages the routes answer is in its component schema, typed as
// the protobuf JSON mapping and disclosure control (http/disclosure.h) print
// it. Adding a route, a parameter or a field without describing it fails here.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api_fixture.h"
#include "http/api.h"
#include "http/disclosure.h"
#include "http/routes.h"
#include "ketenflow/v1/api.pb.h"
#include "ketenflow/v1/path.pb.h"

namespace ketenflow::http {
namespace {

namespace fs = std::filesystem;
namespace pb = google::protobuf;
using nlohmann::json;

std::string source_dir() {
  if (const char* env = std::getenv("KETENFLOW_SOURCE_DIR"); env && *env) return env;
  return (fs::path(__FILE__).parent_path() / ".." / "..").lexically_normal().string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string& document_text() {
  static const std::string text = read_file(source_dir() + "/api/openapi.json");
  return text;
}

const json& document() {
  static const json doc = json::parse(document_text(), nullptr, false);
  return doc;
}

// The object a local "$ref" ("#/components/...") points at, or the value itself.
const json& resolve(const json& value) {
  if (!value.is_object() || !value.contains("$ref")) return value;
  const std::string ref = value["$ref"];
  EXPECT_TRUE(ref.starts_with("#/")) << ref;
  return document().at(json::json_pointer(ref.substr(1)));
}

std::set<std::string> names_of(const std::vector<std::string>& list) {
  return {list.begin(), list.end()};
}

TEST(OpenApi, TheServedDocumentIsTheRepositoryFile) {
  ASSERT_FALSE(document().is_discarded()) << "api/openapi.json is not JSON";
  EXPECT_EQ(document().at("openapi"), "3.1.0");
  std::map<std::string, std::string> segments;
  const Route* route = match_route("/v1/openapi.json", segments);
  ASSERT_NE(route, nullptr);
  EXPECT_FALSE(route->needs_token);
  const ketenflow::testing::ApiFixture fixture;
  ASSERT_TRUE(fixture.ok());
  ApiRequest request;
  request.route = route->pattern;
  const ApiReply reply = route->handler(fixture.context(), request);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "application/json");
  EXPECT_EQ(reply.body.size(), document_text().size());
  EXPECT_TRUE(reply.body == document_text()) << "the binary serves another api/openapi.json";
  EXPECT_EQ(json::parse(reply.body, nullptr, false), document());
}

TEST(OpenApi, EveryRouteIsDescribedWithItsParametersTokenAndRoles) {
  const json& paths = document().at("paths");
  std::set<std::string> described;
  for (const auto& [path, item] : paths.items()) described.insert(path);
  std::set<std::string> routed;
  for (const Route& route : routes()) routed.insert(route.pattern);
  EXPECT_EQ(described, routed);

  for (const Route& route : routes()) {
    SCOPED_TRACE(route.pattern);
    if (!paths.contains(route.pattern)) continue;
    const json& item = paths[route.pattern];
    // Every route answers GET, except the gateway's POST /v1/events.
    const char* method = route.post ? "post" : "get";
    ASSERT_TRUE(item.contains(method));
    EXPECT_EQ(item.size(), item.contains("parameters") ? 2u : 1u)
        << "only " << method << " is served";
    const json& get = item[method];
    std::set<std::string> query, path;
    for (const json* list : {&item, &get}) {
      for (const json& p : list->value("parameters", json::array())) {
        const json& param = resolve(p);
        (param.at("in") == "query" ? query : path).insert(param.at("name").get<std::string>());
        if (param.at("in") == "path") {
          EXPECT_EQ(param.value("required", false), true);
        }
      }
    }
    EXPECT_EQ(query, names_of(route.params));
    // The {name} segments of the pattern (no <regex>: GCC 12 under ASan warns
    // inside it with -Wmaybe-uninitialized).
    std::set<std::string> segments;
    for (size_t open = route.pattern.find('{'); open != std::string::npos;
         open = route.pattern.find('{', open + 1)) {
      const size_t close = route.pattern.find('}', open);
      if (close != std::string::npos)
        segments.insert(route.pattern.substr(open + 1, close - open - 1));
    }
    EXPECT_EQ(path, segments);

    // A token route names the bearer scheme and its roles; 401 and 403 as
    // the server gives them (server.cc).
    const json& security = get.at("security");
    EXPECT_EQ(!security.empty(), route.needs_token);
    const json& responses = get.at("responses");
    EXPECT_EQ(responses.contains("401"), route.needs_token);
    EXPECT_EQ(responses.contains("403"), !route.roles.empty());
    for (const char* always : {"200", "400", "413", "503"}) {
      EXPECT_TRUE(responses.contains(always)) << always;
    }
    if (route.needs_token) {
      EXPECT_EQ(security, json::parse(R"([{"bearer": []}])"));
      std::set<std::string> roles;
      for (Role role : route.roles) roles.insert(std::string(role_name(role)));
      // Without roles: every reading role (publishers only send events).
      if (roles.empty()) roles = {"analyst", "operator", "admin"};
      for (const char* role : {"analyst", "operator", "admin", "publisher"}) {
        EXPECT_EQ(allowed(route, *parse_role(role)), roles.count(role) == 1) << role;
      }
      EXPECT_EQ(get.at("x-ketenflow-roles").get<std::set<std::string>>(), roles);
    } else {
      EXPECT_FALSE(get.contains("x-ketenflow-roles"));
    }
    // Routes of one chain say what an unknown chain gets.
    if (segments.count("id")) {
      EXPECT_TRUE(responses.contains("404"));
    }
  }
}

// The schema a field of `message` must have in the protobuf JSON mapping.
void expect_field_schema(const pb::FieldDescriptor& field, const json& property,
                         const std::map<std::string, std::string>& component_of) {
  SCOPED_TRACE(field.full_name());
  json schema = property;
  if (field.is_map()) {
    EXPECT_EQ(schema.value("type", ""), "object");
    EXPECT_EQ(schema.value("additionalProperties", json()), json::parse(R"({"type": "string"})"));
    return;
  }
  if (field.is_repeated()) {
    ASSERT_EQ(schema.value("type", ""), "array");
    schema = schema.at("items");
  }
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
      auto it = component_of.find(field.message_type()->full_name());
      const std::string want = it != component_of.end() ? it->second : "";
      EXPECT_FALSE(want.empty()) << "no component schema for " << field.message_type()->full_name();
      EXPECT_EQ(schema.value("$ref", ""), "#/components/schemas/" + want);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      std::vector<std::string> values;
      for (int i = 0; i < field.enum_type()->value_count(); ++i) {
        values.push_back(field.enum_type()->value(i)->name());
      }
      EXPECT_EQ(schema.value("type", ""), "string");
      EXPECT_EQ(schema.value("enum", json()), json(values));
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      // Disclosure turns these counts into "<k" or "x" for analysts.
      if (is_count_key(field.json_name())) {
        EXPECT_EQ(schema.value("$ref", ""), "#/components/schemas/Count");
      } else {
        EXPECT_EQ(schema.value("type", ""), "integer");
        EXPECT_EQ(schema.value("minimum", -1), 0);
      }
      break;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      EXPECT_EQ(schema.value("type", ""), "number");
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      EXPECT_EQ(schema.value("type", ""), "boolean");
      break;
    case pb::FieldDescriptor::CPPTYPE_STRING:
      EXPECT_EQ(schema.value("type", ""), "string");
      break;
    default:
      ADD_FAILURE() << "a field type the description does not cover: " << field.cpp_type_name();
  }
}

TEST(OpenApi, EveryFieldOfEveryAnsweredMessageIsInItsSchema) {
  // Linked in by these references, so that the generated pool knows them.
  ASSERT_NE(v1::ApiError::descriptor(), nullptr);
  ASSERT_NE(v1::ClientPath::descriptor(), nullptr);
  const json& schemas = document().at("components").at("schemas");
  std::map<std::string, std::string> component_of = {{"google.protobuf.Timestamp", "Timestamp"}};
  for (const auto& [name, schema] : schemas.items()) {
    if (schema.contains("x-protobuf-message")) component_of[schema["x-protobuf-message"]] = name;
  }
  // Every message a route answers with, and the ones they hold.
  std::set<std::string> answered;
  for (const auto& [path, item] : document().at("paths").items()) {
    const json& ok =
        resolve(item.at(item.contains("post") ? "post" : "get").at("responses").at("200"));
    const json& content = ok.at("content");
    if (!content.contains("application/json")) continue;
    const json& schema = content["application/json"].at("schema");
    if (schema.contains("$ref")) answered.insert(resolve(schema).value("x-protobuf-message", ""));
  }
  for (const char* message :
       {"ketenflow.v1.Identity", "ketenflow.v1.ChainList", "ketenflow.v1.Chain",
        "ketenflow.v1.KpiReport", "ketenflow.v1.FlowReport", "ketenflow.v1.GoalTree",
        "ketenflow.v1.StuckList", "ketenflow.v1.ClientPath", "ketenflow.v1.EventResults"}) {
    EXPECT_TRUE(answered.count(message)) << message << " is no route's answer";
  }
  answered.insert("ketenflow.v1.ApiError");
  std::set<std::string> seen;
  std::vector<const pb::Descriptor*> todo;
  for (const std::string& name : answered) {
    const pb::Descriptor* d = pb::DescriptorPool::generated_pool()->FindMessageTypeByName(name);
    ASSERT_NE(d, nullptr) << name;
    todo.push_back(d);
  }
  while (!todo.empty()) {
    const pb::Descriptor* message = todo.back();
    todo.pop_back();
    if (!seen.insert(message->full_name()).second) continue;
    if (message->full_name() == "google.protobuf.Timestamp") continue;
    SCOPED_TRACE(message->full_name());
    auto it = component_of.find(message->full_name());
    ASSERT_NE(it, component_of.end()) << "no component schema names " << message->full_name();
    const json& schema = schemas.at(it->second);
    EXPECT_EQ(schema.value("type", ""), "object");
    EXPECT_EQ(schema.value("additionalProperties", true), false);
    const json& properties = schema.at("properties");
    std::set<std::string> fields;
    for (int i = 0; i < message->field_count(); ++i) {
      const pb::FieldDescriptor& field = *message->field(i);
      fields.insert(field.json_name());
      if (!properties.contains(field.json_name())) {
        ADD_FAILURE() << field.full_name() << " is not in schema " << it->second << " as "
                      << field.json_name();
        continue;
      }
      expect_field_schema(field, properties[field.json_name()], component_of);
      if (field.message_type() != nullptr && !field.is_map()) todo.push_back(field.message_type());
    }
    std::set<std::string> described;
    for (const auto& [key, value] : properties.items()) described.insert(key);
    EXPECT_EQ(described, fields) << "schema " << it->second;
  }
  // Every component naming a message is one of them (no stale schemas).
  for (const auto& [message, component] : component_of) {
    EXPECT_TRUE(seen.count(message)) << component << " (" << message << ") is answered by no route";
  }
}

}  // namespace
}  // namespace ketenflow::http
