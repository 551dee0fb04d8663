// QuorumDA reads: local heights through the index, blobs from the validators by commitment,
// returned only when their SHA-256 equals the commitment.

#include <algorithm>
#include <utility>

#include "dsdn/actors/logging.hpp"
#include "dsdn/da/quorum_index.hpp"
#include "dsdn/da/quorum_proof.hpp"
#include "dsdn/http/quorum_da.hpp"
#include "quorum_da_rpc.hpp"

namespace dsdn::da {

da_result<blob_bytes> quorum_da::fetch(const commitment& digest,
                                       const std::vector<uint8_t>& proof) {
  // The validators that signed the blob hold it for sure; the others may have it too (a late
  // store that completed after the round was decided).
  std::vector<size_t> order;
  if (auto p = decode_proof(proof.data(), proof.size())) {
    for (const auto& s : p.value().signatures) {
      if (s.index < validators_.size()) {
        order.push_back(s.index);
      }
    }
  }
  for (size_t i = 0; i < validators_.size(); ++i) {
    if (std::find(order.begin(), order.end(), i) == order.end()) {
      order.push_back(i);
    }
  }
  std::string problems;
  bool mismatched = false;
  for (size_t i : order) {
    const auto& v = validators_[i];
    auto r = get_by_commitment(v, digest, cfg_.auth_token, cfg_.signature_timeout);
    std::string problem;
    if (!r) {
      problem = r.error().message;
    } else if (core::sha256(r.value().data(), r.value().size()) != digest) {
      read_mismatches_++;
      mismatched = true;
      problem = "returned " + std::to_string(r.value().size()) +
                " bytes whose SHA-256 is not the commitment";
      log().warn("quorum_read_mismatch validator={} commitment={}", v.text,
                 core::to_hex(digest.data(), digest.size()));
    } else {
      return std::move(r).value();
    }
    problems += (problems.empty() ? "" : "; ") + v.name() + ": " + problem;
  }
  return rpc_failure{mismatched ? da_errc::corrupt : da_errc::unavailable,
                     "blob " + core::to_hex(digest.data(), digest.size()) +
                         " could not be read from any validator (" + problems + ")"};
}

da_result<std::vector<stored_blob>> quorum_da::get_all(uint64_t height) {
  auto idx = index();
  if (!idx) {
    return idx.error();
  }
  auto entries = idx.value()->at(height);
  if (!entries) {
    return entries.error();
  }
  std::vector<stored_blob> out;
  for (const auto& e : entries.value()) {
    auto data = fetch(e.digest, e.proof);
    if (!data) {
      return rpc_failure{data.error().code, "height " + std::to_string(height) + " index " +
                                                std::to_string(e.index) + ": " +
                                                data.error().message};
    }
    out.push_back(stored_blob{height, e.index, std::move(data).value()});
  }
  return out;
}

da_result<std::vector<stored_blob>> quorum_da::get_range(uint64_t from, uint64_t to,
                                                         size_t max_blobs) {
  auto head = head_height();
  if (!head) {
    return head.error();
  }
  std::vector<stored_blob> out;
  const uint64_t last = std::min(to, head.value());
  for (uint64_t h = std::max<uint64_t>(from, 1); h <= last; ++h) {
    if (!out.empty() && out.size() >= max_blobs) {
      break;
    }
    auto blobs = get_all(h);
    if (!blobs) {
      return blobs.error();
    }
    // A height is never split: one that would pass the limit waits for the next call, unless
    // it is the first.
    if (!out.empty() && out.size() + blobs.value().size() > max_blobs) {
      break;
    }
    for (auto& b : blobs.value()) {
      out.push_back(std::move(b));
    }
  }
  return out;
}

}  // namespace dsdn::da
