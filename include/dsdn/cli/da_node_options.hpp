#pragma once
// `da-node serve` flags. Precedence: flag > environment (`DSDN_DA_NODE_<FLAG>`, and the shared
// `DSDN_LOG_LEVEL` / `DSDN_LOG_FORMAT`) > env file > default.

#include <cstdint>
#include <string>

#include "dsdn/http/da_node.hpp"

namespace CLI {
class App;
}

namespace dsdn::cli {

/// Every `da-node serve` flag, as parsed (wide integer types, so that CLI11 range-checks
/// them before they are narrowed into the server's config).
struct da_node_command_options {
  std::string host = "127.0.0.1";
  unsigned port = 26658;
  std::string data_dir = "./da-node-data";
  uint64_t block_time_ms = 1000;
  std::string auth_token;
  unsigned threads = 2;
  std::string log_level = "info";
  std::string log_format = "text";
};

/// The server configuration the options describe (the other settings keep their defaults).
http::da_node_config to_config(const da_node_command_options& opt);

/// Registers the flags on `cmd`, bound to `opt`. Type and range errors (port 0..65535,
/// block time 1..3600000 ms, threads 1..256, log level/format words) are CLI11 usage errors.
void add_da_node_options(CLI::App& cmd, da_node_command_options& opt);

}  // namespace dsdn::cli
