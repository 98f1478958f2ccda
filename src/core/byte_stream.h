// Pull-style byte streams: how blobs, uploads and downloads move without sitting in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "vitrine/status.h"

namespace vitrine::core {

// A sequence of bytes read front to back. Not safe for concurrent use.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Fills up to buffer.size() bytes; returns how many were read, 0 at the end.
  virtual Result<std::size_t> Read(std::span<char> buffer) = 0;
  // Total bytes this source will yield, when known up front.
  virtual std::int64_t size_hint() const { return -1; }
};

// A ByteSource over bytes held in memory (small bodies, tests). Does not own the bytes.
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string_view data) : data_(data) {}
  Result<std::size_t> Read(std::span<char> buffer) override;
  std::int64_t size_hint() const override { return static_cast<std::int64_t>(data_.size()); }

 private:
  std::string_view data_;
};

// A ByteSource over a local file, read front to back.
class FileSource final : public ByteSource {
 public:
  // kNotFound if the file cannot be opened.
  static Result<std::unique_ptr<FileSource>> Open(const std::filesystem::path& path);
  ~FileSource() override;
  Result<std::size_t> Read(std::span<char> buffer) override;
  std::int64_t size_hint() const override { return size_; }

 private:
  FileSource(int fd, std::int64_t size) : fd_(fd), size_(size) {}
  int fd_;
  std::int64_t size_;
};

// Reads a whole source into a string, refusing to grow past max_bytes (kTooLarge).
Result<std::string> ReadAll(ByteSource& source, std::size_t max_bytes);

}  // namespace vitrine::core
