#pragma once
// `dsdn-coordinator da-node serve`: a standalone DA node speaking the subset of celestia-node's
// JSON-RPC the coordinator uses (../shared/specs/celestia/API.md, EXAMPLES.md), over the SQLite
// store of include/dsdn/da/da_node_store.hpp, producing a block every block_time_ms. It is the
// devnet primary DA, a QuorumDA validator and an emergency DA.
//
// Wire protocol: HTTP POST of JSON-RPC 2.0 (single or batch) on any path, as go-jsonrpc serves
// it. Methods (params are positional; the count must match exactly):
//
//   blob.Submit [blobs, options{}]         -> height (number); returns once the block holding
//                                             the blobs is produced (perm write)
//   blob.Get [height, namespace, commitment] -> Blob                               (perm read)
//   blob.GetAll [height, namespaces]       -> Blob[] or null                       (perm read)
//   header.NetworkHead [] / header.LocalHead [] -> ExtendedHeader (the same block)  (perm read)
//   header.GetByHeight [height]            -> ExtendedHeader                       (perm read)
//   header.WaitForHeight [height]          -> ExtendedHeader once produced         (perm read)
//   node.Ready []                          -> true                                 (perm read)
//   dsdn.StoreAndSign [data]               -> {"commitment": b64 SHA-256(data),
//                                              "signature": b64 Ed25519(SHA-256(data)),
//                                              "validator_key": b64}             (perm write)
//   dsdn.GetByCommitment [commitment]      -> data (b64)                           (perm read)
//   dsdn.ValidatorKey []                   -> validator key (b64, 32 bytes)      (perm public)
//
// Blob = {"namespace": b64(29), "data": b64, "share_version": 0, "commitment": b64(32),
// "signer": b64(20) (share version 1 only), "index": EDS index}. Reads of head + 1 wait for
// that block, as celestia-node does; farther heights fail with "header: given height is from
// the future: ...". Errors: HTTP 200 + code 1 for application errors (Celestia's messages);
// HTTP 500 + -32700 (parse, including bad params), -32601, -32602, code 0 (a null Submit
// options object, as the real node's recovered panic); HTTP 400 + -32600 for an empty body.
//
// Auth (when auth_token is set): `Authorization: Bearer <token>` (or `?token=<token>`) grants
// every permission; no header grants `public` only, and other methods answer code 1 "missing
// permission to invoke '<Method>' (need '<perm>')"; a wrong token or a header without the
// exact `Bearer ` prefix gets HTTP 401 with an empty body. The token is compared in constant
// time.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "dsdn/core/result.hpp"

namespace dsdn::http {

/// Settings of a DA node server.
struct da_node_config {
  std::string host = "127.0.0.1";  ///< a hostname is resolved; the first address is used
  uint16_t port = 26658;           ///< 0 = any free port (see da_node_server::port())
  std::string data_dir = "./da-node-data";
  uint64_t block_time_ms = 1000;         ///< one block per interval, empty or not
  std::string auth_token;                ///< empty = no auth (every permission granted)
  unsigned threads = 2;                  ///< io_context threads (the store has one worker thread)
  size_t body_limit = 16 * 1024 * 1024;  ///< larger requests: 500, -32700
  size_t max_connections = 500;          ///< more: 503 "server busy, try again later"
  std::chrono::milliseconds read_timeout{30000};      ///< a whole request must arrive within it
  std::chrono::milliseconds write_timeout{30000};     ///< a client that does not read its answer
  std::chrono::milliseconds request_timeout{300000};  ///< a blocked Submit/read gives up
  std::chrono::milliseconds shutdown_grace{5000};     ///< stop(): in-flight requests may finish
  std::string chain_id = "dsdn-da-node";              ///< header.chain_id
};

/// Why a DA node server did not start.
enum class da_node_errc : uint8_t {
  config = 1,  ///< an invalid setting (block_time_ms 0, ...)
  store,       ///< the data dir or the database could not be opened
  resolve,     ///< the host did not resolve
  bind,        ///< the address could not be bound
};

/// A running DA node: the store, the block timer and the JSON-RPC listener.
class da_node_server {
 public:
  /// Opens the store, binds, starts the io threads and the block timer.
  static result<std::unique_ptr<da_node_server>, da_node_errc> start(da_node_config cfg);
  virtual ~da_node_server() = default;

  /// The bound port (useful with port 0).
  virtual uint16_t port() const = 0;
  /// The validator key (Ed25519 public key of the data dir's identity), lower-case hex.
  virtual std::string validator_key_hex() const = 0;
  /// Stops the block timer and accepting, answers waiting requests with "context canceled",
  /// lets in-flight ones finish (bounded grace), joins the threads and closes the store.
  /// Idempotent; the destructor calls it.
  virtual void stop() = 0;
};

}  // namespace dsdn::http
