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
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
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
      auto page = fetch_(PageRequest{page_size_, offset_});
      if (!page.ok()) {
        done_ = true;
        return Result<T>(page.status());
      }
      buffer_ = std::move(page->items);
      position_ = 0;
      offset_ += static_cast<std::int64_t>(buffer_.size());
      done_ = buffer_.empty() || offset_ >= page->total;
      if (buffer_.empty()) return std::nullopt;
    }
    return Result<T>(std::move(buffer_[position_++]));
  }

  // Every remaining item, or the first error.
  Result<std::vector<T>> All() {
    std::vector<T> out;
    while (auto item = Next()) {
      if (!item->ok()) return item->status();
      out.push_back(std::move(**item));
    }
    return out;
  }

 private:
  Fetch fetch_;
  std::int64_t page_size_;
  std::int64_t offset_ = 0;
  std::vector<T> buffer_;
  std::size_t position_ = 0;
  bool done_ = false;
};

// Applies `fn` to every input on at most `threads` threads; result i belongs to input i.
// `progress(done, total)` is called after each item, from the worker threads, one at a time.
template <class In, class Fn>
auto BulkMap(const std::vector<In>& inputs, unsigned threads, Fn fn,
             std::function<void(std::size_t, std::size_t)> progress = {})
    -> std::vector<decltype(fn(inputs.front()))> {
  using Out = decltype(fn(inputs.front()));
  std::vector<std::optional<Out>> slots(inputs.size());
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  std::mutex progress_mu;
  auto work = [&] {
    for (std::size_t i; (i = next++) < inputs.size();) {
      slots[i].emplace(fn(inputs[i]));
      std::lock_guard lock(progress_mu);
      ++done;
      if (progress) progress(done, inputs.size());
    }
  };
  std::vector<std::thread> pool;
  unsigned n = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(inputs.size())));
  for (unsigned t = 0; t < n; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  std::vector<Out> out;
  out.reserve(inputs.size());
  for (auto& slot : slots) out.push_back(std::move(*slot));
  return out;
}

}  // namespace vitrine
