// utvm-minimal-platform: the minimal platform's Project API server process (step 4 of the doc,
// for a server outside the utvm binary; built-in platforms register in platforms/platforms.cc).
#include <filesystem>

#include "minimal_server.h"
#include "utvm/project_api/server.h"

int main(int argc, char** argv) {
  utvm::platforms::minimal::MinimalHandler handler(std::filesystem::current_path());
  return utvm::project_api::serve(handler, argc, argv);
}
