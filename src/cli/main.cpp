// dsdn-coordinator: one binary; `serve` runs a coordinator, the other subcommands manage one.

#include <iostream>
#include <string>
#include <vector>

#include "dsdn/cli/commands.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return dsdn::cli::run_cli(args, std::cout, std::cerr);
}
