#include "imaging/stored_tiles.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <tiffio.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vitrine::imaging {
namespace {

// One resolution level of the file: JPEG tiles (read as bytes) or tiles libtiff decodes
// (deflate, LZW, none: the pyramids Vitrine builds of lossless sources).
struct StoredLevel {
  int page = 0;
  int scale_log2 = 0;  // the full image halved this many times, rounded up
  std::int64_t width = 0, height = 0;
  std::int64_t tile_width = 0, tile_height = 0;
  std::int64_t tiles_across = 0;
  bool jpeg = false;
  bool passes_through = false;  // JPEG with YCbCr or grey components: a JFIF stream as stored
  int samples = 0;              // 3 (RGB) or 1 (grey), for decoded tiles
  std::string tables;           // the TIFF's JPEGTables (SOI, DQT/DHT..., EOI), or empty
  std::vector<std::uint64_t> offsets, byte_counts;
};

struct TiffClose {
  void operator()(TIFF* tiff) const { TIFFClose(tiff); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffClose>;

// libtiff's messages about files that are no TIFF, or odd ones, are not the server's to log:
// such a file simply has no stored levels, and a tile that does not decode goes to the general
// renderer, which says why.
int Quiet(TIFF*, void*, const char*, const char*, va_list) { return 1; }

TiffPtr OpenTiff(const std::filesystem::path& file) {
  TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetErrorHandlerExtR(options, Quiet, nullptr);
  TIFFOpenOptionsSetWarningHandlerExtR(options, Quiet, nullptr);
  // 'm': no memory map; 'O': a tile's offset is read when that tile is.
  TIFF* tiff = TIFFOpenExt(file.c_str(), "rmO", options);
  TIFFOpenOptionsFree(options);
  return TiffPtr(tiff);
}

// Open libtiff handles of one file, each left at the page it last read: a handle decodes for one
// thread at a time, and a page's directory is read once per handle, not once per tile.
class TiffHandles {
 public:
  explicit TiffHandles(std::filesystem::path file) : file_(std::move(file)) {}

  // A handle taken for one decode, given back when the lease ends.
  struct Lease {
    Lease(TiffHandles* owner, int page, TiffPtr tiff) : owner(owner), page(page), tiff(std::move(tiff)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (tiff) owner->Return(page, std::move(tiff));
    }
    TiffHandles* owner;
    int page;
    TiffPtr tiff;
  };

  std::optional<Lease> Take(int page) {
    TiffPtr tiff;
    {
      std::lock_guard lock(mu_);
      auto it = std::find_if(idle_.begin(), idle_.end(), [&](const auto& entry) { return entry.first == page; });
      if (it == idle_.end() && !idle_.empty()) it = idle_.begin();
      if (it != idle_.end()) {
        const bool same_page = it->first == page;
        tiff = std::move(it->second);
        idle_.erase(it);
        if (same_page) return Lease(this, page, std::move(tiff));
      }
    }
    if (!tiff) tiff = OpenTiff(file_);
    if (!tiff || !TIFFSetDirectory(tiff.get(), static_cast<tdir_t>(page))) return std::nullopt;
    return Lease(this, page, std::move(tiff));
  }

 private:
  static constexpr std::size_t kMaxIdle = 8;

  void Return(int page, TiffPtr tiff) {
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdle) idle_.emplace_back(page, std::move(tiff));
  }

  const std::filesystem::path file_;
  std::mutex mu_;
  std::vector<std::pair<int, TiffPtr>> idle_;
};

// What is kept of one file: its first page's size and tiles, its levels, an open descriptor to
// read JPEG tiles from and libtiff handles to decode the others.
struct StoredLayout {
  explicit StoredLayout(const std::filesystem::path& file) : handles(file) {}
  StoredLayout(const StoredLayout&) = delete;
  StoredLayout& operator=(const StoredLayout&) = delete;
  ~StoredLayout() {
    if (fd >= 0) close(fd);
  }
  int fd = -1;
  std::uint64_t file_bytes = 0;
  std::int64_t width = 0, height = 0;
  std::optional<int> tile_side;
  std::vector<StoredLevel> levels;  // finest first
  std::size_t memory_bytes = 0;
  mutable TiffHandles handles;
};

// A tile larger than this is no tile a viewer asked for: left to the general renderer.
constexpr std::uint64_t kMaxTileBytes = std::uint64_t{16} << 20;
// Layouts kept: the tile offsets of a 100,000² slide at 256 px are 2.4 MB.
constexpr std::size_t kMaxLayoutBytes = std::size_t{64} << 20;
constexpr std::size_t kMaxLayouts = 256;

// k such that the page is the full image halved k times, each time rounded up; -1 if none.
int ScaleOf(std::int64_t full_width, std::int64_t full_height, std::int64_t width, std::int64_t height) {
  for (int k = 0; k < 48; ++k) {
    const std::int64_t scale = std::int64_t{1} << k;
    const std::int64_t w = (full_width + scale - 1) / scale, h = (full_height + scale - 1) / scale;
    if (w == width && h == height) return k;
    if (w < width || h < height) return -1;
  }
  return -1;
}

// A decoded tile larger than this is left to the general renderer.
constexpr std::int64_t kMaxDecodedTileBytes = std::int64_t{16} << 20;

// The current page as a level, when it is one.
std::optional<StoredLevel> LevelOf(TIFF* tiff, int page, const StoredLayout& layout) {
  std::uint32_t width = 0, height = 0, tile_width = 0, tile_height = 0;
  std::uint16_t compression = 0, photometric = 0, bits = 0, samples = 0, planar = 0, orientation = 0;
  if (!TIFFIsTiled(tiff) || !TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &width) ||
      !TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &height) || !TIFFGetField(tiff, TIFFTAG_TILEWIDTH, &tile_width) ||
      !TIFFGetField(tiff, TIFFTAG_TILELENGTH, &tile_height) || !TIFFGetField(tiff, TIFFTAG_COMPRESSION, &compression) ||
      !TIFFGetField(tiff, TIFFTAG_PHOTOMETRIC, &photometric)) {
    return std::nullopt;
  }
  TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_ORIENTATION, &orientation);
  const bool jpeg = compression == COMPRESSION_JPEG;
  const bool ycbcr = jpeg && photometric == PHOTOMETRIC_YCBCR && samples == 3;
  const bool rgb = photometric == PHOTOMETRIC_RGB && samples == 3;
  const bool grey = photometric == PHOTOMETRIC_MINISBLACK && samples == 1;
  if (compression == COMPRESSION_OJPEG || bits != 8 || planar != PLANARCONFIG_CONTIG ||
      orientation != ORIENTATION_TOPLEFT || !(ycbcr || rgb || grey) || tile_width == 0 || tile_height == 0 ||
      std::int64_t{tile_width} * tile_height * samples > kMaxDecodedTileBytes) {
    return std::nullopt;
  }
  StoredLevel level;
  level.page = page;
  level.jpeg = jpeg;
  level.samples = samples;
  level.scale_log2 = ScaleOf(layout.width, layout.height, width, height);
  if (level.scale_log2 < 0) return std::nullopt;
  for (const StoredLevel& other : layout.levels) {
    if (other.scale_log2 == level.scale_log2) return std::nullopt;  // a plane of a stack, not a level
  }
  level.width = width;
  level.height = height;
  level.tile_width = tile_width;
  level.tile_height = tile_height;
  level.tiles_across = (level.width + tile_width - 1) / tile_width;
  level.passes_through = jpeg && (ycbcr || grey);
  if (!jpeg) return level;  // libtiff finds and decodes its tiles
  std::uint32_t table_bytes = 0;
  const void* tables = nullptr;
  if (TIFFGetField(tiff, TIFFTAG_JPEGTABLES, &table_bytes, &tables) && tables && table_bytes >= 4) {
    level.tables.assign(static_cast<const char*>(tables), table_bytes);
  }
  // The tile count comes from the header alone: a tiny file may claim billions of tiles.
  const std::uint64_t tiles = TIFFNumberOfTiles(tiff);
  const std::uint64_t expected = static_cast<std::uint64_t>(level.tiles_across) *
                                 static_cast<std::uint64_t>((level.height + tile_height - 1) / tile_height);
  if (tiles != expected || tiles * 2 * sizeof(std::uint64_t) > kMaxLayoutBytes) return std::nullopt;
  // A raw tile is at most this: JPEG's worst case is about its pixels' size.
  const std::uint64_t max_tile_bytes =
      std::min<std::uint64_t>(kMaxTileBytes, 2 * std::uint64_t{tile_width} * tile_height * samples + 65536);
  level.offsets.resize(tiles);
  level.byte_counts.resize(tiles);
  for (std::uint32_t i = 0; i < tiles; ++i) {
    int error = 0;
    level.offsets[i] = TIFFGetStrileOffsetWithErr(tiff, i, &error);
    if (!error) level.byte_counts[i] = TIFFGetStrileByteCountWithErr(tiff, i, &error);
    if (error) return std::nullopt;
    // A tile past the end of the file, or larger than any tile: the level is not read as stored.
    if (level.offsets[i] > layout.file_bytes || level.byte_counts[i] > layout.file_bytes - level.offsets[i] ||
        level.byte_counts[i] > max_tile_bytes) {
      return std::nullopt;
    }
  }
  return level;
}

// nullptr when the file cannot be opened now (missing, or out of descriptors): not known as a file
// without levels, since it may be readable later.
std::shared_ptr<const StoredLayout> ReadLayout(const std::filesystem::path& file) {
  auto layout = std::make_shared<StoredLayout>(file);
  layout->fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);  // JPEG tiles are read from it
  struct stat st {};
  if (layout->fd < 0 || fstat(layout->fd, &st) != 0) return nullptr;
  layout->file_bytes = static_cast<std::uint64_t>(st.st_size);
  // The descriptor is kept only to read JPEG tiles from: libtiff reads the others itself.
  auto finished = [&layout] {
    if (std::none_of(layout->levels.begin(), layout->levels.end(), [](auto& l) { return l.jpeg; })) {
      close(layout->fd);
      layout->fd = -1;
    }
    return layout;
  };
  TiffPtr tiff = OpenTiff(file);
  if (!tiff) return finished();  // not a TIFF: no levels
  TIFF* raw = tiff.get();
  std::uint32_t width = 0, height = 0, tile_width = 0, tile_height = 0;
  TIFFGetField(raw, TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(raw, TIFFTAG_IMAGELENGTH, &height);
  layout->width = width;
  layout->height = height;
  if (TIFFIsTiled(raw) && TIFFGetField(raw, TIFFTAG_TILEWIDTH, &tile_width) &&
      TIFFGetField(raw, TIFFTAG_TILELENGTH, &tile_height) && tile_width == tile_height && tile_width >= 16 &&
      tile_width <= 4096) {
    layout->tile_side = static_cast<int>(tile_width);
  }
  if (width == 0 || height == 0) return finished();
  int page = 0;
  do {
    if (auto level = LevelOf(raw, page, *layout)) {
      layout->memory_bytes += level->offsets.size() * 2 * sizeof(std::uint64_t) + level->tables.size();
      layout->levels.push_back(std::move(*level));
    }
    ++page;
  } while (TIFFReadDirectory(raw));
  return finished();
}

// Layouts by file, the least recently used dropped first.
class LayoutCache {
 public:
  // nullptr when the layout is not known and `read` is false, or the file cannot be opened.
  std::shared_ptr<const StoredLayout> Get(const std::filesystem::path& file, bool read = true) {
    const std::string key = file.string();
    {
      std::lock_guard lock(mu_);
      if (auto it = index_.find(key); it != index_.end()) {
        order_.splice(order_.begin(), order_, it->second);
        return it->second->second;
      }
    }
    if (!read) return nullptr;
    std::shared_ptr<const StoredLayout> layout = ReadLayout(file);
    if (!layout) return nullptr;
    std::lock_guard lock(mu_);
    if (index_.contains(key) || layout->memory_bytes > kMaxLayoutBytes) return layout;
    order_.emplace_front(key, layout);
    index_.emplace(key, order_.begin());
    bytes_ += layout->memory_bytes;
    while (bytes_ > kMaxLayoutBytes || order_.size() > kMaxLayouts) {
      bytes_ -= order_.back().second->memory_bytes;
      index_.erase(order_.back().first);
      order_.pop_back();
    }
    return layout;
  }

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const StoredLayout>>;
  std::mutex mu_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::size_t bytes_ = 0;
};

// nullptr as LayoutCache::Get.
std::shared_ptr<const StoredLayout> LayoutOfFile(const std::filesystem::path& file, bool read = true) {
  static LayoutCache* cache = new LayoutCache();  // never destroyed: views may run during exit
  return cache->Get(file, read);
}

// The stored tile a view is: which one, and how much of it (less at the image's right and
// bottom edges).
struct TileAt {
  const StoredLevel* level = nullptr;
  std::int64_t index = 0;
  int width = 0, height = 0;
};

std::optional<TileAt> FindTile(const StoredLayout& layout, const ViewRequest& view) {
  if (view.plane != 0 || view.channel >= 0 || view.window || view.rotation != 0 || view.mirror ||
      view.quality != ViewQuality::kColor || view.format != EncodedFormat::kJpeg || view.compression_quality < 1 ||
      view.compression_quality > 100) {
    return std::nullopt;  // the general renderer serves it, or says what is wrong with the request
  }
  const PixelRect& r = view.region;
  if (r.x < 0 || r.y < 0 || r.width < 1 || r.height < 1) return std::nullopt;
  for (const StoredLevel& level : layout.levels) {
    const std::int64_t scale = std::int64_t{1} << level.scale_log2;
    if (r.x % scale != 0 || r.y % scale != 0) continue;
    const std::int64_t x = r.x / scale, y = r.y / scale;
    if (x >= level.width || y >= level.height || x % level.tile_width != 0 || y % level.tile_height != 0) continue;
    const std::int64_t width = std::min(level.tile_width, level.width - x);
    const std::int64_t height = std::min(level.tile_height, level.height - y);
    if (view.width != width || view.height != height) continue;
    if (r.width != std::min(width * scale, layout.width - r.x) ||
        r.height != std::min(height * scale, layout.height - r.y)) {
      continue;
    }
    const std::int64_t index = (y / level.tile_height) * level.tiles_across + x / level.tile_width;
    if (level.jpeg && index >= static_cast<std::int64_t>(level.offsets.size())) return std::nullopt;
    return TileAt{&level, index, static_cast<int>(width), static_cast<int>(height)};
  }
  return std::nullopt;
}

Result<std::string> ReadBytes(int fd, std::uint64_t offset, std::uint64_t length) {
  std::string bytes(length, '\0');
  std::uint64_t done = 0;
  while (done < length) {
    const ssize_t n = pread(fd, bytes.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Internal(std::string("cannot read a stored tile: ") + std::strerror(errno));
    if (n == 0) return Status::Unsupported("the image cannot be decoded: a tile lies past the end of the file");
    done += static_cast<std::uint64_t>(n);
  }
  return bytes;
}

// The JFIF header a YCbCr or grey stream carries (version 1.01, no density, no thumbnail).
constexpr std::string_view kJfifHeader("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);

bool StartsWithMarker(std::string_view bytes, unsigned char marker) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
         static_cast<unsigned char>(bytes[1]) == marker;
}

// The width and height a JPEG stream's frame header (SOFn) gives; nullopt when there is none
// before the scan.
std::optional<std::pair<int, int>> FrameSize(std::string_view stream) {
  std::size_t at = 2;  // after SOI
  while (at + 4 <= stream.size()) {
    if (static_cast<unsigned char>(stream[at]) != 0xFF) return std::nullopt;
    const unsigned char marker = static_cast<unsigned char>(stream[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return std::nullopt;  // the scan, or the end, before any frame
    const std::size_t length =
        (std::size_t{static_cast<unsigned char>(stream[at + 2])} << 8) | static_cast<unsigned char>(stream[at + 3]);
    if (length < 2 || at + 2 + length > stream.size()) return std::nullopt;
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (length < 7) return std::nullopt;
      const auto byte = [&](std::size_t i) { return static_cast<int>(static_cast<unsigned char>(stream[at + 4 + i])); };
      return std::pair{(byte(3) << 8) | byte(4), (byte(1) << 8) | byte(2)};
    }
    at += 2 + length;
  }
  return std::nullopt;
}

// The tile as a stream any decoder reads: SOI, JFIF (for YCbCr and grey), the shared tables,
// then the tile's own segments after its SOI.
Result<std::string> CompleteStream(const StoredLayout& layout, const TileAt& at) {
  const StoredLevel& level = *at.level;
  const std::uint64_t length = level.byte_counts[at.index];
  if (length < 4 || length > kMaxTileBytes) {
    return Status::Unsupported("the image cannot be decoded: tile " + std::to_string(at.index) + " has " +
                               std::to_string(length) + " bytes");
  }
  VITRINE_ASSIGN_OR_RETURN(std::string tile, ReadBytes(layout.fd, level.offsets[at.index], length));
  std::string_view tables = level.tables;
  if (!StartsWithMarker(tile, 0xD8) ||
      (!tables.empty() &&
       (!StartsWithMarker(tables, 0xD8) || !StartsWithMarker(tables.substr(tables.size() - 2), 0xD9)))) {
    return Status::Unsupported("the image cannot be decoded: a stored JPEG tile is malformed");
  }
  std::string stream;
  stream.reserve(2 + kJfifHeader.size() + tables.size() + tile.size());
  stream.append("\xFF\xD8", 2);
  if (level.passes_through) stream.append(kJfifHeader);
  if (!tables.empty()) stream.append(tables.substr(2, tables.size() - 4));
  stream.append(std::string_view(tile).substr(2));
  return stream;
}

struct TurboJpegDestroy {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TurboJpegHandle = std::unique_ptr<void, TurboJpegDestroy>;

Status TurboJpegError(void* handle, std::string_view what) {
  return Status::Unsupported("the image cannot be decoded: " + std::string(what) + ": " + tjGetErrorStr2(handle));
}

// The top-left `at.width` x `at.height` of decoded tile pixels as JPEG at `quality` (chroma
// subsampled below quality 90, as libvips' encoder does).
Result<std::string> EncodePart(const unsigned char* pixels, int pitch, bool grey, const TileAt& at, int quality) {
  thread_local TurboJpegHandle encoder(tjInitCompress());
  if (!encoder) return Status::Internal("cannot start libjpeg-turbo");
  unsigned char* encoded = nullptr;
  unsigned long encoded_size = 0;
  const int sampling = grey ? TJSAMP_GRAY : quality >= 90 ? TJSAMP_444 : TJSAMP_420;
  if (tjCompress2(encoder.get(), pixels, at.width, pitch, at.height, grey ? TJPF_GRAY : TJPF_RGB, &encoded,
                  &encoded_size, sampling, quality, 0) != 0) {
    tjFree(encoded);
    return TurboJpegError(encoder.get(), "encoding a tile");
  }
  std::string out(reinterpret_cast<const char*>(encoded), encoded_size);
  tjFree(encoded);
  return out;
}

// A stored JPEG tile, decoded, its part encoded again.
Result<std::string> Transcode(std::string_view stream, const TileAt& at, int quality) {
  thread_local TurboJpegHandle decoder(tjInitDecompress());
  if (!decoder) return Status::Internal("cannot start libjpeg-turbo");
  const auto* data = reinterpret_cast<const unsigned char*>(stream.data());
  const unsigned long size = stream.size();
  int width = 0, height = 0, subsampling = 0, colourspace = 0;
  if (tjDecompressHeader3(decoder.get(), data, size, &width, &height, &subsampling, &colourspace) != 0) {
    return TurboJpegError(decoder.get(), "a stored tile");
  }
  if (width != at.level->tile_width || height != at.level->tile_height) {
    return Status::Unsupported("the image cannot be decoded: a stored tile is not of its level's tile size");
  }
  const bool grey = colourspace == TJCS_GRAY;
  const int format = grey ? TJPF_GRAY : TJPF_RGB;
  const int pitch = width * tjPixelSize[format];
  std::vector<unsigned char> pixels(static_cast<std::size_t>(pitch) * height);
  if (tjDecompress2(decoder.get(), data, size, pixels.data(), width, pitch, height, format, 0) != 0) {
    return TurboJpegError(decoder.get(), "a stored tile");
  }
  return EncodePart(pixels.data(), pitch, grey, at, quality);
}

// A tile libtiff decodes (deflate, LZW, uncompressed), its part encoded as JPEG; nullopt when
// libtiff cannot (the general renderer then says why).
Result<std::optional<std::string>> DecodeAndEncode(const StoredLayout& layout, const TileAt& at, int quality) {
  const StoredLevel& level = *at.level;
  std::optional<TiffHandles::Lease> lease = layout.handles.Take(level.page);
  if (!lease) return std::optional<std::string>();
  const tmsize_t bytes = TIFFTileSize(lease->tiff.get());
  if (bytes != level.tile_width * level.tile_height * level.samples) return std::optional<std::string>();
  std::vector<unsigned char> pixels(static_cast<std::size_t>(bytes));
  if (TIFFReadEncodedTile(lease->tiff.get(), static_cast<std::uint32_t>(at.index), pixels.data(), bytes) != bytes) {
    return std::optional<std::string>();
  }
  const int pitch = static_cast<int>(level.tile_width) * level.samples;
  VITRINE_ASSIGN_OR_RETURN(std::string tile, EncodePart(pixels.data(), pitch, level.samples == 1, at, quality));
  return std::optional<std::string>(std::move(tile));
}

bool DefaultCompressionQuality(const ViewRequest& view) {
  return view.compression_quality == ViewRequest{}.compression_quality;
}

}  // namespace

Result<std::optional<int>> StoredTileSide(const std::filesystem::path& file) {
  std::shared_ptr<const StoredLayout> layout = LayoutOfFile(file);
  if (!layout) return Status::Unavailable("cannot open " + file.filename().string() + " now");
  return layout->tile_side;
}

Result<std::optional<std::string>> PassThroughTile(const std::filesystem::path& file, const ViewRequest& view,
                                                   bool read_layout) {
  std::shared_ptr<const StoredLayout> layout = LayoutOfFile(file, read_layout);
  if (!layout) return std::optional<std::string>();
  std::optional<TileAt> at = FindTile(*layout, view);
  if (!at || !at->level->jpeg || !at->level->passes_through || !DefaultCompressionQuality(view) ||
      at->width != at->level->tile_width || at->height != at->level->tile_height) {
    return std::optional<std::string>();
  }
  // A malformed tile, or one whose frame is not the level's tile, goes to the general renderer,
  // which says what is wrong with it.
  Result<std::string> stream = CompleteStream(*layout, *at);
  if (!stream.ok() || FrameSize(*stream) != std::pair{at->width, at->height}) return std::optional<std::string>();
  return std::optional<std::string>(std::move(*stream));
}

Result<std::optional<std::string>> TranscodeTile(const std::filesystem::path& file, const ViewRequest& view) {
  std::shared_ptr<const StoredLayout> layout = LayoutOfFile(file);
  if (!layout) return std::optional<std::string>();
  std::optional<TileAt> at = FindTile(*layout, view);
  if (!at) return std::optional<std::string>();
  if (!at->level->jpeg) return DecodeAndEncode(*layout, *at, view.compression_quality);
  // A tile that does not decode goes to the general renderer, which says what is wrong with it.
  Result<std::string> stream = CompleteStream(*layout, *at);
  if (!stream.ok()) return std::optional<std::string>();
  Result<std::string> tile = Transcode(*stream, *at, view.compression_quality);
  if (!tile.ok()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(*tile));
}

}  // namespace vitrine::imaging
