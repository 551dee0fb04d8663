#pragma once
// The DA node's JSON results in celestia-node's shapes (API.md sections 2 and 4): the Blob
// object and the ExtendedHeader (tendermint JSON: int64 fields as strings, upper-case hex
// hashes, RFC 3339 times with nanoseconds).

#include <cstddef>
#include <cstdint>
#include <string>

#include "da_node_rpc.hpp"
#include "dsdn/core/crypto.hpp"
#include "dsdn/da/da_node_store.hpp"

namespace dsdn::http::dn {

/// {"namespace", "data", "share_version", "commitment", ["signer",] "index"}.
ojson blob_json(const da::node_blob& b);

/// The ExtendedHeader of `b`: header (chain_id, height and time from the block, data_hash,
/// last_block_id), a one-validator set with `validator`, a commit whose signature is the
/// block's Ed25519 signature of its hash, and a DAH of 2k row and 2k column roots of 90 bytes
/// each (min namespace | max namespace | SHA-256). The roots are derived from the block, not
/// real NMT roots: this node does not build the erasure-coded square.
ojson header_json(const da::node_block& b, const core::public_key& validator,
                  const std::string& chain_id);

/// Go's time.RFC3339Nano in UTC ("2023-02-25T12:10:28.067566292Z", trailing fraction zeros
/// dropped, no fraction when it is zero).
std::string rfc3339_nano(int64_t unix_ns);

/// Upper-case hex.
std::string upper_hex(const uint8_t* data, size_t size);

/// Standard padded base64.
std::string b64(const uint8_t* data, size_t size);

}  // namespace dsdn::http::dn
