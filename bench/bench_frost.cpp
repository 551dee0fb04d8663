// FROST(Ed25519, SHA-512) signing cost (dsdn/multi) against one libsodium Ed25519 signature.
//
//   metrics.round1_us_<t>of<n>     one signer's round 1 (commit: two nonces, two base mults)
//   metrics.round2_us_<t>of<n>     one signer's round 2 (sign: binding factors, R, challenge, z_i)
//   metrics.aggregate_us_<t>of<n>  the coordinator's aggregation, including its verification
//                                  of the result (shares are checked only when that fails)
//   metrics.share_verify_us_<t>of<n>  verifying one signature share (the identifiable-abort path)
//   metrics.verify_us              crypto_sign_verify_detached of an aggregate signature
//   baseline.ed25519_sign_us       crypto_sign_detached of the same 32-byte message
//   baseline.ed25519_verify_us     crypto_sign_verify_detached of that signature
//   ratios.threshold_sign_<t>of<n>_ratio  (t·(round1 + round2) + aggregate) / ed25519_sign_us:
//                                  total CPU of one threshold signature vs one plain signature
//   ratios.round1_<t>of<n>_ratio, round2_.., aggregate_..  each step / ed25519_sign_us
//   ratios.verify_ratio            verify_us / ed25519_verify_us (same function; ~1)
//
// Configurations 2-of-3, 5-of-7 and 7-of-10, signers chosen as the first t members. Every figure
// is the median over the iterations (200; --quick: 10), in microseconds.

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "bench_util.hpp"
#include "dsdn/core/crypto.hpp"
#include "dsdn/multi/frost.hpp"

using namespace dsdn::multi;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

double micros_since(double start_s) {
  return (bench::now_s() - start_s) * 1e6;
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "bench_frost: %s\n", what.c_str());
  std::exit(1);
}

struct step_figures {
  double round1_us = 0;
  double round2_us = 0;
  double aggregate_us = 0;
  double share_verify_us = 0;
  double verify_us = 0;
};

step_figures measure(uint16_t t, uint16_t n, const std::vector<uint8_t>& msg, int iterations) {
  auto dealt = trusted_dealer_keygen(t, n);
  if (!dealt) {
    fail(dealt.error().message);
  }
  std::vector<key_package> keys;
  for (const secret_share& s : dealt->shares) {
    auto kp = key_package::from_secret_share(s);
    if (!kp) {
      fail(kp.error().message);
    }
    keys.push_back(kp.value());
  }
  const public_key_package& pub = dealt->public_keys;

  std::vector<double> r1, r2, agg, share_verify, verify;
  for (int it = 0; it < iterations; ++it) {
    std::vector<signing_nonces> nonces;
    std::vector<signing_commitments> commitments;
    for (uint16_t i = 0; i < t; ++i) {
      const double start = bench::now_s();
      round1_output out = commit(keys[i]);
      r1.push_back(micros_since(start));
      commitments.push_back(out.commitments);
      nonces.push_back(std::move(out.nonces));
    }
    auto package = signing_package::create(commitments, msg);
    if (!package) {
      fail(package.error().message);
    }
    std::vector<signature_share> shares;
    for (uint16_t i = 0; i < t; ++i) {
      const double start = bench::now_s();
      auto share = sign(package.value(), std::move(nonces[i]), keys[i]);
      r2.push_back(micros_since(start));
      if (!share) {
        fail(share.error().message);
      }
      shares.push_back(share.value());
    }
    double start = bench::now_s();
    auto sig = aggregate(package.value(), shares, pub);
    agg.push_back(micros_since(start));
    if (!sig) {
      fail(sig.error().message);
    }
    start = bench::now_s();
    auto ok =
        verify_signature_share(shares[0], keys[0].verifying_share, package.value(), pub.group_key);
    share_verify.push_back(micros_since(start));
    start = bench::now_s();
    const bool valid = crypto_sign_verify_detached(sig->data(), msg.data(), msg.size(),
                                                   pub.group_key.bytes().data()) == 0;
    verify.push_back(micros_since(start));
    if (!ok || !valid) {
      fail("a threshold signature does not verify");
    }
  }
  return {median(r1), median(r2), median(agg), median(share_verify), median(verify)};
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = bench::parse_options(argc, argv);
  const int iterations = opt.quick ? 10 : 200;
  dsdn::core::crypto_init();

  std::vector<uint8_t> msg(32);
  for (size_t i = 0; i < msg.size(); ++i) {
    msg[i] = static_cast<uint8_t>(i * 7 + 1);
  }

  // Baseline: one single-key Ed25519 signature and verification of the same message.
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  std::vector<double> sign_us, verify_us;
  uint8_t sig[crypto_sign_BYTES];
  for (int it = 0; it < iterations * 5; ++it) {
    double start = bench::now_s();
    crypto_sign_detached(sig, nullptr, msg.data(), msg.size(), sk);
    sign_us.push_back(micros_since(start));
    start = bench::now_s();
    if (crypto_sign_verify_detached(sig, msg.data(), msg.size(), pk) != 0) {
      fail("baseline signature does not verify");
    }
    verify_us.push_back(micros_since(start));
  }
  sodium_memzero(sk, sizeof sk);
  const double base_sign = median(sign_us);
  const double base_verify = median(verify_us);

  bench::report r("frost");
  r.baseline("ed25519_sign_us", base_sign);
  r.baseline("ed25519_verify_us", base_verify);
  std::vector<double> aggregate_verify;
  for (auto [t, n] : {std::pair<uint16_t, uint16_t>{2, 3}, {5, 7}, {7, 10}}) {
    const step_figures f = measure(t, n, msg, iterations);
    const std::string cfg = std::to_string(t) + "of" + std::to_string(n);
    r.metric("round1_us_" + cfg, f.round1_us);
    r.metric("round2_us_" + cfg, f.round2_us);
    r.metric("aggregate_us_" + cfg, f.aggregate_us);
    r.metric("share_verify_us_" + cfg, f.share_verify_us);
    const double total = t * (f.round1_us + f.round2_us) + f.aggregate_us;
    r.ratio("threshold_sign_" + cfg + "_ratio", total / base_sign);
    r.ratio("round1_" + cfg + "_ratio", f.round1_us / base_sign);
    r.ratio("round2_" + cfg + "_ratio", f.round2_us / base_sign);
    r.ratio("aggregate_" + cfg + "_ratio", f.aggregate_us / base_sign);
    aggregate_verify.push_back(f.verify_us);
    if (!opt.json) {
      std::printf(
          "frost %s: round1 %.1f us, round2 %.1f us per signer, aggregate %.1f us, "
          "share verify %.1f us; total %.1f us = %.1fx one Ed25519 signature\n",
          cfg.c_str(), f.round1_us, f.round2_us, f.aggregate_us, f.share_verify_us, total,
          total / base_sign);
    }
  }
  const double verify = median(aggregate_verify);
  r.metric("verify_us", verify);
  r.ratio("verify_ratio", verify / base_verify);
  if (!opt.json) {
    std::printf("ed25519: sign %.1f us, verify %.1f us; aggregate verify %.1f us\n", base_sign,
                base_verify, verify);
  }
  r.print();
  return 0;
}
