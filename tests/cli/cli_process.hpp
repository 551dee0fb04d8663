#pragma once
// Test helpers: run the dsdn-coordinator binary as a CLI child process with a chosen
// environment and working directory, stdout and stderr captured to files. Needs the
// DSDN_COORDINATOR_BIN macro (defined for the system test target).

#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

extern char** environ;

namespace clirun {

/// The whole content of `path` ("" when unreadable).
inline std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// A TCP port that was free a moment ago.
inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// The process environment without the variables the CLI reads, plus `extra`.
inline std::vector<std::string> clean_env(const std::map<std::string, std::string>& extra) {
  static const std::set<std::string> drop = {
      "DSDN_COORDINATOR_URL", "DSDN_API_TOKEN", "DSDN_TIMEOUT_MS", "DSDN_ENV_FILE",
      "USE_MOCK_DA",          "DA_RPC_URL",     "DSDN_DATA_DIR",   "COORDINATOR_PORT",
      "COORDINATOR_HOST",     "ENABLE_FALLBACK"};
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!drop.count(kv.substr(0, kv.find('='))))
      out.push_back(kv);
  }
  for (auto& [k, v] : extra)
    out.push_back(k + "=" + v);
  return out;
}

/// A started CLI process whose stdout and stderr go to files.
struct cli_child {
  pid_t pid = -1;
  std::string out_path;
  std::string err_path;
};

/// Starts the binary with `args` in `cwd`, with the environment of clean_env(`env`).
inline cli_child spawn_cli(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env, const std::string& cwd,
                           const std::string& out_path, const std::string& err_path) {
  cli_child c{-1, out_path, err_path};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  // A scratch cwd: no stray ./.env or ./.env.mainnet of the build dir gets auto-loaded.
  posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  std::vector<std::string> full{DSDN_COORDINATOR_BIN};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  auto envs = clean_env(env);
  std::vector<char*> envp;
  for (auto& e : envs)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  if (posix_spawn(&c.pid, DSDN_COORDINATOR_BIN, &fa, nullptr, argv.data(), envp.data()) != 0)
    c.pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return c;
}

/// Waits for `pid`; its exit code, or 128 + signal.
inline int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// A finished CLI run.
struct cli_result {
  int status = -1;
  std::string out;
  std::string err;
  nlohmann::json body() const { return nlohmann::json::parse(out, nullptr, false); }
};

/// Runs the CLI in `dir` and waits for it.
inline cli_result run_cli(const std::string& dir, const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env = {}) {
  auto c = spawn_cli(args, env, dir, dir + "/cli.out", dir + "/cli.err");
  REQUIRE(c.pid > 0);
  cli_result r;
  r.status = wait_exit(c.pid);
  r.out = read_file(c.out_path);
  r.err = read_file(c.err_path);
  return r;
}

}  // namespace clirun
