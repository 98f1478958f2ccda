#include "client/save_file.h"

#include <fstream>

namespace vitrine::client {

Status SaveBytes(std::string_view bytes, const std::filesystem::path& destination) {
  auto part = destination;
  part += ".part";
  {
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      std::error_code ignored;
      std::filesystem::remove(part, ignored);
      return Status::InvalidArgument("cannot write " + part.string());
    }
  }
  std::error_code ec;
  std::filesystem::rename(part, destination, ec);
  if (ec) {
    std::filesystem::remove(part, ec);
    return Status::InvalidArgument("cannot write " + destination.string() + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace vitrine::client
