// Working with many resources at once, on top of any Client:
//
//   Pager<Image> images([&](const PageRequest& p) { return client->ListImages(project, filter, p); });
//   while (auto next = images.Next()) { if (!next->ok()) ...; use(***next); }   // lazily, page by page
//
//   auto results = BulkMap(files, 4, [&](const auto& f) { return client->UploadImage(project, f); },
//                          [](std::size_t done, std::size_t total) { /* progress */ });
//
// A Pager always ends: it stops at the total the server reports, or at the first empty page,
// whichever comes first (no silent truncation, no endless loop). BulkMap runs on a bounded
// number of threads and returns results in input order.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine {

template <class T>
class Pager {
 public:
  using Fetch = std::function<Result<Page<T>>(const PageRequest&)>;

  explicit Pager(Fetch fetch, std::int64_t page_size = PageRequest::kDefaultLimit)
      : fetch_(std::move(fetch)), page_size_(std::clamp<std::int64_t>(page_size, 1, PageRequest::kMaxLimit)) {}

  // The next item; nullopt at the end. An error is returned once and ends the iteration.
  std::optional<Result<T>> Next() {
    if (position_ == buffer_.size()) {
      if (done_) return std::nullopt;
      if (Status fetched = Refill(); !fetched.ok()) return std::optional<Result<T>>(std::in_place, std::move(fetched));
      if (buffer_.empty()) return std::nullopt;
    }
    return std::optional<Result<T>>(std::in_place, std::move(buffer_[position_++]));
  }

  // Every remaining item, or the first error.
  Result<std::vector<T>> All() {
    std::vector<T> out(std::make_move_iterator(buffer_.begin() + static_cast<std::ptrdiff_t>(position_)),
                       std::make_move_iterator(buffer_.end()));
    position_ = buffer_.size();
    while (!done_) {
      VITRINE_RETURN_IF_ERROR(Refill());
      out.insert(out.end(), std::make_move_iterator(buffer_.begin()), std::make_move_iterator(buffer_.end()));
      position_ = buffer_.size();
    }
    return out;
  }

 private:
  // Loads the next page into the buffer; an error ends the iteration.
  Status Refill() {
    auto page = fetch_(PageRequest{page_size_, offset_});
    if (!page.ok()) {
      done_ = true;
      buffer_.clear();
      position_ = 0;
      return page.status();
    }
    buffer_ = std::move(page->items);
    position_ = 0;
    offset_ += static_cast<std::int64_t>(buffer_.size());
    done_ = buffer_.empty() || offset_ >= page->total;
    return Status::Ok();
  }

  Fetch fetch_;
  std::int64_t page_size_;
  std::int64_t offset_ = 0;
  std::vector<T> buffer_;
  std::size_t position_ = 0;
  bool done_ = false;
};

namespace internal {

// Runs work(i) for every i in [0, n) on at most `threads` threads, reporting each completion.
// The first exception thrown by `work` (or `progress`) stops the handing out of further items
// and is rethrown here once every thread has ended, as a plain loop would throw it.
template <class Work>
void RunBounded(std::size_t n, unsigned threads, Work work,
                const std::function<void(std::size_t, std::size_t)>& progress) {
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  std::mutex progress_mu;
  std::exception_ptr failure;
  auto worker = [&] {
    try {
      for (std::size_t i; (i = next++) < n;) {
        work(i);
        std::lock_guard lock(progress_mu);
        ++done;
        if (progress) progress(done, n);
      }
    } catch (...) {
      std::lock_guard lock(progress_mu);
      if (!failure) failure = std::current_exception();
      next = n;
    }
  };
  std::vector<std::thread> pool;
  unsigned count = std::max(1u, static_cast<unsigned>(std::min<std::size_t>(threads, n)));
  for (unsigned t = 0; t < count; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: those started (or this one, below) do the work
    }
  }
  if (pool.empty()) worker();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace internal

// Applies `fn` to every input on at most `threads` threads; result i belongs to input i.
// `progress(done, total)` is called after each item, from the worker threads, one at a time.
// When `fn` returns nothing, neither does BulkMap.
template <class In, class Fn>
auto BulkMap(const std::vector<In>& inputs, unsigned threads, Fn fn,
             std::function<void(std::size_t, std::size_t)> progress = {}) {
  using Out = std::invoke_result_t<Fn&, const In&>;
  if constexpr (std::is_void_v<Out>) {
    internal::RunBounded(
        inputs.size(), threads, [&](std::size_t i) { fn(inputs[i]); }, progress);
  } else {
    std::vector<std::optional<Out>> slots(inputs.size());
    internal::RunBounded(
        inputs.size(), threads, [&](std::size_t i) { slots[i].emplace(fn(inputs[i])); }, progress);
    std::vector<Out> out;
    out.reserve(inputs.size());
    for (auto& slot : slots) out.push_back(std::move(*slot));
    return out;
  }
}

}  // namespace vitrine
