// Param decoding for the DA node (see da_node_params.hpp).

#include "da_node_params.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

namespace dsdn::http::dn {

namespace {

constexpr const char* blobs_type = "*[]*blob.Blob";
constexpr const char* submit_method = "blob.Submit";

rpc_failure parse_failure(const param_site& at, const std::string& reason) {
  return rpc_failure{rpc_parse_error, std::string("unmarshaling params for '") + at.method +
                                          "' (param: " + at.go_type + "): " + reason};
}

bool is_b64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

/// The input byte Go's base64.StdEncoding reports for an undecodable string.
size_t bad_base64_offset(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && is_b64_char(s[i]))
    ++i;
  if (i < s.size() && s[i] != '=')
    return i;  // a character outside the alphabet
  // Padding in the wrong place or a truncated last group: Go points at the group's start
  // (or at the padding when it is malformed).
  return i < s.size() ? i : s.size() - s.size() % 4;
}

/// A uint8 field (share_version): Go's messages for anything else.
param_result<uint8_t> decode_u8_field(const ojson& j, const char* field) {
  const std::string where = std::string("jsonBlob.") + field;
  if (j.is_null())
    return uint8_t{0};
  if (j.is_number_unsigned() && j.get<uint64_t>() <= 255)
    return static_cast<uint8_t>(j.get<uint64_t>());
  if (j.is_number())
    return rpc_failure{rpc_parse_error, "json: cannot unmarshal number " + dump(j) +
                                            " into Go struct field " + where + " of type uint8"};
  return rpc_failure{rpc_parse_error, go_type_error(j, "uint8", where)};
}

/// One element of the blob array, as Blob.UnmarshalJSON reads it: the fields' types first,
/// then the namespace bytes, then blob.NewBlob's checks. Failures carry only the reason.
param_result<da::node_blob_input> decode_blob(const ojson& j) {
  if (!j.is_object())
    return rpc_failure{rpc_parse_error, go_type_error(j, "blob.jsonBlob")};
  const param_site inner{submit_method, blobs_type};
  da::node_blob_input in;
  std::vector<uint8_t> ns_bytes;
  std::optional<std::vector<uint8_t>> signer;  // present and not null
  for (const char* field : {"namespace", "data", "commitment", "signer"}) {
    auto it = j.find(field);
    if (it == j.end())
      continue;
    if (!it->is_string() && !it->is_null())
      return rpc_failure{rpc_parse_error,
                         go_type_error(*it, "[]uint8", std::string("jsonBlob.") + field)};
    auto bytes = decode_bytes(inner, *it);
    if (!bytes) {
      const std::string& m = bytes.error().message;
      return rpc_failure{rpc_parse_error, m.substr(m.find("): ") + 3)};
    }
    const std::string name = field;
    if (name == "namespace")
      ns_bytes = std::move(bytes).value();
    else if (name == "data")
      in.data = std::move(bytes).value();
    else if (name == "signer" && !it->is_null())
      signer = std::move(bytes).value();
  }
  if (auto it = j.find("share_version"); it != j.end()) {
    auto v = decode_u8_field(*it, "share_version");
    if (!v)
      return v.error();
    in.share_version = v.value();
  }
  if (auto it = j.find("index"); it != j.end() && !it->is_null() && !it->is_number_integer())
    return rpc_failure{rpc_parse_error, go_type_error(*it, "int", "jsonBlob.index")};
  auto ns = da::namespace_from_bytes(ns_bytes.data(), ns_bytes.size());
  if (!ns)
    return rpc_failure{rpc_parse_error, ns.error().message};
  in.ns = ns.value();
  // A signer of the wrong size counts as present for share version 0 (refused there) and as
  // missing for the versions that need 20 bytes (go-square checks len(signer) == 20).
  if (signer && (signer->size() == in.signer.emplace().size() || in.share_version == 0)) {
    std::copy_n(signer->begin(), std::min(signer->size(), in.signer->size()), in.signer->begin());
  } else {
    in.signer.reset();
  }
  if (auto bad = da::blob_input_error(in))
    return rpc_failure{rpc_parse_error, *bad};
  return in;
}

}  // namespace

std::string go_type_error(const ojson& value, const std::string& go_type,
                          const std::string& field) {
  const char* kind = value.is_string()    ? "string"
                     : value.is_number()  ? "number"
                     : value.is_boolean() ? "bool"
                     : value.is_array()   ? "array"
                                          : "object";
  return std::string("json: cannot unmarshal ") + kind +
         (field.empty() ? " into Go value of type "
                        : " into Go struct field " + field + " of type ") +
         go_type;
}

param_result<uint64_t> decode_u64(const param_site& at, const ojson& j) {
  if (j.is_number_unsigned())
    return j.get<uint64_t>();
  if (j.is_number_integer())  // negative
    return parse_failure(
        at, "json: cannot unmarshal number " + dump(j) + " into Go value of type uint64");
  if (j.is_number_float()) {
    const double d = j.get<double>();
    if (d >= 0 && d < 18446744073709551616.0 && std::floor(d) == d)
      return static_cast<uint64_t>(d);  // 1e3 and 5.0 are integers to Go's decoder too
    return parse_failure(
        at, "json: cannot unmarshal number " + dump(j) + " into Go value of type uint64");
  }
  if (j.is_null())
    return uint64_t{0};  // Go leaves the zero value
  return parse_failure(at, go_type_error(j, "uint64"));
}

param_result<std::vector<uint8_t>> decode_bytes(const param_site& at, const ojson& j) {
  if (j.is_null())
    return std::vector<uint8_t>{};
  if (!j.is_string())
    return parse_failure(at, go_type_error(j, "[]uint8"));
  const auto& s = j.get_ref<const std::string&>();
  auto decoded = da::base64_decode(s);
  if (!decoded)
    return parse_failure(
        at, "illegal base64 data at input byte " + std::to_string(bad_base64_offset(s)));
  return std::move(*decoded);
}

param_result<da::celestia_namespace> decode_namespace(const param_site& at, const ojson& j) {
  auto bytes = decode_bytes(at, j);
  if (!bytes)
    return bytes.error();
  auto ns = da::namespace_from_bytes(bytes.value().data(), bytes.value().size());
  if (!ns)
    return parse_failure(at, ns.error().message);
  return ns.value();
}

param_result<std::vector<da::celestia_namespace>> decode_namespaces(const param_site& at,
                                                                    const ojson& j) {
  std::vector<da::celestia_namespace> out;
  if (j.is_null())
    return out;
  if (!j.is_array())
    return parse_failure(at, go_type_error(j, "[]share.Namespace"));
  for (const auto& item : j) {
    auto ns = decode_namespace(at, item);
    if (!ns)
      return ns.error();
    out.push_back(ns.value());
  }
  return out;
}

param_result<std::vector<da::node_blob_input>> decode_blobs(const ojson& j) {
  const param_site at{submit_method, blobs_type};
  std::vector<da::node_blob_input> out;
  if (j.is_null())
    return out;
  if (!j.is_array())
    return parse_failure(at, go_type_error(j, "[]*blob.Blob"));
  for (const auto& item : j) {
    if (item.is_null())
      return rpc_failure{rpc_fatal,
                         "fatal error calling 'blob.Submit': panic in rpc method 'blob.Submit': "
                         "runtime error: invalid memory address or nil pointer dereference"};
    auto blob = decode_blob(item);
    if (!blob)
      return parse_failure(at, blob.error().message);
    out.push_back(std::move(blob).value());
  }
  return out;
}

param_result<bool> decode_tx_config(const ojson& j) {
  if (j.is_null())
    return rpc_failure{rpc_fatal,
                       "fatal error calling 'blob.Submit': panic in rpc method 'blob.Submit': "
                       "runtime error: invalid memory address or nil pointer dereference"};
  if (!j.is_object())
    return parse_failure(param_site{submit_method, "**state.TxConfig"},
                         go_type_error(j, "state.TxConfig"));
  return true;
}

}  // namespace dsdn::http::dn
