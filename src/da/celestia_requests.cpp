// celestia-node JSON-RPC request framing (API.md sections 1-3, EXAMPLES.md). Keys come in the
// order of the documented examples, so a request can be compared with them byte for byte.

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "dsdn/da/celestia_rpc.hpp"

namespace dsdn::da::celestia {

namespace {

using ordered = nlohmann::ordered_json;

std::string request(uint64_t id, std::string_view method, ordered params) {
  ordered r;
  r["id"] = id;
  r["jsonrpc"] = "2.0";
  r["method"] = std::string(method);
  r["params"] = std::move(params);
  return r.dump();
}

std::string b64(const uint8_t* data, size_t size) {
  return base64_encode(data, size);
}

}  // namespace

std::string tx_config_json(const celestia_tx_config& tx) {
  ordered o = ordered::object();
  if (tx.gas_price) {
    o["gas_price"] = *tx.gas_price;
    o["is_gas_price_set"] = true;
  }
  if (tx.max_gas_price > 0) {
    o["max_gas_price"] = tx.max_gas_price;
  }
  if (tx.gas > 0) {
    o["gas"] = tx.gas;
  }
  if (tx.tx_priority != 0) {
    o["tx_priority"] = tx.tx_priority;
  }
  if (!tx.key_name.empty()) {
    o["key_name"] = tx.key_name;
  }
  if (!tx.signer_address.empty()) {
    o["signer_address"] = tx.signer_address;
  }
  if (!tx.fee_granter_address.empty()) {
    o["fee_granter_address"] = tx.fee_granter_address;
  }
  return o.dump();
}

std::string submit_request(uint64_t id, const celestia_namespace& ns,
                           const std::vector<blob_bytes>& blobs,
                           const std::vector<commitment_bytes>& commitments,
                           const celestia_tx_config& tx) {
  const std::string ns64 = ns.base64();
  ordered list = ordered::array();
  for (size_t i = 0; i < blobs.size(); ++i) {
    ordered b;
    b["namespace"] = ns64;
    b["data"] = b64(blobs[i].data(), blobs[i].size());
    b["share_version"] = 0;
    if (i < commitments.size()) {
      // Ignored by the node (it recomputes); sent so the request documents what we expect.
      b["commitment"] = commitment_base64(commitments[i]);
    }
    b["index"] = -1;
    list.push_back(std::move(b));
  }
  // Never `null` options: the node dereferences them and panics (API.md section 3.1).
  return request(id, method_submit,
                 ordered::array({std::move(list), ordered::parse(tx_config_json(tx))}));
}

std::string get_all_request(uint64_t id, uint64_t height, const celestia_namespace& ns) {
  return request(id, method_get_all, ordered::array({height, ordered::array({ns.base64()})}));
}

std::string get_request(uint64_t id, uint64_t height, const celestia_namespace& ns,
                        const commitment_bytes& c) {
  return request(id, method_get, ordered::array({height, ns.base64(), commitment_base64(c)}));
}

std::string network_head_request(uint64_t id) {
  return request(id, method_network_head, ordered::array());
}

std::string local_head_request(uint64_t id) {
  return request(id, method_local_head, ordered::array());
}

}  // namespace dsdn::da::celestia
