#pragma once
// Runs the real dsdn-coordinator binary as a child process for system tests: output captured
// to a file, signals, exit status, and waiting for a log line.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace systest {

class child_process {
 public:
  /// Starts `args` (args[0] is the program) with stdout and stderr appended to `log_path`.
  child_process(const std::vector<std::string>& args, std::string log_path)
      : log_path_(std::move(log_path)) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0)
      pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }

  bool started() const { return pid_ > 0; }
  void signal(int sig) const { ::kill(pid_, sig); }

  /// Waits for the process to exit; its exit code, or 128 + signal, or nothing on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    if (exit_code_)
      return exit_code_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

  /// Everything the process printed so far.
  std::string output() const {
    std::ifstream f(log_path_);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

  /// Waits until the output contains `needle` (or the process exits / time runs out).
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (output().find(needle) != std::string::npos)
        return true;
      int status = 0;
      if (!exit_code_ && waitpid(pid_, &status, WNOHANG) == pid_)
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (exit_code_)
        return output().find(needle) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> exit_code_;
};

#ifdef DSDN_COORDINATOR_BIN
/// The repository root (config/, scripts/). __FILE__ is relative to the build directory when
/// the build tree sits inside the sources, so it is resolved from the binary's directory, which
/// is the build directory: right whatever the current directory of the test.
inline std::string repo_root() {
  auto here = std::filesystem::path(DSDN_COORDINATOR_BIN).parent_path() / __FILE__;
  return here.parent_path().parent_path().parent_path().lexically_normal().string();
}
#endif

/// The value of `key=` in the first log line containing `marker` ("" when absent).
inline std::string log_field(const std::string& output, const std::string& marker,
                             const std::string& key) {
  auto line_start = output.find(marker);
  if (line_start == std::string::npos)
    return "";
  auto line_end = output.find('\n', line_start);
  auto line = output.substr(line_start, line_end - line_start);
  auto pos = line.find(" " + key + "=");
  if (pos == std::string::npos)
    return "";
  pos += key.size() + 2;
  auto end = line.find(' ', pos);
  return line.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

}  // namespace systest
