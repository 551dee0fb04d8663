// The DA node's JSON-RPC methods (list and shapes: include/dsdn/http/da_node.hpp). Each method
// decodes its params on the connection's thread, then runs its store call on the worker
// thread. blob.Submit answers once the block holding its blobs exists; reads of head + 1 wait
// for that block (as celestia-node's header store does), both at most request_timeout.

#include <memory>
#include <utility>
#include <vector>

#include "da_node_context.hpp"
#include "da_node_json.hpp"
#include "da_node_params.hpp"
#include "da_node_rpc.hpp"

namespace dsdn::http::dn {

namespace {

using ctx_ptr = std::shared_ptr<node_context>;
using decoded = result<rpc_action, int>;

rpc_answer app_error(const failure<da::node_errc>& e) {
  return rpc_answer::fail(rpc_app_error, e.message);
}

rpc_answer wait_error(wait_outcome w) {
  return rpc_answer::fail(rpc_app_error, w == wait_outcome::timed_out ? "context deadline exceeded"
                                                                      : "context canceled");
}

/// What a read produces on the worker: an answer, or "wait for the height after the head".
using read_fn = std::function<std::optional<rpc_answer>(da::da_node_store&)>;

/// Runs `fn` on the worker; while it asks to wait, waits until `height` exists and runs it
/// again.
void run_read(const ctx_ptr& ctx, uint64_t height, read_fn fn, answer_fn done) {
  ctx->on_worker([ctx, height, fn = std::move(fn), done = std::move(done)]() mutable {
    if (auto a = fn(*ctx->store))
      return done(std::move(*a));
    ctx->waiters.wait(height, ctx->deadline(), [ctx, height, fn, done](wait_outcome w) {
      if (w != wait_outcome::produced)
        return done(wait_error(w));
      run_read(ctx, height, fn, done);
    });
  });
}

/// An answer from a store result, or nullopt (wait) for the height after the head.
template <class T, class F>
std::optional<rpc_answer> answer_of(const da::node_result<T>& r, F&& to_json) {
  if (r)
    return rpc_answer::ok(to_json(r.value()));
  if (r.error().code == da::node_errc::next_height)
    return std::nullopt;
  return app_error(r.error());
}

/// Checks a param result and returns its failure as the decode failure of the method.
#define DSDN_TRY_PARAM(var, expr) \
  auto var = (expr);              \
  if (!var)                       \
    return decoded(var.error());

decoded submit(const ctx_ptr& ctx, const ojson& p) {
  DSDN_TRY_PARAM(blobs, decode_blobs(p[0]));
  DSDN_TRY_PARAM(options, decode_tx_config(p[1]));
  auto input = std::make_shared<std::vector<da::node_blob_input>>(std::move(blobs).value());
  return rpc_action([ctx, input](answer_fn done) {
    ctx->on_worker([ctx, input, done] {
      auto height = ctx->store->submit(std::move(*input));
      if (!height)
        return done(app_error(height.error()));
      const uint64_t h = height.value();
      ctx->waiters.wait(h, ctx->deadline(), [h, done](wait_outcome w) {
        done(w == wait_outcome::produced ? rpc_answer::ok(h) : wait_error(w));
      });
    });
  });
}

decoded get(const ctx_ptr& ctx, const ojson& p) {
  DSDN_TRY_PARAM(height, decode_u64({"blob.Get", "*uint64"}, p[0]));
  DSDN_TRY_PARAM(ns, decode_namespace({"blob.Get", "*share.Namespace"}, p[1]));
  DSDN_TRY_PARAM(commitment, decode_bytes({"blob.Get", "*blob.Commitment"}, p[2]));
  const uint64_t h = height.value();
  return rpc_action([ctx, h, ns = ns.value(), c = commitment.value()](answer_fn done) {
    run_read(
        ctx, h,
        [h, ns, c](da::da_node_store& s) {
          return answer_of(s.get(h, ns, c), [](const da::node_blob& b) { return blob_json(b); });
        },
        std::move(done));
  });
}

decoded get_all(const ctx_ptr& ctx, const ojson& p) {
  DSDN_TRY_PARAM(height, decode_u64({"blob.GetAll", "*uint64"}, p[0]));
  DSDN_TRY_PARAM(nss, decode_namespaces({"blob.GetAll", "*[]share.Namespace"}, p[1]));
  const uint64_t h = height.value();
  return rpc_action([ctx, h, nss = nss.value()](answer_fn done) {
    run_read(
        ctx, h,
        [h, nss](da::da_node_store& s) {
          return answer_of(s.get_all(h, nss), [](const std::vector<da::node_blob>& blobs) {
            if (blobs.empty())
              return ojson(nullptr);  // celestia-node >= v0.15: a nil slice, no error
            ojson out = ojson::array();
            for (const auto& b : blobs)
              out.push_back(blob_json(b));
            return out;
          });
        },
        std::move(done));
  });
}

ojson header_of(const ctx_ptr& ctx, const da::node_block& b) {
  return header_json(b, ctx->store->validator_key(), ctx->cfg.chain_id);
}

decoded head(const ctx_ptr& ctx, const ojson&) {
  return rpc_action([ctx](answer_fn done) {
    ctx->on_worker([ctx, done] { done(rpc_answer::ok(header_of(ctx, ctx->store->head()))); });
  });
}

decoded header_at(const ctx_ptr& ctx, const ojson& p, const char* method, bool wait_any) {
  DSDN_TRY_PARAM(height, decode_u64({method, "*uint64"}, p[0]));
  const uint64_t h = height.value();
  return rpc_action([ctx, h, wait_any](answer_fn done) {
    auto fn = [ctx, h](da::da_node_store& s) {
      return answer_of(s.block(h), [&](const da::node_block& b) { return header_of(ctx, b); });
    };
    if (!wait_any || h == 0)
      return run_read(ctx, h, fn, std::move(done));
    // WaitForHeight: any later height is waited for, not only head + 1.
    ctx->waiters.wait(h, ctx->deadline(), [ctx, h, fn, done](wait_outcome w) {
      if (w != wait_outcome::produced)
        return done(wait_error(w));
      run_read(ctx, h, fn, done);
    });
  });
}

decoded ready(const ctx_ptr&, const ojson&) {
  return rpc_action([](answer_fn done) { done(rpc_answer::ok(true)); });
}

decoded store_and_sign(const ctx_ptr& ctx, const ojson& p) {
  DSDN_TRY_PARAM(data, decode_bytes({"dsdn.StoreAndSign", "*[]uint8"}, p[0]));
  auto blob = std::make_shared<std::vector<uint8_t>>(std::move(data).value());
  return rpc_action([ctx, blob](answer_fn done) {
    ctx->on_worker([ctx, blob, done] {
      auto r = ctx->store->store_and_sign(*blob);
      if (!r)
        return done(app_error(r.error()));
      const auto& v = r.value();
      done(rpc_answer::ok(
          ojson{{"commitment", b64(v.commitment.data(), v.commitment.size())},
                {"signature", b64(v.signature.data(), v.signature.size())},
                {"validator_key", b64(v.validator_key.data(), v.validator_key.size())}}));
    });
  });
}

decoded get_by_commitment(const ctx_ptr& ctx, const ojson& p) {
  DSDN_TRY_PARAM(commitment, decode_bytes({"dsdn.GetByCommitment", "*[]uint8"}, p[0]));
  return rpc_action([ctx, c = commitment.value()](answer_fn done) {
    ctx->on_worker([ctx, c, done] {
      auto r = ctx->store->get_by_commitment(c);
      done(r ? rpc_answer::ok(b64(r.value().data(), r.value().size())) : app_error(r.error()));
    });
  });
}

decoded validator_key(const ctx_ptr& ctx, const ojson&) {
  const auto& key = ctx->store->validator_key();  // immutable: safe on any thread
  return rpc_action(
      [value = b64(key.data(), key.size())](answer_fn done) { done(rpc_answer::ok(value)); });
}

const std::vector<method_spec>& methods() {
  static const std::vector<method_spec> table = {
      {"blob.Submit", "Submit", perm::write, 2, submit},
      {"blob.Get", "Get", perm::read, 3, get},
      {"blob.GetAll", "GetAll", perm::read, 2, get_all},
      {"header.NetworkHead", "NetworkHead", perm::read, 0, head},
      {"header.LocalHead", "LocalHead", perm::read, 0, head},
      {"header.GetByHeight", "GetByHeight", perm::read, 1,
       [](const ctx_ptr& c, const ojson& p) {
         return header_at(c, p, "header.GetByHeight", false);
       }},
      {"header.WaitForHeight", "WaitForHeight", perm::read, 1,
       [](const ctx_ptr& c, const ojson& p) {
         return header_at(c, p, "header.WaitForHeight", true);
       }},
      {"node.Ready", "Ready", perm::read, 0, ready},
      {"dsdn.StoreAndSign", "StoreAndSign", perm::write, 1, store_and_sign},
      {"dsdn.GetByCommitment", "GetByCommitment", perm::read, 1, get_by_commitment},
      {"dsdn.ValidatorKey", "ValidatorKey", perm::public_, 0, validator_key},
  };
  return table;
}

}  // namespace

const method_spec* find_method(std::string_view name) {
  for (const auto& m : methods())
    if (name == m.name)
      return &m;
  return nullptr;
}

}  // namespace dsdn::http::dn
