#include "http/server.h"

#include <signal.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/time_format.h"
#include "http/responses.h"

namespace vitrine::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kHeaderLimit = 32 * 1024;

// The Date header, formatted at most once a second per thread.
const std::string& CurrentHttpDate() {
  thread_local std::string text;
  thread_local std::int64_t second = -1;
  auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  auto s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (s != second) {
    second = s;
    text = core::FormatHttpDate(now);
  }
  return text;
}

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Session;

}  // namespace

struct Server::Impl {
  ServerOptions options;
  RequestHandler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  bool stopped = false;

  std::mutex sessions_mu;
  std::condition_variable sessions_gone;
  std::unordered_set<Session*> sessions;

  Impl(ServerOptions o, RequestHandler h) : options(std::move(o)), handler(std::move(h)), ioc(1) {}
  void Accept();
  void Register(Session* s);
  void Unregister(Session* s);
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    server_.Register(this);
  }
  ~Session() { server_.Unregister(this); }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
  }

  // Called from any thread during shutdown: closes the connection if it is between requests.
  void CloseIfIdle() {
    auto self_or_null = weak_from_this().lock();
    if (!self_or_null) return;  // already being destroyed
    asio::post(stream_.get_executor(), [self = std::move(self_or_null)] {
      if (self->idle_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
    });
  }

 private:
  const ServerOptions& options() const { return server_.options; }

  void WaitForRequest() {
    if (server_.stopping) return Close();
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(options().max_body_bytes);
    if (buffer_.size() > 0) return ReadHeader();
    idle_ = true;
    stream_.expires_after(options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->idle_ = false;
      if (ec) return self->Close();
      self->buffer_.commit(n);
      self->ReadHeader();
    });
  }

  void ReadHeader() {
    started_ = std::chrono::steady_clock::now();
    stream_.expires_after(options().header_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->OnHeader(ec);
    });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == beast::error::timeout || ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return Close();
    }
    if (ec == bhttp::error::body_limit) {  // Beast checks Content-Length against the limit with the header
      return SendErrorAndClose(413, Status::TooLarge("request body is larger than the limit of " +
                                                     std::to_string(options().max_body_bytes) + " bytes"));
    }
    if (ec == bhttp::error::header_limit) {
      return SendErrorAndClose(431, Status::InvalidArgument("request headers are larger than 32 KiB"));
    }
    if (ec) return SendErrorAndClose(400, Status::InvalidArgument("malformed HTTP request: " + ec.message()));
    auto& req = parser_->get();
    if (auto length = parser_->content_length(); length && *length > options().max_body_bytes) {
      return SendErrorAndClose(413, Status::TooLarge("request body of " + std::to_string(*length) +
                                                     " bytes is larger than the limit of " +
                                                     std::to_string(options().max_body_bytes)));
    }
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      continue_ = {bhttp::status::continue_, req.version()};
      stream_.expires_after(options().body_timeout);
      bhttp::async_write(stream_, continue_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return Handle();
    stream_.expires_after(options().body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec == bhttp::error::body_limit) {
        return self->SendErrorAndClose(
            413, Status::TooLarge("request body is larger than the limit of " +
                                  std::to_string(self->options().max_body_bytes) + " bytes"));
      }
      if (ec == beast::error::timeout || ec == asio::error::eof || ec == bhttp::error::partial_message ||
          ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
        return self->Close();
      }
      if (ec) return self->SendErrorAndClose(400, Status::InvalidArgument("malformed HTTP body: " + ec.message()));
      self->Handle();
    });
  }

  void Handle() {
    bhttp::request<bhttp::string_body> req = parser_->release();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    auto q = request.target.find('?');
    request.path = request.target.substr(0, q);
    if (q != std::string::npos) request.query = request.target.substr(q + 1);
    request.headers.reserve(16);
    for (const auto& field : req) request.headers.push_back({Lowercase(field.name_string()), std::string(field.value())});
    request.body = std::move(req.body());
    request.peer = peer_;

    HttpResponse response;
    try {
      response = server_.handler(request);
    } catch (const std::exception& e) {
      spdlog::error("request handler threw: {}", e.what());
      response = ErrorResponse(Status::Internal("internal error"));
    }
    bool keep_alive = req.keep_alive() && !server_.stopping;
    Send(std::move(response), req.version(), keep_alive, request.method, request.target);
  }

  void Send(HttpResponse response, unsigned version, bool keep_alive, std::string method, std::string target) {
    res_ = {};
    res_.version(version);
    res_.result(static_cast<unsigned>(response.status));
    res_.set(bhttp::field::server, "vitrine");
    res_.set(bhttp::field::date, CurrentHttpDate());
    for (auto& h : response.headers) res_.set(h.name, h.value);
    res_.body() = std::move(response.body);
    res_.keep_alive(keep_alive);
    res_.prepare_payload();
    stream_.expires_after(options().body_timeout);
    bhttp::async_write(stream_, res_,
                       [self = shared_from_this(), method = std::move(method), target = std::move(target),
                        keep_alive](beast::error_code ec, std::size_t bytes) {
                         self->Log(method, target, bytes);
                         if (ec || !keep_alive) return self->Close();
                         self->WaitForRequest();
                       });
  }

  void SendErrorAndClose(int status, const Status& error) {
    HttpResponse response = ErrorResponse(error);
    response.status = status;
    std::string method = parser_ ? std::string(parser_->get().method_string()) : "-";
    std::string target = parser_ ? std::string(parser_->get().target()) : "-";
    Send(std::move(response), 11, /*keep_alive=*/false, std::move(method), std::move(target));
  }

  void Log(const std::string& method, const std::string& target, std::size_t bytes) {
    if (!server_.options.access_log) return;
    auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
    spdlog::info("{} \"{} {}\" {} {} {:.2f}ms", peer_, method, target, res_.result_int(), bytes, elapsed);
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Server::Impl& server_;
  // The buffer's cap bounds memory per connection; it must hold a whole header (kHeaderLimit).
  beast::flat_buffer buffer_{2 * kHeaderLimit};
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::empty_body> continue_;
  bhttp::response<bhttp::string_body> res_;
  std::string peer_ = "-";
  std::chrono::steady_clock::time_point started_;
  bool idle_ = false;  // touched only on the session's strand
};

}  // namespace

void Server::Impl::Register(Session* s) {
  std::lock_guard lock(sessions_mu);
  sessions.insert(s);
}

void Server::Impl::Unregister(Session* s) {
  std::lock_guard lock(sessions_mu);
  sessions.erase(s);
  if (sessions.empty()) sessions_gone.notify_all();
}

void Server::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), *this)->Start();
    } else {
      spdlog::warn("accept failed: {}", ec.message());
    }
    Accept();
  });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, RequestHandler handler) {
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  beast::error_code ec;
  auto address = asio::ip::make_address(options.host, ec);
  if (ec) return Status::InvalidArgument("'" + options.host + "' is not an IP address");
  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " +
                               ec.message());
  }
  impl->Accept();
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) {
    impl->threads.emplace_back([raw = impl.get()] { raw->ioc.run(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::uint16_t Server::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void Server::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->stopping = true;
  asio::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  {
    std::unique_lock lock(impl_->sessions_mu);
    for (Session* s : impl_->sessions) s->CloseIfIdle();
    impl_->sessions_gone.wait_for(lock, impl_->options.shutdown_grace, [&] { return impl_->sessions.empty(); });
  }
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
}

void WaitForTerminationSignal() {
  asio::io_context ioc(1);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([](beast::error_code, int) {});
  ioc.run();
}

}  // namespace vitrine::http
