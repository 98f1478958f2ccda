// Saves a 128-px PNG thumbnail of every image of a project into a folder.
//   download_thumbnails URL USERNAME PROJECT_ID FOLDER
#include <vitrine/client.h>
#include <vitrine/collections.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 5) return std::cerr << "usage: download_thumbnails URL USERNAME PROJECT_ID FOLDER\n", 2;
  auto client = vitrine::Connect(argv[1], {.username = argv[2]});
  if (!client.ok()) return std::cerr << client.status().ToString() << "\n", 1;
  vitrine::ProjectId project(std::stoll(argv[3]));
  std::filesystem::create_directories(argv[4]);
  auto images = vitrine::Pager<vitrine::Image>([&](const vitrine::PageRequest& page) {
                  return (*client)->ListImages(project, {}, page);
                }).All();
  if (!images.ok()) return std::cerr << images.status().ToString() << "\n", 1;
  for (const auto& image : *images) {
    auto png = (*client)->Thumbnail(image.id, 128, "png");
    if (!png.ok()) return std::cerr << image.filename << ": " << png.status().ToString() << "\n", 1;
    std::ofstream(std::filesystem::path(argv[4]) / (std::to_string(image.id.value()) + ".png"), std::ios::binary)
        << *png;
  }
  std::cout << images->size() << " thumbnails\n";
}
