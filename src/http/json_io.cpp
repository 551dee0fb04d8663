#include "json_io.hpp"

namespace dsdn::http {

namespace {

/// Builds the DOM like json::parse(text, nullptr, false) but keeps the parser's message.
class capturing_sax {
 public:
  explicit capturing_sax(json& out) : dom_(out, false) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const json::string_t& s) {
    return dom_.number_float(v, s);
  }
  bool string(json::string_t& v) { return dom_.string(v); }
  bool binary(json::binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) { return dom_.start_object(n); }
  bool key(json::string_t& v) { return dom_.key(v); }
  bool end_object() { return dom_.end_object(); }
  bool start_array(std::size_t n) { return dom_.start_array(n); }
  bool end_array() { return dom_.end_array(); }
  template <class Exception>
  bool parse_error(std::size_t pos, const std::string& token, const Exception& ex) {
    message_ = ex.what();
    // "[json.exception.parse_error.101] parse error at ..." -> "parse error at ..."
    if (auto close = message_.find("] "); close != std::string::npos)
      message_.erase(0, close + 2);
    return dom_.parse_error(pos, token, ex);
  }

  const std::string& message() const { return message_; }

 private:
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::string message_;
};

const char* type_name(const json& j) {
  if (j.is_number())
    return "number";
  return j.type_name();
}

std::string missing_field(const char* key) {
  return std::string("missing field '") + key + "'";
}

std::string invalid_type(const char* key, const char* expected, const json& v) {
  return std::string("invalid type: '") + key + "' must be " + expected + ", got " + type_name(v);
}

}  // namespace

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void send_json(const call& c, unsigned status, const json& body) {
  reply r;
  r.status = status;
  r.body = dump(body);
  c.send(std::move(r));
}

void send_failure(const call& c, unsigned status, const std::string& message,
                  const std::string& field, const json& extra) {
  json body = json::object();
  body["error"] = message;
  if (!field.empty())
    body["field"] = field;
  if (extra.is_object())
    for (auto it = extra.begin(); it != extra.end(); ++it)
      body[it.key()] = it.value();
  send_json(c, status, body);
}

void send_input_error(const call& c, const input_error& e, const json& extra) {
  send_failure(c, e.status, e.message, e.field, extra);
}

json_body::json_body(const std::string& text) {
  capturing_sax sax(doc_);
  bool parsed = json::sax_parse(text, &sax, json::input_format_t::json, true, false);
  if (!parsed || doc_.is_discarded()) {
    error_ = input_error{400, "", "malformed JSON: " + sax.message()};
    return;
  }
  if (!doc_.is_object())
    error_ =
        input_error{422, "", std::string("the body must be a JSON object, got ") + type_name(doc_)};
}

const json* json_body::find(const char* key) const {
  auto it = doc_.find(key);
  if (it == doc_.end() || it->is_null())
    return nullptr;
  return &*it;
}

bool json_body::has(const char* key) const {
  return ok() && find(key) != nullptr;
}

bool json_body::fail(unsigned status, const char* key, std::string message) {
  if (!error_)
    error_ = input_error{status, key, std::move(message)};
  return false;
}

bool json_body::read_string(const char* key, std::string& out) {
  if (!ok())
    return false;
  const json* v = find(key);
  if (!v)
    return fail(422, key, missing_field(key));
  if (!v->is_string())
    return fail(422, key, invalid_type(key, "a string", *v));
  out = v->get_ref<const std::string&>();
  return true;
}

bool json_body::read_u64(const char* key, uint64_t& out, bool required) {
  if (!ok())
    return false;
  const json* v = find(key);
  if (!v)  // missing or null: an error only when required
    return required ? fail(422, key, missing_field(key)) : true;
  if (v->is_number_unsigned()) {
    out = v->get<uint64_t>();
    return true;
  }
  if (v->is_number())
    // Negative, fractional, or beyond u64 (nlohmann parses those as floating point).
    return fail(422, key,
                std::string("invalid value: '") + key +
                    "' must be an unsigned 64-bit integer, got " + dump(*v));
  return fail(422, key, invalid_type(key, "an unsigned integer", *v));
}

bool json_body::read_f64(const char* key, double& out, bool required) {
  if (!ok())
    return false;
  const json* v = find(key);
  if (!v)  // missing or null: an error only when required
    return required ? fail(422, key, missing_field(key)) : true;
  if (!v->is_number())
    return fail(422, key, invalid_type(key, "a number", *v));
  out = v->get<double>();
  return true;
}

bool json_body::read_opt_f64(const char* key, std::optional<double>& out) {
  double value = 0;
  if (!ok())
    return false;
  if (!find(key)) {
    out.reset();
    return true;
  }
  if (!read_f64(key, value, true))
    return false;
  out = value;
  return true;
}

}  // namespace dsdn::http
