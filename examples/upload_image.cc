// Uploads image files to a project; a file the project already holds is reported, not re-sent.
//   upload_image URL USERNAME PROJECT_ID FILE...
#include <vitrine/client.h>
#include <vitrine/collections.h>

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 5) return std::cerr << "usage: upload_image URL USERNAME PROJECT_ID FILE...\n", 2;
  auto client = vitrine::Connect(argv[1], {.username = argv[2]});
  if (!client.ok()) return std::cerr << client.status().ToString() << "\n", 1;
  vitrine::ProjectId project(std::stoll(argv[3]));
  std::vector<std::string> files(argv + 4, argv + argc);
  auto results = vitrine::BulkMap(files, 4, [&](const std::string& f) { return (*client)->UploadImage(project, f); });
  int failed = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!results[i].ok()) {
      ++failed;
      std::cerr << files[i] << ": " << results[i].status().message() << "\n";
    } else {
      std::cout << files[i] << " -> image " << results[i]->image.id.value()
                << (results[i]->created ? "" : " (already there)") << "\n";
    }
  }
  return failed ? 1 : 0;
}
