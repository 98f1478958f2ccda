// Fetches a project by id, like Cytomine's Project().fetch(42), and edits its description.
//   fetch_project URL USERNAME PROJECT_ID [NEW_DESCRIPTION]
#include <vitrine/resources.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 4) return std::cerr << "usage: fetch_project URL USERNAME PROJECT_ID [NEW_DESCRIPTION]\n", 2;
  auto client = vitrine::Connect(argv[1], {.username = argv[2]});
  if (!client.ok()) return std::cerr << client.status().ToString() << "\n", 1;
  auto project = vitrine::ProjectResource::Fetch(**client, vitrine::ProjectId(std::stoll(argv[3])));
  if (!project.ok()) return std::cerr << project.status().ToString() << "\n", 1;
  if (argc > 4) {
    (*project)->description = argv[4];
    if (auto saved = project->Save(); !saved.ok()) return std::cerr << saved.ToString() << "\n", 1;
  }
  std::cout << "project " << project->id().value() << ": " << (*project)->name << " (" << (*project)->description
            << ")\n";
}
