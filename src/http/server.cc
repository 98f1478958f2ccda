#include "http/server.h"

#include <signal.h>

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/ascii.h"
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

// An IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d: it is a.b.c.d.
asio::ip::address Unmapped(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

class Session;

}  // namespace

struct Server::Impl {
  ServerOptions options;
  HttpApplication& app;
  // Declared before the io_context and the worker pool: sessions still held by their queued
  // handlers unregister while those are destroyed, and must find the mutex alive.
  std::mutex sessions_mu;
  std::condition_variable sessions_gone;
  std::unordered_set<Session*> sessions;

  asio::io_context ioc;
  // The network loop must outlive the acceptor: during Stop, a session whose request is on a
  // worker has nothing pending on the loop, and the worker's answer is posted back to it.
  asio::executor_work_guard<asio::io_context::executor_type> keep_running{ioc.get_executor()};
  // The acceptor and its pause timer are touched by their handlers and by Stop: one strand.
  asio::strand<asio::io_context::executor_type> accept_strand{asio::make_strand(ioc)};
  tcp::acceptor acceptor{accept_strand};
  asio::steady_timer accept_pause{accept_strand};
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  bool stopped = false;
  std::vector<asio::ip::address> trusted_proxies;
  std::atomic<std::size_t> worker_load{0};            // requests queued for or running on a worker
  std::atomic<std::uint64_t> buffered_body_bytes{0};  // reserved by bodies read whole
  std::unique_ptr<core::Executor> own_executor;       // when the options name none
  core::Executor& executor;
  core::TaskGroup worker_tasks;  // this server's, on the executor's request lane
  core::TaskGroup wait_tasks;    // long-polls, on the waits lane

  // The concurrency hint must be the real thread count: a hint of 1 lets Asio assume a single
  // thread, and handlers then run one at a time whatever the number of threads.
  Impl(ServerOptions o, HttpApplication& a)
      : options(std::move(o)),
        app(a),
        ioc(static_cast<int>(ThreadCount(options))),
        own_executor(options.executor ? nullptr : std::make_unique<core::Executor>(RequestLaneOnly(options))),
        executor(options.executor ? *options.executor : *own_executor),
        worker_tasks(executor, core::Lane::kRequests),
        wait_tasks(executor, core::Lane::kWaits) {}
  static core::ExecutorOptions RequestLaneOnly(const ServerOptions& o) {
    core::ExecutorOptions lanes;
    for (auto& lane : lanes.lanes) lane.threads = 0;
    lanes.lanes[static_cast<std::size_t>(core::Lane::kRequests)].threads =
        o.worker_threads ? o.worker_threads : std::max(2u, std::thread::hardware_concurrency());
    lanes.lanes[static_cast<std::size_t>(core::Lane::kWaits)].threads = 32;
    return lanes;
  }
  static unsigned ThreadCount(const ServerOptions& o) {
    return o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  }
  void Accept();
  void RefuseConnection(tcp::socket socket);
  void Register(Session* s);
  void Unregister(Session* s);
  std::size_t SessionCount();
  bool IsTrustedProxy(const asio::ip::address& peer) const {
    return std::find(trusted_proxies.begin(), trusted_proxies.end(), peer) != trusted_proxies.end();
  }
  // Runs the network loop until Stop(); a handler that throws is logged and the loop goes on.
  void RunNetworkThread();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      peer_address_ = Unmapped(endpoint.address());
      peer_ = peer_address_.to_string() + ":" + std::to_string(endpoint.port());
    }
    server_.Register(this);
  }
  ~Session() {
    ReleaseBody();
    server_.Unregister(this);
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
  }

  // Called from any thread during shutdown: closes the connection if it is between requests.
  void CloseIfIdle() {
    auto self_or_null = weak_from_this().lock();
    if (!self_or_null) return;  // already being destroyed
    asio::post(stream_.get_executor(), [self = std::move(self_or_null)] {
      // Between two requests of a kept-alive connection. A connection that has sent nothing
      // yet is not closed under its client's request: that is read and answered 503.
      if (self->idle_ && self->served_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
    });
  }

 private:
  const ServerOptions& options() const { return server_.options; }

  void WaitForRequest() {
    if (server_.stopping && served_) return Close();
    header_parser_.emplace();
    header_parser_->header_limit(kHeaderLimit);
    // The body limit is decided per route once the head is known (see OnHeader).
    header_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    request_ = {};
    sink_.reset();
    chunk_.reset();  // idle keep-alive connections hold no transfer buffer
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
    bhttp::async_read_header(stream_, buffer_, *header_parser_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  static bool IsDisconnect(beast::error_code ec) {
    return ec == beast::error::timeout || ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
           ec == bhttp::error::partial_message || ec == asio::error::operation_aborted ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
  }

  void OnHeader(beast::error_code ec) {
    if (IsDisconnect(ec)) return Close();
    if (ec == bhttp::error::header_limit) {
      return SendErrorAndClose(431, Status::InvalidArgument("request headers are larger than 32 KiB"));
    }
    if (ec) return SendErrorAndClose(400, Status::InvalidArgument("malformed HTTP request: " + ec.message()));
    const auto& head = header_parser_->get();
    request_.method = std::string(head.method_string());
    request_.target = std::string(head.target());
    auto q = request_.target.find('?');
    request_.path = request_.target.substr(0, q);
    if (q != std::string::npos) request_.query = request_.target.substr(q + 1);
    request_.headers.reserve(16);
    for (const auto& field : head) {
      request_.headers.push_back({core::Lowercase(field.name_string()), std::string(field.value())});
    }
    request_.peer = peer_;
    IdentifyClient();
    version_ = head.version();
    keep_alive_ = head.keep_alive();
    if (server_.stopping) {
      // Taken in as the server stops: answered, not dropped (the body is never read).
      return Send(ErrorResponse(Status::Unavailable("the server is stopping; try again shortly")), false);
    }

    if (server_.app.IsStreamed(request_)) return OpenStreamOnWorker();
    AfterOpen(std::unique_ptr<BodySink>());
  }

  // Opening an upload authenticates and checks rights: on a worker, and bounded like any work
  // there. The session waits, with nothing pending, until the answer is posted back.
  void OpenStreamOnWorker() {
    if (server_.worker_load.fetch_add(1) >= server_.options.max_worker_queue) {
      server_.worker_load.fetch_sub(1);
      // The body is never read: the connection cannot be reused.
      return Send(ErrorResponse(Status::Unavailable("the server is busy; try again shortly")), /*keep_alive=*/false);
    }
    server_.worker_tasks.Submit([self = shared_from_this()] {
      Result<std::unique_ptr<BodySink>> sink = Status::Internal("the upload could not be opened");
      try {
        sink = self->server_.app.OpenStream(self->request_);
      } catch (const std::exception& e) {
        spdlog::error("opening an upload threw: {}", e.what());
      }
      self->server_.worker_load.fetch_sub(1);
      asio::post(self->stream_.get_executor(),
                 [self, sink = std::move(sink)]() mutable { self->AfterOpen(std::move(sink)); });
    });
  }

  void AfterOpen(Result<std::unique_ptr<BodySink>> sink) {
    if (!sink.ok()) {
      // The body, if any, is never read: the connection cannot be reused.
      HttpResponse response = ErrorResponse(sink.status());
      return Send(std::move(response), /*keep_alive=*/false);
    }
    sink_ = std::move(*sink);
    if (!sink_) {
      if (auto length = header_parser_->content_length(); length && *length > options().max_body_bytes) {
        return SendErrorAndClose(
            413, Status::TooLarge("request body of " + std::to_string(*length) + " bytes is larger than the limit of " +
                                  std::to_string(options().max_body_bytes)));
      }
    }
    if (beast::iequals(header_parser_->get()[bhttp::field::expect], "100-continue")) {
      continue_ = {bhttp::status::continue_, version_};
      stream_.expires_after(options().body_timeout);
      bhttp::async_write(stream_, continue_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->Close();
        self->StartBody();
      });
      return;
    }
    StartBody();
  }

  // See HttpRequest::client: forwarded headers count only from a trusted proxy.
  void IdentifyClient() {
    request_.client = peer_address_.to_string();
    request_.secure = false;
    request_.host = SaneHost(request_.header("host"));
    if (!server_.IsTrustedProxy(peer_address_)) return;
    // The proxy appends the address it saw to whatever the client sent, as a last element or
    // a header line of its own: only the very last entry of the last line is the proxy's.
    std::string_view forwarded_for;
    for (const Header& h : request_.headers) {
      if (h.name == "x-forwarded-for") forwarded_for = h.value;
    }
    if (auto comma = forwarded_for.rfind(','); comma != std::string_view::npos) forwarded_for.remove_prefix(comma + 1);
    while (!forwarded_for.empty() && forwarded_for.front() == ' ') forwarded_for.remove_prefix(1);
    while (!forwarded_for.empty() && forwarded_for.back() == ' ') forwarded_for.remove_suffix(1);
    beast::error_code ec;
    auto client = asio::ip::make_address(forwarded_for, ec);
    if (!ec) request_.client = Unmapped(client).to_string();
    request_.secure = beast::iequals(request_.header("x-forwarded-proto"), "https");
    if (auto host = SaneHost(request_.header("x-forwarded-host")); !host.empty()) request_.host = host;
  }

  // A Host header is echoed into URLs (IIIF ids): only letters, digits and the punctuation of
  // names, IPv6 literals and ports pass.
  static std::string SaneHost(std::string_view host) {
    if (host.empty() || host.size() > 255) return {};
    for (char c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']') {
        return {};
      }
    }
    return std::string(host);
  }

  void StartBody() {
    if (sink_) {
      stream_parser_.emplace(std::move(*header_parser_));
      stream_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
      return ReadStreamChunk();
    }
    // Bodies read whole are held until their handler is done, before it can say who sent
    // them: all of them together stay within a budget, or the request is turned away.
    const std::uint64_t expected =
        header_parser_->chunked() ? options().max_body_bytes : header_parser_->content_length().value_or(0);
    if (!ReserveBody(expected)) {
      return SendErrorAndClose(503, Status::Unavailable("the server holds too many request bodies; try again shortly"));
    }
    body_parser_.emplace(std::move(*header_parser_));
    body_parser_->body_limit(options().max_body_bytes);
    if (body_parser_->is_done()) return HandleBuffered();
    stream_.expires_after(options().body_timeout);
    bhttp::async_read(stream_, buffer_, *body_parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec == bhttp::error::body_limit) {
        return self->SendErrorAndClose(413,
                                       Status::TooLarge("request body is larger than the limit of " +
                                                        std::to_string(self->options().max_body_bytes) + " bytes"));
      }
      if (IsDisconnect(ec)) return self->Close();
      if (ec) return self->SendErrorAndClose(400, Status::InvalidArgument("malformed HTTP body: " + ec.message()));
      self->HandleBuffered();
    });
  }

  // Streams the body into the sink one chunk at a time: memory stays at one chunk per upload.
  void ReadStreamChunk() {
    if (stream_parser_->is_done()) return FinishStream();
    std::span<char> chunk = Chunk();
    stream_parser_->get().body().data = chunk.data();
    stream_parser_->get().body().size = chunk.size();
    // The timeout bounds a stall, not the whole upload: it is renewed for every chunk.
    stream_.expires_after(options().body_timeout);
    bhttp::async_read_some(
        stream_, buffer_, *stream_parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec == bhttp::error::need_buffer) ec = {};
          if (IsDisconnect(ec)) return self->Close();  // the sink, destroyed with us, discards the upload
          if (ec) return self->SendErrorAndClose(400, Status::InvalidArgument("malformed HTTP body: " + ec.message()));
          std::size_t n = kChunkSize - self->stream_parser_->get().body().size;
          if (n > 0) {
            Status written = self->sink_->Write(std::string_view(self->chunk_.get(), n));
            if (!written.ok()) return self->SendErrorAndClose(HttpStatusFor(written.code()), written);
          }
          self->ReadStreamChunk();
        });
  }

  // Finishing an upload (probe, thumbnail, fsync, commit) can take seconds: on a worker. Not
  // subject to the queue bound: the client has sent every byte, refusing now would waste them.
  void FinishStream() {
    RunOnWorker(/*bounded=*/false, [](Session& self) {
      HttpResponse response = RunSafely([&] { return self.sink_->Finish(); });
      self.sink_.reset();
      return response;
    });
  }

  void HandleBuffered() {
    request_.body = std::move(body_parser_->get().body());
    HttpResponse response = RunSafely([&] { return server_.app.Handle(request_); });
    if (!response.run_on_worker) return Send(std::move(response), keep_alive_ && !server_.stopping);
    request_.on_worker = true;
    RunOnWorker(/*bounded=*/true, response.waits, [](Session& self) {
      HttpResponse answer = RunSafely([&] { return self.server_.app.Handle(self.request_); });
      if (answer.run_on_worker) answer = ErrorResponse(Status::Internal("a handler asked for a worker twice"));
      return answer;
    });
  }

  // Runs `work(*this) -> HttpResponse` on the worker pool and sends its answer from the
  // session's strand. Nothing else touches this session meanwhile: no read is pending.
  template <class Work>
  void RunOnWorker(bool bounded, Work work) {
    RunOnWorker(bounded, /*waits=*/false, std::move(work));
  }
  template <class Work>
  void RunOnWorker(bool bounded, bool waits, Work work) {
    if (server_.worker_load.fetch_add(1) >= server_.options.max_worker_queue && bounded) {
      server_.worker_load.fetch_sub(1);
      sink_.reset();
      HttpResponse busy = ErrorResponse(Status::Unavailable("the server is busy; try again shortly"));
      return Send(std::move(busy), keep_alive_ && !server_.stopping);
    }
    (waits ? server_.wait_tasks : server_.worker_tasks)
        .Submit([self = shared_from_this(), work = std::move(work)]() mutable {
          HttpResponse answer = work(*self);
          self->server_.worker_load.fetch_sub(1);
          asio::post(self->stream_.get_executor(), [self, answer = std::move(answer)]() mutable {
            self->Send(std::move(answer), self->keep_alive_ && !self->server_.stopping);
          });
        });
  }

  template <class Fn>
  static HttpResponse RunSafely(Fn fn) {
    try {
      return fn();
    } catch (const std::exception& e) {
      spdlog::error("request handler threw: {}", e.what());
      return ErrorResponse(Status::Internal("internal error"));
    }
  }

  template <class Message>
  void SetCommonHeaders(Message& m, const HttpResponse& response, bool keep_alive) {
    m.version(version_);
    m.result(static_cast<unsigned>(response.status));
    m.set(bhttp::field::server, "vitrine");
    m.set(bhttp::field::date, CurrentHttpDate());
    for (const auto& h : response.headers) m.set(h.name, h.value);
    m.keep_alive(keep_alive);
  }

  bool ReserveBody(std::uint64_t bytes) {
    if (bytes == 0) return true;
    // At least one body of the largest size always fits.
    const std::uint64_t budget = std::max(options().max_buffered_body_bytes, options().max_body_bytes);
    if (server_.buffered_body_bytes.fetch_add(bytes) + bytes > budget) {
      server_.buffered_body_bytes.fetch_sub(bytes);
      return false;
    }
    reserved_body_ = bytes;
    return true;
  }

  void ReleaseBody() {
    if (reserved_body_ == 0) return;
    server_.buffered_body_bytes.fetch_sub(reserved_body_);
    reserved_body_ = 0;
    std::string().swap(request_.body);
  }

  void Send(HttpResponse response, bool keep_alive) {
    ReleaseBody();
    status_ = response.status;
    stream_.expires_after(options().body_timeout);
    bool head_only = request_.method == "HEAD";
    if (response.stream || head_only) {
      // Chunked only where HTTP/1.1 allows it and a body follows; an HTTP/1.0 body of unknown
      // length ends with the connection.
      const bool unknown_length = response.stream && response.stream_length < 0;
      out_chunked_ = unknown_length && !head_only && version_ >= 11;
      out_unknown_length_ = unknown_length && !head_only;
      if (unknown_length && !out_chunked_ && !head_only) keep_alive = false;
      std::uint64_t length = response.stream
                                 ? static_cast<std::uint64_t>(std::max<std::int64_t>(response.stream_length, 0))
                                 : static_cast<std::uint64_t>(response.body.size());
      out_stream_res_ = {};
      SetCommonHeaders(out_stream_res_, response, keep_alive);
      if (out_chunked_) {
        out_stream_res_.chunked(true);
      } else if (!unknown_length) {
        out_stream_res_.content_length(length);
      }
      out_source_ = head_only ? nullptr : std::move(response.stream);
      out_waits_ = response.waits;
      out_remaining_ = out_source_ ? (unknown_length ? std::numeric_limits<std::uint64_t>::max() : length) : 0;
      out_stream_res_.body().data = nullptr;
      out_stream_res_.body().more = out_remaining_ > 0;
      out_serializer_.emplace(out_stream_res_);
      return WriteStreamChunk(keep_alive);
    }
    res_ = {};
    SetCommonHeaders(res_, response, keep_alive);
    res_.body() = std::move(response.body);
    res_.prepare_payload();
    bhttp::async_write(stream_, res_, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t bytes) {
      self->AfterWrite(ec, bytes, keep_alive);
    });
  }

  void WriteStreamChunk(bool keep_alive) {
    auto& body = out_stream_res_.body();
    if (out_source_ && body.more && !body.data) {
      std::span<char> chunk =
          Chunk().first(static_cast<std::size_t>(std::min<std::uint64_t>(kChunkSize, out_remaining_)));
      if (out_unknown_length_) {
        // A body made as it is sent (an export) costs real work per chunk: on a worker, as its
        // first part was; the session waits, with nothing else pending, for the answer.
        (out_waits_ ? server_.wait_tasks : server_.worker_tasks).Submit([self = shared_from_this(), chunk, keep_alive] {
          Result<std::size_t> n = ReadSafely(*self->out_source_, chunk);
          asio::post(self->stream_.get_executor(), [self, chunk, keep_alive, n = std::move(n)]() mutable {
            if (self->TakeStreamChunk(chunk, std::move(n))) self->WriteBody(keep_alive);
          });
        });
        return;
      }
      if (!TakeStreamChunk(chunk, out_source_->Read(chunk))) return;
    }
    WriteBody(keep_alive);
  }

  static Result<std::size_t> ReadSafely(core::ByteSource& source, std::span<char> chunk) {
    try {
      return source.Read(chunk);
    } catch (const std::exception& e) {
      return Status::Internal(std::string("stream failed: ") + e.what());
    }
  }

  // Puts what the source gave into the response body; false (the connection dropped) when
  // the source failed or ended before the promised length.
  bool TakeStreamChunk(std::span<char> chunk, Result<std::size_t> n) {
    auto& body = out_stream_res_.body();
    if (out_unknown_length_ && n.ok() && *n == 0) {  // the end of a body of unknown length
      body.data = nullptr;
      body.size = 0;
      body.more = false;
      out_remaining_ = 0;
      return true;
    }
    if (!n.ok() || *n == 0) {
      // The client must see a broken response, not a short one, so the connection is dropped.
      spdlog::error("download stream failed: {}", n.ok() ? "ended early" : n.status().ToString());
      Close();
      return false;
    }
    body.data = chunk.data();
    body.size = *n;
    sent_ += *n;
    if (!out_unknown_length_) out_remaining_ -= *n;
    body.more = out_remaining_ > 0;
    return true;
  }

  void WriteBody(bool keep_alive) {
    stream_.expires_after(options().body_timeout);
    bhttp::async_write_some(stream_, *out_serializer_,
                            [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                              if (ec == bhttp::error::need_buffer) {
                                self->out_stream_res_.body().data = nullptr;
                                return self->WriteStreamChunk(keep_alive);
                              }
                              if (ec) return self->AfterWrite(ec, self->sent_, keep_alive);
                              if (!self->out_serializer_->is_done()) return self->WriteStreamChunk(keep_alive);
                              self->AfterWrite(ec, self->sent_, keep_alive);
                            });
  }

  void AfterWrite(beast::error_code ec, std::size_t bytes, bool keep_alive) {
    served_ = true;
    Log(bytes);
    out_source_.reset();
    out_serializer_.reset();
    sent_ = 0;
    if (ec || !keep_alive) return Close();
    WaitForRequest();
  }

  void SendErrorAndClose(int status, const Status& error) {
    sink_.reset();
    HttpResponse response = ErrorResponse(error);
    response.status = status;
    if (request_.method.empty() && header_parser_) {
      request_.method = std::string(header_parser_->get().method_string());
      request_.target = std::string(header_parser_->get().target());
    }
    if (version_ == 0) version_ = 11;
    Send(std::move(response), /*keep_alive=*/false);
  }

  void Log(std::size_t bytes) {
    if (!server_.options.access_log) return;
    auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
    spdlog::info("{} \"{} {}\" {} {} {:.2f}ms", peer_, request_.method.empty() ? "-" : request_.method,
                 request_.target.empty() ? "-" : RedactedTarget(request_.target), status_, bytes, elapsed);
  }

  // Tokens in URLs (access_token=) are credentials: the log keeps the request, not them.
  static std::string RedactedTarget(std::string target) {
    for (std::size_t at = target.find("access_token="); at != std::string::npos;
         at = target.find("access_token=", at + 1)) {
      std::size_t start = at + 13, end = target.find('&', start);
      target.replace(start, (end == std::string::npos ? target.size() : end) - start, "REDACTED");
    }
    return target;
  }

  void Close() {
    sink_.reset();
    out_source_.reset();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Server::Impl& server_;
  // The buffer's cap bounds memory per connection; it must hold a whole header (kHeaderLimit).
  beast::flat_buffer buffer_{2 * kHeaderLimit};
  std::optional<bhttp::request_parser<bhttp::empty_body>> header_parser_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_parser_;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> stream_parser_;
  std::unique_ptr<BodySink> sink_;
  HttpRequest request_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bhttp::response<bhttp::empty_body> continue_;
  bhttp::response<bhttp::string_body> res_;
  bhttp::response<bhttp::buffer_body> out_stream_res_;
  std::optional<bhttp::response_serializer<bhttp::buffer_body>> out_serializer_;
  std::unique_ptr<core::ByteSource> out_source_;
  std::uint64_t out_remaining_ = 0;
  bool out_chunked_ = false;
  bool out_unknown_length_ = false;
  bool out_waits_ = false;  // the source's reads wait for events: on the waits lane
  std::size_t sent_ = 0;
  int status_ = 0;
  // Allocated only while a body is streamed in or out.
  static constexpr std::size_t kChunkSize = 256 * 1024;
  std::unique_ptr<char[]> chunk_;
  std::span<char> Chunk() {
    if (!chunk_) chunk_ = std::make_unique_for_overwrite<char[]>(kChunkSize);
    return {chunk_.get(), kChunkSize};
  }
  std::string peer_ = "-";
  asio::ip::address peer_address_;
  std::uint64_t reserved_body_ = 0;  // of the server's budget for bodies read whole
  std::chrono::steady_clock::time_point started_;
  bool idle_ = false;    // touched only on the session's strand
  bool served_ = false;  // a response was sent on this connection
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

std::size_t Server::Impl::SessionCount() {
  std::lock_guard lock(sessions_mu);
  return sessions.size();
}

void Server::Impl::RefuseConnection(tcp::socket socket) {
  static constexpr std::string_view kBody =
      R"({"error":{"code":"unavailable","message":"too many connections; try again shortly"}})";
  static const std::string kBusy =
      "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
      "retry-after: 1\r\nconnection: close\r\ncontent-length: " +
      std::to_string(kBody.size()) + "\r\n\r\n" + std::string(kBody);
  // Answer, stop sending, and read what the client sent before closing: closing with its
  // request unread would reset the connection, and the client would never see the 503. All
  // within a few seconds, so refused connections hold nothing for long.
  struct Refusal {
    beast::tcp_stream stream;
    std::array<char, 4096> sink;
  };
  auto refusal = std::make_shared<Refusal>(Refusal{beast::tcp_stream(std::move(socket)), {}});
  refusal->stream.expires_after(std::chrono::seconds(5));
  asio::async_write(refusal->stream, asio::buffer(kBusy), [refusal](beast::error_code ec, std::size_t) {
    if (ec) return;
    refusal->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    refusal->stream.async_read_some(asio::buffer(refusal->sink),
                                    [refusal](beast::error_code, std::size_t) { refusal->stream.close(); });
  });
}

void Server::Impl::RunNetworkThread() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("network thread: a handler threw, carrying on: {}", e.what());
    }
  }
}

void Server::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec && SessionCount() >= options.max_connections) {
      RefuseConnection(std::move(socket));
    } else if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), *this)->Start();
    } else {
      // Out of file descriptors, say: accepting again at once would spin. Pause, then retry.
      spdlog::warn("accept failed: {}; pausing 100 ms", ec.message());
      accept_pause.expires_after(std::chrono::milliseconds(100));
      accept_pause.async_wait([this](beast::error_code) { Accept(); });
      return;
    }
    Accept();
  });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, HttpApplication& app) {
  if (options.executor && options.executor->limits(core::Lane::kRequests).threads == 0) {
    return Status::InvalidArgument("the server's executor has no request threads");
  }
  auto impl = std::make_unique<Impl>(options, app);
  beast::error_code ec;
  for (const std::string& proxy : options.trusted_proxies) {
    impl->trusted_proxies.push_back(Unmapped(asio::ip::make_address(proxy, ec)));
    if (ec) return Status::InvalidArgument("trusted proxy '" + proxy + "' is not an IP address");
  }
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
  for (unsigned i = 0; i < Impl::ThreadCount(options); ++i) {
    impl->threads.emplace_back([raw = impl.get()] { raw->RunNetworkThread(); });
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
  asio::post(impl_->accept_strand, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    impl->accept_pause.cancel();
  });
  {
    std::unique_lock lock(impl_->sessions_mu);
    for (Session* s : impl_->sessions) s->CloseIfIdle();
    impl_->sessions_gone.wait_for(lock, impl_->options.shutdown_grace, [&] { return impl_->sessions.empty(); });
  }
  impl_->keep_running.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  // After the network threads: what a worker finishes now is answered to no one, but no
  // handler runs once Stop returns.
  impl_->worker_tasks.Wait();
  impl_->wait_tasks.Wait();
}

void WaitForTerminationSignal() {
  asio::io_context ioc(1);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([](beast::error_code, int) {});
  ioc.run();
}

}  // namespace vitrine::http
