#pragma once
// Real `da-node serve` and `serve` processes for system tests: a DA node that can be killed
// and restarted on the same port, and a coordinator driven through the real CLI.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_process.hpp"
#include "dsdn/core/crypto.hpp"
#include "dsdn/da/data_dir.hpp"
#include "dsdn/da/namespace.hpp"
#include "dsdn/http/client.hpp"
#include "system/process.hpp"

namespace systest {

/// A namespace valid for blobs (version 0, 18 zero bytes, a 10-byte sub-ID).
inline const std::string test_namespace = "00" + std::string(36, '0') + "00000000000000d5d4e0";

inline std::string make_temp_dir(const std::string& prefix = "dsdn-systest") {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  return mkdtemp(tmpl.data());
}

/// A loopback port that was free a moment ago (for processes that must restart on the same
/// port, which `--port 0` cannot give).
inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// `relative` inside the source tree (e.g. "config/devnet/da.sh").
inline std::string source_path(const std::string& relative) {
  return (std::filesystem::path(repo_root()) / relative).lexically_normal().string();
}

/// Polls `pred` every 50 ms until it holds (true) or `limit` has passed (false).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

/// Creates the identity key in the coordinator data dir `data_dir`, as its first start would,
/// and returns its public key (the publisher id other coordinators pass to
/// --trusted-publishers), so coordinators can trust each other before any of them runs.
inline std::string create_identity(const std::string& data_dir) {
  auto dir = dsdn::da::data_dir::open(data_dir);
  REQUIRE_MESSAGE(dir.ok(), dir.error().message);
  auto key = dir.value().load_or_create_identity();
  REQUIRE_MESSAGE(key.ok(), key.error().message);
  return dsdn::core::to_hex(key.value().public_key_bytes());
}

/// The tail of every `*.log` file under a directory, streamed lazily: `INFO(logs_under{dir})`
/// prints the process logs only when an assertion fails.
struct logs_under {
  std::string dir;
  size_t tail = 6000;  // characters per log
};

inline std::ostream& operator<<(std::ostream& os, const logs_under& l) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(l.dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().extension() != ".log")
      continue;
    auto text = clirun::read_file(it->path().string());
    if (text.size() > l.tail)
      text = "...\n" + text.substr(text.size() - l.tail);
    os << "\n===== " << it->path().string() << " =====\n" << text;
  }
  return os;
}

/// A running `da-node serve` and what it printed on stdout. `data_dir` survives the process,
/// so a node started again on the same dir and port is the same node after a restart.
struct da_node {
  std::unique_ptr<child_process> proc;
  std::string url;
  std::string validator_key;

  da_node(const std::string& data_dir, const std::string& log_path,
          const std::vector<std::string>& extra = {}, uint16_t port = 0,
          unsigned block_time_ms = 50) {
    std::vector<std::string> args{
        DSDN_COORDINATOR_BIN,         "da-node",    "serve",  "--port",
        std::to_string(port),         "--data-dir", data_dir, "--block-time-ms",
        std::to_string(block_time_ms)};
    args.insert(args.end(), extra.begin(), extra.end());
    proc = std::make_unique<child_process>(args, log_path);
    REQUIRE(proc->started());
    REQUIRE_MESSAGE(proc->wait_for_output("da_node_started url=", std::chrono::seconds(30)),
                    proc->output());
    url = log_field(proc->output(), "da_node_started", "url");
    validator_key = log_field(proc->output(), "da_node_started", "validator_key");
  }

  /// SIGKILL and reap: the node stops answering at once, as in a crash.
  void kill() {
    proc->signal(SIGKILL);
    REQUIRE(proc->wait(std::chrono::seconds(30)));
  }
};

/// An HTTP exchange with a JSON answer (`body` is null when the answer is not JSON).
struct http_answer {
  int status = 0;
  nlohmann::json body;
  std::string text;
};

/// One request to `base_url` + `target`; status 0 when nothing came back.
inline http_answer http_call(const std::string& base_url, const std::string& method,
                             const std::string& target, const std::string& body = "",
                             std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto base = dsdn::http::parse_url(base_url);
  REQUIRE(base.ok());
  dsdn::http::request_options opt;
  opt.timeout = timeout;
  auto r = dsdn::http::send(base.value(), method, target, body, opt);
  if (!r)
    return {};
  auto& res = r.value();
  return {res.status, nlohmann::json::parse(res.body, nullptr, false), res.body};
}

/// A JSON-RPC call to a DA node; the whole reply object (`result` or `error`).
inline nlohmann::json da_rpc(const std::string& url, const std::string& method,
                             const nlohmann::json& params) {
  nlohmann::json req{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
  auto a = http_call(url, "POST", "/", req.dump());
  REQUIRE_MESSAGE(a.body.is_object(), method << ": " << a.status << " " << a.text.substr(0, 300));
  return a.body;
}

/// The wire form (base64) of a namespace given as 58 hex digits.
inline std::string namespace_b64(const std::string& ns_hex) {
  auto ns = dsdn::da::parse_namespace(ns_hex);
  REQUIRE(ns.ok());
  return ns.value().base64();
}

/// blob.Submit of one blob in `ns_hex` (share version 0); the reply object.
inline nlohmann::json da_submit(const std::string& url, const std::string& ns_hex,
                                const std::vector<uint8_t>& data) {
  nlohmann::json blob{{"namespace", namespace_b64(ns_hex)},
                      {"data", dsdn::da::base64_encode(data.data(), data.size())},
                      {"share_version", 0}};
  return da_rpc(url, "blob.Submit",
                nlohmann::json::array({nlohmann::json::array({blob}), nlohmann::json::object()}));
}

/// header.NetworkHead's height.
inline uint64_t da_head(const std::string& url) {
  auto r = da_rpc(url, "header.NetworkHead", nlohmann::json::array());
  REQUIRE_MESSAGE(r.contains("result"), r.dump());
  return std::stoull(r["result"]["header"]["height"].get<std::string>());
}

/// The data of every blob in `ns_hex` at `height`, in index order.
inline std::vector<std::vector<uint8_t>> da_get_all(const std::string& url,
                                                    const std::string& ns_hex, uint64_t height) {
  auto r = da_rpc(url, "blob.GetAll",
                  nlohmann::json::array({height, nlohmann::json::array({namespace_b64(ns_hex)})}));
  REQUIRE_MESSAGE(r.contains("result"), r.dump());
  std::vector<std::vector<uint8_t>> out;
  if (r["result"].is_null())
    return out;
  for (auto& b : r["result"]) {
    auto bytes = dsdn::da::base64_decode(b["data"].get<std::string>());
    REQUIRE(bytes);
    out.push_back(std::move(*bytes));
  }
  return out;
}

/// A running `serve` on the given DA arguments, ready for writes.
struct coordinator_process {
  std::unique_ptr<child_process> proc;
  std::string url;
  std::string dir;

  /// `dir` holds the coordinator's data dir and CLI scratch files; `da_args` and `extra` are
  /// appended to `serve --port 0 --data-dir DIR/coordinator --health-interval-ms 200`.
  coordinator_process(const std::string& scratch, const std::vector<std::string>& da_args,
                      const std::string& log_name, const std::vector<std::string>& extra = {})
      : dir(scratch) {
    std::vector<std::string> args{
        DSDN_COORDINATOR_BIN,   "serve", "--port", "0", "--data-dir", scratch + "/coordinator",
        "--health-interval-ms", "200"};
    args.insert(args.end(), da_args.begin(), da_args.end());
    args.insert(args.end(), extra.begin(), extra.end());
    proc = std::make_unique<child_process>(args, scratch + "/" + log_name);
    REQUIRE(proc->started());
    REQUIRE_MESSAGE(proc->wait_for_output("serve_listening url=", std::chrono::seconds(60)),
                    proc->output());
    url = log_field(proc->output(), "serve_listening", "url");
    clirun::cli_result r;
    for (int i = 0; i < 600 && r.status != 0; ++i) {
      r = cli({"ready"});
      if (r.status != 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE_MESSAGE(r.status == 0, proc->output());
  }

  /// A coordinator whose primary DA is the DA node at `da_url` (network `local`).
  static std::vector<std::string> primary_args(const std::string& da_url) {
    return {"--da-rpc-url", da_url, "--da-namespace", test_namespace, "--da-network", "local"};
  }

  clirun::cli_result cli(const std::vector<std::string>& args) const {
    return clirun::run_cli(dir, args, {{"DSDN_COORDINATOR_URL", url}});
  }

  /// One HTTP request to the coordinator (faster than a CLI process).
  http_answer http(const std::string& method, const std::string& target,
                   const nlohmann::json& body = nullptr) const {
    return http_call(url, method, target, body.is_null() ? std::string() : body.dump());
  }

  nlohmann::json info() const {
    auto r = cli({"system", "info"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    return r.body();
  }
};

}  // namespace systest
