// Connects to a data folder (file://...) or a server (http://..., credentials from the
// environment or ~/.config/vitrine/credentials) and says who we are.
//   connect URL [USERNAME]
#include <vitrine/client.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) return std::cerr << "usage: connect URL [USERNAME]\n", 2;
  vitrine::Credentials credentials;
  if (argc > 2) credentials.username = argv[2];
  auto client = vitrine::Connect(argv[1], credentials);
  if (!client.ok()) return std::cerr << client.status().ToString() << "\n", 1;
  auto me = (*client)->CurrentUser();
  if (!me.ok()) return std::cerr << me.status().ToString() << "\n", 1;
  std::cout << "signed in as " << me->username << " (user " << me->id.value() << ")\n";
}
