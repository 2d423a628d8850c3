// What `utvm doctor` checks besides tools: the directories utvm and its platforms read. Each
// check looks at files only (nothing is run) and says what to do when something is wrong.
//   - utvm's own data directory (<prefix>/share/utvm): every built-in platform's template, every
//     device runtime file the build recorded in device/MANIFEST, the example model;
//   - a Zephyr tree (option --zephyr-base, else $ZEPHYR_BASE): a VERSION and Zephyr's CMake
//     package, as a generated project's find_package(Zephyr) needs them;
//   - a CMSIS tree (option --cmsis-path, else $CMSIS_PATH): one of the layouts the platforms'
//     `cmsis_path` accepts (platforms/common/cmsis.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace utvm::cli {

struct TreeCheck {
  std::string what;    // "platform host", "device runtime", "Zephyr tree", ...
  std::string status;  // "ok", "broken", "warning", "skipped"
  std::string detail;  // what was found (ok) or what is wrong
  std::string fix;     // what to do (empty when ok)
};

// The data directory `data` (its platforms/, device/, examples/); `platforms` are the built-in
// platforms whose templates must be there.
std::vector<TreeCheck> check_data_dir(const std::filesystem::path& data,
                                      const std::vector<std::string>& platforms);

// The Zephyr tree at `base`; `from` says where the path came from ("--zephyr-base",
// "$ZEPHYR_BASE"). An empty `base` gives one "skipped" check.
TreeCheck check_zephyr_tree(const std::filesystem::path& base, const std::string& from);

// The CMSIS tree at `root`, `from` as above. An empty `root` gives one "skipped" check.
TreeCheck check_cmsis_tree(const std::filesystem::path& root, const std::string& from);

}  // namespace utvm::cli
