// Runs the real `vitrine` binary from tests: one-shot commands, and `vitrine serve` as a child
// process that can be stopped gracefully or killed outright.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

namespace vitrine::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// `args` is appended to the binary's path and run by /bin/sh; `env` is prepended as NAME=value.
CommandResult RunVitrine(const std::string& args, const std::string& stdin_text = "",
                         const std::map<std::string, std::string>& env = {});

std::string ReadTextFile(const std::filesystem::path& p);

// Holds a loopback port while its server is down, so nothing else takes it before the server
// comes back: a client that tries the port meanwhile is accepted and dropped at once, failing
// as it would against no server, and WaitForAttempt tells the test that such an attempt came.
class PortHolder {
 public:
  explicit PortHolder(int port);  // binds 127.0.0.1:port and listens
  ~PortHolder();                  // releases the port
  PortHolder(const PortHolder&) = delete;
  PortHolder& operator=(const PortHolder&) = delete;
  bool bound() const { return fd_ >= 0; }
  // True once a client has connected (and been dropped); false when `timeout` passes first.
  bool WaitForAttempt(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

class ServeProcess {
 public:
  // port 0: any free port, found from the server's log line.
  ServeProcess(const std::filesystem::path& data, const std::filesystem::path& log, int port = 0);
  ~ServeProcess();
  int Stop();   // SIGTERM; returns the exit code
  void Kill();  // SIGKILL, as a crash would
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return ReadTextFile(log_); }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
  bool ended_ = false;
};

}  // namespace vitrine::testing
