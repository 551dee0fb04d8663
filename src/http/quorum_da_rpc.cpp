#include "quorum_da_rpc.hpp"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "dsdn/da/namespace.hpp"

namespace dsdn::da {
namespace {

using json = nlohmann::json;

rpc_failure fail(da_errc code, std::string why) {
  return rpc_failure{code, std::move(why)};
}

da_errc code_of(http::client_errc e) {
  return e == http::client_errc::timeout ? da_errc::timeout : da_errc::unavailable;
}

/// One JSON-RPC call: the `result` member, or the transport, HTTP or JSON-RPC failure.
result<json, da_errc> call(const quorum_da::validator& v, const char* method, json params,
                           const std::string& token, std::chrono::milliseconds timeout) {
  const json request{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
  http::request_options options;
  options.timeout = timeout;
  options.bearer_token = token;
  auto r = http::send(v.url, "POST", v.url.base_path.empty() ? "/" : v.url.base_path,
                      request.dump(), options);
  if (!r) {
    return fail(code_of(r.error().code), r.error().message);
  }
  const auto& res = r.value();
  if (res.status == 401) {
    return fail(da_errc::unavailable, "HTTP 401: the auth token was refused");
  }
  const json reply = json::parse(res.body, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    return fail(da_errc::corrupt, std::string(method) + ": HTTP " + std::to_string(res.status) +
                                      " with a body that is not a JSON-RPC reply");
  }
  if (auto e = reply.find("error"); e != reply.end() && !e->is_null()) {
    const std::string message =
        e->is_object() && e->contains("message") && (*e)["message"].is_string()
            ? (*e)["message"].get<std::string>()
            : e->dump();
    return fail(da_errc::unavailable, std::string(method) + ": " + message);
  }
  auto result = reply.find("result");
  if (result == reply.end()) {
    return fail(da_errc::corrupt, std::string(method) + ": the reply has no result");
  }
  return *result;
}

/// A base64 JSON string of exactly `N` bytes (or any length when N == 0) into `out`.
bool decode_into(const json& j, uint8_t* out, size_t n) {
  if (!j.is_string()) {
    return false;
  }
  auto bytes = base64_decode(j.get<std::string>());
  if (!bytes || bytes->size() != n) {
    return false;
  }
  std::copy(bytes->begin(), bytes->end(), out);
  return true;
}

}  // namespace

std::string quorum_da::validator::name() const {
  return "validator " + std::to_string(index) + " (" + text + ")";
}

result<store_reply, da_errc> store_and_sign(const quorum_da::validator& v, const blob_bytes& data,
                                            const std::string& token,
                                            std::chrono::milliseconds timeout) {
  auto r = call(v, "dsdn.StoreAndSign", json::array({base64_encode(data.data(), data.size())}),
                token, timeout);
  if (!r) {
    return r.error();
  }
  const json& j = r.value();
  store_reply out;
  if (!j.is_object() || !j.contains("commitment") || !j.contains("signature") ||
      !j.contains("validator_key") ||
      !decode_into(j["commitment"], out.digest.data(), out.digest.size()) ||
      !decode_into(j["signature"], out.sig.data(), out.sig.size()) ||
      !decode_into(j["validator_key"], out.key.data(), out.key.size())) {
    return fail(da_errc::corrupt,
                "dsdn.StoreAndSign: the result is not {commitment: 32 bytes, signature: 64 "
                "bytes, validator_key: 32 bytes} in base64");
  }
  return out;
}

result<blob_bytes, da_errc> get_by_commitment(const quorum_da::validator& v, const commitment& c,
                                              const std::string& token,
                                              std::chrono::milliseconds timeout) {
  auto r = call(v, "dsdn.GetByCommitment", json::array({base64_encode(c.data(), c.size())}), token,
                timeout);
  if (!r) {
    return r.error();
  }
  const json& j = r.value();
  auto bytes = j.is_string() ? base64_decode(j.get<std::string>()) : std::nullopt;
  if (!bytes) {
    return fail(da_errc::corrupt, "dsdn.GetByCommitment: the result is not base64 data");
  }
  return std::move(*bytes);
}

result<core::public_key, da_errc> validator_key(const quorum_da::validator& v,
                                                const std::string& token,
                                                std::chrono::milliseconds timeout) {
  auto r = call(v, "dsdn.ValidatorKey", json::array(), token, timeout);
  if (!r) {
    return r.error();
  }
  core::public_key key{};
  if (!decode_into(r.value(), key.data(), key.size())) {
    return fail(da_errc::corrupt, "dsdn.ValidatorKey: the result is not a base64 32-byte key");
  }
  return key;
}

quorum_da::workers::~workers() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& e : threads_) {
    if (e.thread.joinable()) {
      e.thread.join();
    }
  }
}

void quorum_da::workers::spawn(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mutex_);
  reap_locked();
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread t([task = std::move(task), done] {
    task();
    done->store(true);
  });
  threads_.push_back(entry{std::move(t), std::move(done)});
}

size_t quorum_da::workers::live() {
  std::lock_guard<std::mutex> lock(mutex_);
  reap_locked();
  return threads_.size();
}

void quorum_da::workers::reap_locked() {
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace dsdn::da
