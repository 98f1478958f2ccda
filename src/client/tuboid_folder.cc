#include "client/tuboid_folder.h"

#include <fstream>

namespace vitrine::client {

Result<TuboidFolder> ReadTuboidFolder(const std::filesystem::path& folder, std::size_t max_shots_bytes) {
  TuboidFolder out;
  std::filesystem::path named = folder.lexically_normal();
  if (!named.has_filename()) named = named.parent_path();  // "tuboid/" names "tuboid"
  out.name = named.filename().string();
  out.tiles = folder / "tuboid.jpg";
  out.context = folder / "context.jpg";
  const std::filesystem::path shots = folder / "metadata.txt";
  for (const auto& file : {shots, out.tiles, out.context}) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      return Status::NotFound("a tuboid folder holds metadata.txt, tuboid.jpg and context.jpg: " + file.string() +
                              " is missing");
    }
  }
  std::ifstream in(shots, std::ios::binary);
  out.shots.resize(max_shots_bytes + 1);
  in.read(out.shots.data(), static_cast<std::streamsize>(out.shots.size()));
  if (in.bad()) return Status::Internal("reading " + shots.string() + " failed");
  out.shots.resize(static_cast<std::size_t>(in.gcount()));
  if (out.shots.size() > max_shots_bytes) {
    return Status::TooLarge(shots.string() + " is over " + std::to_string(max_shots_bytes) + " bytes");
  }
  return out;
}

}  // namespace vitrine::client
