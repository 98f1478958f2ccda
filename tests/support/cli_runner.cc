#include "cli_runner.h"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace vitrine::testing {

CommandResult RunVitrine(const std::string& args, const std::string& stdin_text,
                         const std::map<std::string, std::string>& env) {
  std::string command;
  for (const auto& [name, value] : env) command += name + "='" + value + "' ";
  command += std::string(VITRINE_BINARY) + " " + args + " 2>&1";
  if (!stdin_text.empty()) command = "printf '%s\\n' '" + stdin_text + "' | " + command;
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  std::array<char, 4096> buf;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) result.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string ReadTextFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

PortHolder::PortHolder(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int yes = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

PortHolder::~PortHolder() {
  if (fd_ >= 0) ::close(fd_);
}

bool PortHolder::WaitForAttempt(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return false;
  pollfd waiting{fd_, POLLIN, 0};
  if (::poll(&waiting, 1, static_cast<int>(timeout.count())) != 1) return false;
  int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return false;
  ::close(client);
  return true;
}

ServeProcess::ServeProcess(const std::filesystem::path& data, const std::filesystem::path& log, int port) : log_(log) {
  std::string listen = "127.0.0.1:" + std::to_string(port);
  pid_ = ::fork();
  if (pid_ == 0) {
    std::freopen(log.c_str(), "w", stdout);
    ::dup2(::fileno(stdout), STDERR_FILENO);
    ::execl(VITRINE_BINARY, VITRINE_BINARY, "serve", "--data", data.c_str(), "--listen", listen.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::regex listening(R"(http://127\.0\.0\.1:(\d+))");
  for (int i = 0; i < 200 && port_ == 0; ++i) {  // up to 10 s
    std::smatch m;
    std::string text = ReadTextFile(log_);
    if (std::regex_search(text, m, listening))
      port_ = std::stoi(m[1]);
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0 && !ended_) Kill();
}

int ServeProcess::Stop() {
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  ended_ = true;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ServeProcess::Kill() {
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  ended_ = true;
}

}  // namespace vitrine::testing
