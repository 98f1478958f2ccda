// Peak memory of storing one large blob through the S3 blob store: the blob is generated in
// 1 MiB chunks, written through a BlobWriter (to the local cache's temporary file) and
// committed (a multipart upload read from that file). Prints the process's peak resident set
// (VmHWM) before and after, and again after reading the blob back through a store with an
// empty cache; the store's promise is that it stays bounded by the part size, not the blob's. Run beside a server:
//   tests/support/services.sh --s3 -- build/release/bin/s3_put_memory 2048
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "blob/blob_store.h"
#include "core/digest.h"

namespace {

std::string PeakRss() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return line.substr(6);
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vitrine;
  const char* server = std::getenv("VITRINE_TEST_S3");
  if (server == nullptr) {
    std::fprintf(stderr, "VITRINE_TEST_S3 is not set: run under tests/support/services.sh --s3\n");
    return 2;
  }
  const std::int64_t mib = argc > 1 ? std::atoll(argv[1]) : 2048;
  std::string url = server;
  auto query = url.find('?');
  const std::string cache = "/tmp/vitrine-s3-memory-" + core::RandomUrlToken(6);
  url = url.substr(0, query) + "/memory" + url.substr(query) + "&cache=" + cache;
  auto store = blob::OpenBlobStore(url);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  std::printf("peak RSS after opening the store: %s\n", PeakRss().c_str());
  auto writer = (*store)->StartPut(mib << 20);
  if (!writer.ok()) return 1;
  std::string chunk(1 << 20, '\0');
  std::uint64_t x = 88172645463325252ull;
  for (std::int64_t i = 0; i < mib; ++i) {
    for (std::size_t j = 0; j < chunk.size(); j += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      std::memcpy(&chunk[j], &x, 8);
    }
    if (auto written = (*writer)->Write(chunk); !written.ok()) {
      std::fprintf(stderr, "%s\n", written.ToString().c_str());
      return 1;
    }
  }
  std::printf("peak RSS after writing %lld MiB: %s\n", static_cast<long long>(mib), PeakRss().c_str());
  auto ref = (*writer)->Commit();
  if (!ref.ok()) {
    std::fprintf(stderr, "%s\n", ref.status().ToString().c_str());
    return 1;
  }
  std::printf("peak RSS after committing %s (%lld bytes): %s\n", ref->sha256.c_str(), static_cast<long long>(ref->size),
              PeakRss().c_str());
  auto size = (*store)->Size(ref->sha256);
  std::printf("size on the server: %lld\n", size.ok() ? static_cast<long long>(*size) : -1LL);

  // Read back through a second store with an empty cache: a download into its cache (hashed
  // on the way), then the bytes streamed from there.
  auto reader = blob::OpenBlobStore(url.substr(0, url.rfind("&cache=")) + "&cache=" + cache + "-reader");
  std::int64_t read_back = -1;
  if (reader.ok()) {
    auto source = (*reader)->Open(ref->sha256, {});
    if (source.ok()) {
      read_back = 0;
      while (true) {
        auto n = (*source)->Read(chunk);
        if (!n.ok() || *n == 0) break;
        read_back += static_cast<std::int64_t>(*n);
      }
    }
  }
  std::printf("peak RSS after reading %lld bytes back from the server: %s\n", static_cast<long long>(read_back),
              PeakRss().c_str());
  std::string rm = "rm -rf " + cache + " " + cache + "-reader";
  return std::system(rm.c_str()) == 0 && size.ok() && read_back == ref->size ? 0 : 1;
}
