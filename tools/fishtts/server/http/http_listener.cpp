#include "http/http_listener.h"

#include <malloc.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/error.h"

namespace fishtts::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Over the connection limit, a few connections at a time are told so (503) instead of being dropped.
constexpr std::size_t kMaxRefusing = 4;
constexpr milliseconds kRefuseTimeout{2'000};
// After a refusal, what the client was still sending is read and dropped for a moment before closing, so its
// TCP stack does not reset the connection before it has read the answer.
constexpr milliseconds kLingerTime{1'000};
constexpr std::size_t kLingerBytes = 4u << 20;

// Request bodies and answers at least this large give their memory back to the system once done (glibc keeps
// freed memory in per-thread arenas, so large messages on many connection threads would otherwise stay resident).
constexpr std::size_t kTrimAfterBodyBytes = 1u << 20;

// The bytes of request bodies all connections hold; a reservation is returned when its request is done.
class BodyBudget {
 public:
  explicit BodyBudget(std::size_t limit) : limit_(limit) {}
  bool reserve(std::size_t bytes) {
    std::size_t held = held_.load();
    do {
      if (bytes > limit_ - std::min(held, limit_)) return false;
    } while (!held_.compare_exchange_weak(held, held + bytes));
    return true;
  }
  void release(std::size_t bytes) { held_ -= bytes; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> held_{0};
};

// What one request holds of the budget, given back when it ends.
class BodyReservation {
 public:
  explicit BodyReservation(BodyBudget& budget) : budget_(budget) {}
  ~BodyReservation() {
    budget_.release(held_);
    if (held_ >= kTrimAfterBodyBytes) ::malloc_trim(0);
  }
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;
  // Grows the reservation to `bytes`; false when the budget has no room.
  bool grow_to(std::size_t bytes) {
    if (bytes <= held_) return true;
    if (!budget_.reserve(bytes - held_)) return false;
    held_ = bytes;
    return true;
  }

 private:
  BodyBudget& budget_;
  std::size_t held_ = 0;
};

bool is_http_error(const beast::error_code& ec) { return ec.category() == http::make_error_code(http::error::end_of_stream).category(); }

// The client closed or reset the connection (nothing to answer), as opposed to sending something malformed.
bool client_left(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message || (ec && !is_http_error(ec));
}

// One client connection, served on its own thread with its own io_context: every read and write is an async
// operation run to completion here under a timer, which cancels it when its time is up (the socket stays open,
// so a 408 can still be sent).
class Connection {
 public:
  Connection(tcp::socket socket, const HttpLimits& limits, BodyBudget& bodies)
      : socket_(ioc_), limits_(limits), bodies_(bodies) {
    beast::error_code ec;
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    if (!ec) remote_address_ = remote.address().to_string();
    const tcp::socket::protocol_type protocol = socket.local_endpoint(ec).protocol();
    socket_.assign(protocol, socket.release(), ec);
  }

  // Serves requests until the client leaves, a limit is hit, or `stopping`.
  void serve(const HttpHandler& handler, const HttpListener::ErrorBody& error_body, const std::atomic<bool>& stopping) {
    while (serve_one(handler, error_body, stopping)) {
    }
  }

  // Over the connection limit: reads the head (briefly) and answers 503.
  void refuse_busy(const HttpListener::ErrorBody& error_body, std::size_t limit) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    bool timed_out = false;
    await(kRefuseTimeout, timed_out, [&](auto done) { http::async_read_header(socket_, buffer_, parser, done); });
    refuse(503, "too many connections: the server serves " + std::to_string(limit) + " at once; retry later", nullptr,
           error_body);
  }

  // From stop(): a connection waiting for a request head gets end-of-file now; one answering a request finishes.
  void stop_if_idle() {
    if (idle_) ::shutdown(socket_.native_handle(), SHUT_RD);
  }

  void close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  // Runs one async operation to completion within `limit`; `timed_out` says whether the timer cancelled it.
  template <class Start>
  beast::error_code await(milliseconds limit, bool& timed_out, Start start) {
    timed_out = false;
    net::steady_timer timer(ioc_, limit);
    timer.async_wait([&](const beast::error_code& ec) {
      if (ec) return;
      timed_out = true;
      beast::error_code ignored;
      socket_.cancel(ignored);
    });
    beast::error_code result;
    start([&](const beast::error_code& ec, std::size_t) {
      result = ec;
      timer.cancel();
    });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  bool peer_closed() const {
    pollfd p{};
    p.fd = const_cast<tcp::socket&>(socket_).native_handle();
    p.events = POLLRDHUP;
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  // Answers `status` and ends the connection.
  void refuse(int status, const std::string& message, const HttpRequest* req, const HttpListener::ErrorBody& error_body) {
    HttpResponse res;
    res.status = status;
    error_body(status, message, req, res);
    write(res, false, false);
    linger();
  }

  // Half-closes and drops what the client still sends, for a moment, before the socket is closed.
  void linger() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    const auto until = Clock::now() + kLingerTime;
    std::size_t dropped = 0;
    std::vector<char> sink(64u << 10);
    while (!ec && dropped < kLingerBytes && Clock::now() < until) {
      bool timed_out = false;
      std::size_t got = 0;
      const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
      ec = await(std::max(left, milliseconds(1)), timed_out, [&](auto done) {
        socket_.async_read_some(net::buffer(sink), [&got, done](const beast::error_code& e, std::size_t n) {
          got = n;
          done(e, n);
        });
      });
      dropped += got;
    }
  }

  bool serve_one(const HttpHandler& handler, const HttpListener::ErrorBody& error_body,
                 const std::atomic<bool>& stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits_.max_header_bytes, UINT32_MAX)));
    parser.body_limit(limits_.max_body_bytes);

    idle_ = true;  // before looking at `stopping`: stop() either sees this or this sees stopping
    if (stopping) return false;
    bool timed_out = false;
    beast::error_code ec =
        await(limits_.head_timeout, timed_out, [&](auto done) { http::async_read_header(socket_, buffer_, parser, done); });
    idle_ = false;
    if (timed_out) {
      if (parser.got_some()) refuse(408, "the request head did not arrive in time", nullptr, error_body);
      return false;
    }
    if (ec == http::error::header_limit) {
      refuse(431, "the request head is larger than " + std::to_string(limits_.max_header_bytes) + " bytes", nullptr,
             error_body);
      return false;
    }
    if (client_left(ec)) return false;

    HttpRequest req;
    req.remote_address = remote_address_;
    req.client_gone = [this] { return peer_closed(); };
    if (!ec || ec == http::error::body_limit) {
      const auto& msg = parser.get();
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      for (const auto& field : msg) req.headers.emplace(std::string(field.name_string()), std::string(field.value()));
    }
    const auto too_large = [&] {
      refuse(413, "the request body is larger than the limit of " + std::to_string(limits_.max_body_bytes) + " bytes",
             &req, error_body);
      return false;
    };
    if (ec == http::error::body_limit) return too_large();
    if (ec) {
      refuse(400, "malformed request: " + ec.message(), nullptr, error_body);
      return false;
    }
    if (req.headers.size() > limits_.max_header_fields) {
      refuse(431, "more than " + std::to_string(limits_.max_header_fields) + " header fields", nullptr, error_body);
      return false;
    }
    if (!parse_target(req.target, req.path, req.params)) {
      refuse(400, "malformed request target", nullptr, error_body);
      return false;
    }
    const std::string encoding = req.header("Content-Encoding");
    if (!encoding.empty() && !beast::iequals(encoding, "identity")) {
      refuse(415, "compressed request bodies are not accepted (Content-Encoding: " + encoding.substr(0, 40) +
                      "); send the body uncompressed",
             &req, error_body);
      return false;
    }
    if (!parser.is_done() && beast::iequals(req.header("Expect"), "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, 11};
      if (await(limits_.write_timeout, timed_out, [&](auto done) { http::async_write(socket_, go_on, done); })) {
        return false;
      }
    }
    // A body's bytes count against all connections' budget: its Content-Length at once, a chunked one as it grows.
    BodyReservation reservation(bodies_);
    const auto over_budget = [&] {
      refuse(503, "the server is receiving too many request bodies at once (" +
                      std::to_string(limits_.max_body_bytes_in_flight >> 20) + " MiB); retry later",
             &req, error_body);
      return false;
    };
    if (parser.content_length() && !reservation.grow_to(static_cast<std::size_t>(*parser.content_length()))) {
      return over_budget();
    }
    const auto body_deadline = Clock::now() + limits_.body_timeout;
    while (!parser.is_done()) {
      const auto left = std::chrono::duration_cast<milliseconds>(body_deadline - Clock::now());
      if (left <= milliseconds(0)) {
        refuse(408, "the request body did not arrive in time", &req, error_body);
        return false;
      }
      ec = await(std::min(left, limits_.body_idle_timeout), timed_out,
                 [&](auto done) { http::async_read_some(socket_, buffer_, parser, done); });
      if (timed_out) {
        refuse(408, "the request body stopped arriving", &req, error_body);
        return false;
      }
      if (ec == http::error::body_limit) return too_large();
      if (ec && !client_left(ec)) {
        refuse(400, "malformed request body: " + ec.message(), &req, error_body);
        return false;
      }
      if (ec) return false;  // the client left
      if (!reservation.grow_to(parser.get().body().capacity())) return over_budget();
    }
    req.body = parser.release().body();

    HttpResponse res;
    try {
      handler(req, res);
    } catch (...) {  // the handler is guarded; this is the last line, so a thread never dies of a request
      res = HttpResponse{};
      res.status = 500;
      error_body(500, "internal error", &req, res);
    }
    const bool keep_alive = parser.keep_alive() && !stopping && !beast::iequals(res.header("Connection"), "close");
    const bool large_answer = res.body.size() >= kTrimAfterBodyBytes;
    const bool written = write(res, req.method == "HEAD", keep_alive);
    if (large_answer) {
      res = HttpResponse{};
      ::malloc_trim(0);
    }
    return written && keep_alive;
  }

  template <class Message>
  static void copy_headers(const HttpResponse& res, Message& out) {
    for (const auto& [name, value] : res.headers) {
      if (!beast::iequals(name, "Content-Length") && !beast::iequals(name, "Transfer-Encoding")) out.insert(name, value);
    }
  }

  // Writes the answer; false when the connection cannot go on.
  bool write(HttpResponse& res, bool head_only, bool keep_alive) {
    bool timed_out = false;
    if (!res.producer || head_only) {
      if (res.producer && res.on_stream_end) res.on_stream_end(false);
      http::response<http::string_body> out;
      out.version(11);
      out.result(static_cast<unsigned>(res.status));
      copy_headers(res, out);
      out.keep_alive(keep_alive);
      out.content_length(res.body.size());
      if (!head_only) out.body() = std::move(res.body);
      return !await(limits_.write_timeout, timed_out, [&](auto done) { http::async_write(socket_, out, done); });
    }
    http::response<http::empty_body> out;
    out.version(11);
    out.result(static_cast<unsigned>(res.status));
    copy_headers(res, out);
    out.keep_alive(keep_alive);
    out.chunked(true);
    http::response_serializer<http::empty_body> head{out};
    bool completed = false;
    beast::error_code ec =
        await(limits_.write_timeout, timed_out, [&](auto done) { http::async_write_header(socket_, head, done); });
    while (!ec) {
      std::string piece;
      Produced next = Produced::kFailed;
      try {
        next = res.producer(piece);
      } catch (...) {
        next = Produced::kFailed;  // a producer must not throw; if it does, the body is cut
      }
      if (!piece.empty()) {
        ec = await(limits_.write_timeout, timed_out,
                   [&](auto done) { net::async_write(socket_, http::make_chunk(net::buffer(piece)), done); });
        if (ec) break;
      }
      if (next == Produced::kDone) {
        ec = await(limits_.write_timeout, timed_out,
                   [&](auto done) { net::async_write(socket_, http::make_chunk_last(), done); });
        completed = !ec;
        break;
      }
      if (next == Produced::kFailed) break;
    }
    if (res.on_stream_end) res.on_stream_end(completed);
    return completed;
  }

  net::io_context ioc_{1};
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  const HttpLimits& limits_;
  BodyBudget& bodies_;
  std::string remote_address_;
  std::atomic<bool> idle_{false};
};

}  // namespace

struct HttpListener::Impl {
  Impl(HttpLimits l, HttpHandler h, ErrorBody e)
      : limits(l), handler(std::move(h)), error_body(std::move(e)), acceptor(ioc), retry(ioc) {}

  void accept_next() {
    acceptor.async_accept([this](const beast::error_code& ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || stopping) return;
      if (ec) {  // e.g. out of file descriptors: try again shortly instead of spinning
        retry.expires_after(milliseconds(50));
        retry.async_wait([this](const beast::error_code& e) {
          if (!e && !stopping) accept_next();
        });
        return;
      }
      admit(std::move(socket));
      accept_next();
    });
  }

  void admit(tcp::socket socket) {
    std::lock_guard<std::mutex> lock(mutex);
    const bool over = live.size() >= limits.max_connections;
    if (over && refusing >= kMaxRefusing) return;  // the socket closes here
    auto connection = std::make_shared<Connection>(std::move(socket), limits, bodies);
    if (over) {
      ++refusing;
      std::thread([this, connection] {
        connection->refuse_busy(error_body, limits.max_connections);
        connection->close();
        std::lock_guard<std::mutex> done(mutex);
        --refusing;
        ended.notify_all();
      }).detach();
      return;
    }
    live.insert(connection.get());
    std::thread([this, connection] {
      connection->serve(handler, error_body, stopping);
      {
        std::lock_guard<std::mutex> done(mutex);  // out of `live` first, so stop() never touches a closed socket
        live.erase(connection.get());
      }
      connection->close();
      std::lock_guard<std::mutex> done(mutex);
      ended.notify_all();
    }).detach();
  }

  HttpLimits limits;
  BodyBudget bodies{limits.max_body_bytes_in_flight};
  HttpHandler handler;
  ErrorBody error_body;
  net::io_context ioc{1};
  tcp::acceptor acceptor;
  net::steady_timer retry;
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::condition_variable ended;
  std::set<Connection*> live;
  std::size_t refusing = 0;
};

HttpListener::HttpListener(HttpLimits limits, HttpHandler handler, ErrorBody error_body)
    : impl_(std::make_unique<Impl>(limits, std::move(handler), std::move(error_body))) {}

HttpListener::~HttpListener() {
  stop();
  std::unique_lock<std::mutex> lock(impl_->mutex);
  impl_->ended.wait(lock, [this] { return impl_->live.empty() && impl_->refusing == 0; });
}

int HttpListener::bind(const std::string& host, int port) {
  const std::string where = host + ":" + std::to_string(port);
  beast::error_code ec;
  tcp::resolver resolver(impl_->ioc);
  const auto found = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || found.empty()) throw Error(ErrorCode::kIo, "cannot listen on " + where + ": " + ec.message());
  const tcp::endpoint endpoint = found.begin()->endpoint();
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
    throw Error(ErrorCode::kIo, "cannot listen on " + where + ": " + ec.message());
  }
  return acceptor.local_endpoint().port();
}

void HttpListener::run() {
  if (!impl_->acceptor.is_open()) throw Error(ErrorCode::kIo, "the listener is not bound");
  impl_->accept_next();
  impl_->ioc.run();
  std::unique_lock<std::mutex> lock(impl_->mutex);
  impl_->ended.wait(lock, [this] { return impl_->live.empty() && impl_->refusing == 0; });
}

void HttpListener::stop() {
  Impl& impl = *impl_;
  impl.stopping = true;
  net::post(impl.ioc, [&impl] {
    beast::error_code ignored;
    impl.acceptor.close(ignored);
    impl.retry.cancel();
  });
  std::lock_guard<std::mutex> lock(impl.mutex);
  for (Connection* connection : impl.live) connection->stop_if_idle();
}

}  // namespace fishtts::server
