// QuorumDA writes and health (the state machine is drawn in include/dsdn/http/quorum_da.hpp).

#include "dsdn/http/quorum_da.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include "dsdn/actors/logging.hpp"
#include "dsdn/da/quorum_index.hpp"
#include "dsdn/da/quorum_proof.hpp"
#include "quorum_da_rpc.hpp"

namespace dsdn::da {
namespace {

rpc_failure bad_config(std::string why) {
  return rpc_failure{da_errc::bad_request, "quorum DA: " + std::move(why)};
}

std::string short_key(const core::public_key& k) {
  return core::to_hex(k.data(), 8) + "…";
}

/// One store-and-sign round, shared with its request threads (which may outlive it).
struct round_state {
  explicit round_state(signature_collector c) : collector(std::move(c)) {}
  std::mutex mutex;
  std::condition_variable decided;
  signature_collector collector;
  uint64_t rejected = 0;
};

/// The collector's verdict for one reply of validator `v` to a store of the blob with `digest`.
void record(round_state& st, const quorum_da::validator& v, const commitment& digest,
            const result<store_reply, da_errc>& r) {
  if (!r) {
    st.collector.add_error(v.index, v.text + ": " + r.error().message);
    return;
  }
  const auto& reply = r.value();
  if (reply.digest != digest) {
    st.rejected++;
    st.collector.add_error(v.index, v.text + ": answered the commitment " +
                                        core::to_hex(reply.digest.data(), 8) + "… of other bytes");
    return;
  }
  if (reply.key != v.key) {
    st.rejected++;
    st.collector.add_error(v.index, v.text + ": signed with key " + short_key(reply.key) +
                                        ", not the configured " + short_key(v.key));
    return;
  }
  if (st.collector.add_signature(v.index, reply.sig) != response_verdict::accepted) {
    st.rejected++;
  }
}

}  // namespace

quorum_da::quorum_da(quorum_da_config cfg, size_t required, std::vector<validator> validators)
    : cfg_(std::move(cfg)),
      required_(required),
      validators_(std::move(validators)),
      workers_(std::make_unique<workers>()) {}

// Joins the request threads (each bounded by its deadline) before the validators they read.
quorum_da::~quorum_da() {
  workers_.reset();
}

da_result<quorum_index*> quorum_da::index() {
  std::lock_guard<std::mutex> lock(index_mutex_);
  if (!index_) {
    auto opened = quorum_index::open(cfg_.index_path);
    if (!opened) {
      return opened.error();
    }
    index_ = std::move(opened).value();
  }
  return index_.get();
}

da_result<std::vector<uint8_t>> quorum_da::collect(const blob_bytes& blob, size_t blob_no) {
  const auto message = quorum_message(blob.data(), blob.size());
  auto collector = signature_collector::create(cfg_.validator_keys, cfg_.threshold_pct, message);
  if (!collector) {
    return bad_config(collector.error().message);
  }
  auto st = std::make_shared<round_state>(std::move(collector).value());
  auto data = std::make_shared<const blob_bytes>(blob);
  commitment digest{};
  std::copy(message.begin(), message.end(), digest.begin());
  for (const auto& v : validators_) {
    // The thread copies what it needs: the round may be decided and this call return first.
    workers_->spawn(
        [st, data, digest, v, token = cfg_.auth_token, timeout = cfg_.signature_timeout] {
          auto r = store_and_sign(v, *data, token, timeout);
          std::lock_guard<std::mutex> lock(st->mutex);
          record(*st, v, digest, r);
          st->decided.notify_all();
        });
  }
  std::unique_lock<std::mutex> lock(st->mutex);
  // Every request ends by its own deadline; the extra wait only guards against a stuck thread.
  const auto limit = cfg_.signature_timeout * 2 + std::chrono::seconds(1);
  if (!st->decided.wait_for(lock, limit,
                            [&] { return st->collector.state() != collect_state::pending; })) {
    for (const auto& v : validators_) {
      st->collector.add_error(
          v.index, v.text + ": no answer within " + std::to_string(limit.count()) + " ms");
    }
  }
  rounds_++;
  replies_rejected_ += st->rejected;
  background_requests_ += st->collector.outstanding();
  if (st->collector.state() == collect_state::succeeded) {
    signatures_valid_ += st->collector.valid();
    log().debug("quorum_round_succeeded blob={} {}", blob_no, st->collector.summary());
    return encode_proof(st->collector.proof());
  }
  rounds_failed_++;
  const auto summary = st->collector.summary();
  log().warn("quorum_round_failed blob={} {}", blob_no, summary);
  return rpc_failure{da_errc::unavailable, "blob " + std::to_string(blob_no) + ": " + summary};
}

da_result<submit_receipt> quorum_da::submit(const std::vector<blob_bytes>& blobs) {
  if (auto bad = check_submit(blobs)) {
    return *bad;
  }
  auto idx = index();
  if (!idx) {
    return idx.error();
  }
  std::vector<quorum_entry> entries;
  submit_receipt receipt;
  for (size_t i = 0; i < blobs.size(); ++i) {
    auto proof = collect(blobs[i], i);
    if (!proof) {
      return proof.error();
    }
    quorum_entry e;
    const auto digest = quorum_message(blobs[i].data(), blobs[i].size());
    std::copy(digest.begin(), digest.end(), e.digest.begin());
    e.proof = std::move(proof).value();
    receipt.commitments.push_back(e.digest);
    entries.push_back(std::move(e));
  }
  auto height = idx.value()->append(entries);
  if (!height) {
    return height.error();
  }
  receipt.height = height.value();
  return receipt;
}

da_result<uint64_t> quorum_da::head_height() {
  auto idx = index();
  if (!idx) {
    return idx.error();
  }
  return idx.value()->head();
}

bool quorum_da::healthy() {
  struct probe_state {
    std::mutex mutex;
    std::condition_variable decided;
    size_t good = 0;
    size_t answered = 0;
  };
  auto st = std::make_shared<probe_state>();
  const size_t n = validators_.size();
  for (const auto& v : validators_) {
    workers_->spawn([st, v, token = cfg_.auth_token, timeout = cfg_.health_timeout] {
      auto key = validator_key(v, token, timeout);
      std::lock_guard<std::mutex> lock(st->mutex);
      st->answered++;
      st->good += key && key.value() == v.key ? 1 : 0;
      st->decided.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(st->mutex);
  st->decided.wait_for(lock, cfg_.health_timeout + std::chrono::seconds(1), [&] {
    return st->good >= required_ || st->good + (n - st->answered) < required_;
  });
  return st->good >= required_;
}

quorum_da_stats quorum_da::stats() const {
  return quorum_da_stats{rounds_.load(),           rounds_failed_.load(),
                         signatures_valid_.load(), replies_rejected_.load(),
                         read_mismatches_.load(),  background_requests_.load()};
}

da_result<std::unique_ptr<quorum_da>> open_quorum_client(quorum_da_config cfg) {
  const size_t n = cfg.validator_urls.size();
  if (n == 0) {
    return bad_config("no validators configured");
  }
  if (cfg.validator_keys.size() != n) {
    return bad_config(std::to_string(n) + " validator URLs but " +
                      std::to_string(cfg.validator_keys.size()) +
                      " validator keys (one key per validator, same order)");
  }
  auto required = quorum_required(n, cfg.threshold_pct);
  if (!required) {
    return bad_config(required.error().message);
  }
  if (cfg.signature_timeout.count() <= 0 || cfg.health_timeout.count() <= 0) {
    return bad_config("the signature and health timeouts must be positive");
  }
  if (cfg.index_path.empty()) {
    return bad_config("no index path");
  }
  std::vector<quorum_da::validator> validators;
  std::set<core::public_key> keys;
  for (size_t i = 0; i < n; ++i) {
    auto u = http::parse_url(cfg.validator_urls[i]);
    if (!u) {
      return bad_config("validator " + std::to_string(i) + " URL '" + cfg.validator_urls[i] +
                        "': " + u.error().message);
    }
    if (!keys.insert(cfg.validator_keys[i]).second) {
      // One validator must not count twice toward the quorum.
      return bad_config("validator " + std::to_string(i) + " has the key " +
                        core::to_hex(cfg.validator_keys[i].data(), cfg.validator_keys[i].size()) +
                        " of an earlier validator");
    }
    validators.push_back(quorum_da::validator{i, cfg.validator_urls[i], std::move(u).value(),
                                              cfg.validator_keys[i]});
  }
  const size_t req = required.value();
  return std::unique_ptr<quorum_da>(new quorum_da(std::move(cfg), req, std::move(validators)));
}

da_result<std::unique_ptr<da_backend>> open_quorum_da(quorum_da_config cfg) {
  auto q = open_quorum_client(std::move(cfg));
  if (!q) {
    return q.error();
  }
  return std::unique_ptr<da_backend>(std::move(q).value());
}

}  // namespace dsdn::da
