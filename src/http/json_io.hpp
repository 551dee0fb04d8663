#pragma once
// JSON in and out without exceptions: request bodies are parsed with nlohmann's non-throwing
// parser and read field by field with type checks; responses are dumped with invalid UTF-8
// replaced (plain dump() would throw).
//
// Status rules (specs/README.md "Where we differ", item 2): syntactically invalid JSON -> 400;
// valid JSON of the wrong shape (not an object, missing field, wrong type, negative or
// fractional or beyond-u64 number for an unsigned field) -> 422. Unknown fields are ignored.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "call.hpp"

namespace dsdn::http {

using json = nlohmann::json;

/// Serializes without throwing (invalid UTF-8 becomes U+FFFD).
std::string dump(const json& j);

/// Sends `body` as application/json with `status`.
void send_json(const call& c, unsigned status, const json& body);

/// Sends {"error": message} plus "field" when non-empty, plus the keys of `extra` (an object).
void send_failure(const call& c, unsigned status, const std::string& message,
                  const std::string& field = {}, const json& extra = json::object());

/// Why a request's input was refused.
struct input_error {
  unsigned status = 400;
  std::string field;
  std::string message;
};

/// Sends an input error (with the keys of `extra`).
void send_input_error(const call& c, const input_error& e, const json& extra = json::object());

/// A request body parsed as a JSON object; field readers record the first error.
class json_body {
 public:
  /// Parses `text`: malformed -> 400, anything but an object -> 422.
  explicit json_body(const std::string& text);

  /// The first error, if any.
  const std::optional<input_error>& error() const { return error_; }
  /// True while no error was recorded.
  bool ok() const { return !error_; }

  /// True when `key` is present and not null.
  bool has(const char* key) const;
  /// A required string.
  bool read_string(const char* key, std::string& out);
  /// An unsigned 64-bit integer; missing or null leaves `out` unchanged unless `required`.
  bool read_u64(const char* key, uint64_t& out, bool required);
  /// A number (integers accepted); missing or null leaves `out` unchanged unless `required`.
  bool read_f64(const char* key, double& out, bool required);
  /// An optional, nullable number: missing or null gives nullopt.
  bool read_opt_f64(const char* key, std::optional<double>& out);

 private:
  bool fail(unsigned status, const char* key, std::string message);
  const json* find(const char* key) const;

  json doc_;
  std::optional<input_error> error_;
};

}  // namespace dsdn::http
