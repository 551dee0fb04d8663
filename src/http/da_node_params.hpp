#pragma once
// Decoding of the DA node's JSON-RPC params with the errors go-jsonrpc and celestia-node give:
// every failure is -32700 "unmarshaling params for '<method>' (param: <Go type>): <reason>",
// where <reason> is Go's encoding/json text ("json: cannot unmarshal string into Go value of
// type uint64", "illegal base64 data at input byte 4") or the validation message of the type
// (go-square namespaces, celestia-node blob.NewBlob). Heights must be JSON numbers.

#include <cstdint>
#include <string>
#include <vector>

#include "da_node_rpc.hpp"
#include "dsdn/da/da_node_store.hpp"
#include "dsdn/da/namespace.hpp"

namespace dsdn::http::dn {

/// Where a param is decoded: the method and the Go type go-jsonrpc names in its errors.
struct param_site {
  const char* method;   ///< "blob.Get"
  const char* go_type;  ///< "*uint64"
};

/// A uint64 param (a non-negative integral JSON number).
param_result<uint64_t> decode_u64(const param_site& at, const ojson& j);

/// A []byte param or field: standard padded base64 or null (empty).
param_result<std::vector<uint8_t>> decode_bytes(const param_site& at, const ojson& j);

/// A share.Namespace param: base64 of exactly 29 valid bytes (go-square steps 1-3; reserved
/// namespaces pass, as for reads on celestia-node).
param_result<da::celestia_namespace> decode_namespace(const param_site& at, const ojson& j);

/// A []share.Namespace param (null: none).
param_result<std::vector<da::celestia_namespace>> decode_namespaces(const param_site& at,
                                                                    const ojson& j);

/// blob.Submit's []*blob.Blob, validated like celestia-node's Blob.UnmarshalJSON. A null
/// element is reported as the recovered panic celestia-node answers with (code 0).
param_result<std::vector<da::node_blob_input>> decode_blobs(const ojson& j);

/// blob.Submit's *state.TxConfig: an object (its fields are accepted and ignored). null is
/// reported as celestia-node's recovered nil-pointer panic (code 0).
param_result<bool> decode_tx_config(const ojson& j);

/// Go's text for a JSON value of the wrong type: "json: cannot unmarshal <kind> into Go value
/// of type <type>" (`field` non-empty: "... into Go struct field <field> of type <type>").
std::string go_type_error(const ojson& value, const std::string& go_type,
                          const std::string& field = {});

}  // namespace dsdn::http::dn
