// `dsdn-coordinator keygen --threshold T --members ID=HOST:PORT,... --out DIR`: the trusted
// dealer. Writes committee.json (public) and one member-<id>.json (secret, 0600) per member into
// DIR, then loads every file back with the same checks `serve --committee` runs, so a broken
// set of files is never reported as a success. Existing files are never overwritten.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "dsdn/cli/commands.hpp"
#include "dsdn/core/crypto.hpp"
#include "dsdn/multi/committee_files.hpp"

namespace dsdn::cli {

namespace {

struct keygen_options {
  unsigned threshold = 0;
  std::vector<std::string> members;  // "id=host:port", one per entry
  std::string out;
};

/// Splits "id=host:port" entries; the message names the first malformed one.
bool parse_members(const std::vector<std::string>& entries, std::vector<multi::member_spec>& out,
                   std::string& error) {
  for (const auto& e : entries) {
    auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == e.size()) {
      error = "--members entry \"" + e + "\" is not ID=HOST:PORT";
      return false;
    }
    out.push_back({e.substr(0, eq), e.substr(eq + 1)});
  }
  return true;
}

/// Reads back what was written, exactly as serve will.
bool verify_written(const multi::committee_paths& paths, std::string& error) {
  auto c = multi::load_committee(paths.committee_file);
  if (!c) {
    error = c.error().message;
    return false;
  }
  for (const auto& f : paths.member_files) {
    auto m = multi::load_member(f, c.value());
    if (!m) {
      error = m.error().message;
      return false;
    }
  }
  return true;
}

int run_keygen(const cli_context& ctx, const keygen_options& o) {
  std::vector<multi::member_spec> specs;
  std::string error;
  if (!parse_members(o.members, specs, error)) {
    ctx.io.err << "Error: " << error << "\n";
    return exit_usage;
  }
  core::crypto_init();
  auto bundle = multi::make_committee(static_cast<uint16_t>(o.threshold), specs);
  if (!bundle) {
    ctx.io.err << "Error: " << bundle.error().message << "\n";
    return exit_usage;  // only argument checks fail here
  }
  auto paths = multi::write_committee(o.out, bundle.value());
  if (!paths) {
    ctx.io.err << "Error: " << paths.error().message << "\n";
    return exit_failure;
  }
  if (!verify_written(paths.value(), error)) {
    ctx.io.err << "Error: the written files do not load back: " << error << "\n";
    return exit_failure;
  }
  const auto& pub = bundle.value().pub;
  ctx.io.out << "committee " << paths->committee_file << " threshold=" << pub.threshold
             << " members=" << pub.members.size()
             << " group_public_key=" << core::to_hex(pub.group_public_key.bytes()) << "\n";
  for (size_t i = 0; i < pub.members.size(); ++i)
    ctx.io.out << "member " << pub.members[i].id << " " << paths->member_files[i] << "\n";
  return exit_ok;
}

}  // namespace

void add_keygen_command(CLI::App& app, command_runner& run, context_ptr ctx) {
  auto opt = std::make_shared<keygen_options>();
  auto* cmd = app.add_subcommand(
      "keygen",
      "Trusted-dealer FROST key generation: committee.json and member-<id>.json (0600) in --out");
  cmd->fallthrough();
  cmd->add_option("--threshold", opt->threshold, "Signers needed for a signature (2..members)")
      ->required()
      ->check(unsigned_integer())
      ->check(CLI::Range(2u, 65535u));
  cmd->add_option("--members", opt->members,
                  "Comma-separated ID=HOST:PORT (coordinator id and its peer address)")
      ->required()
      ->delimiter(',');
  cmd->add_option("--out", opt->out, "Output directory (created 0700; existing files are kept)")
      ->required();
  cmd->callback([opt, ctx, &run] { run = [opt, ctx] { return run_keygen(*ctx, *opt); }; });
}

}  // namespace dsdn::cli
