#include "doctor_trees.h"

#include <fstream>
#include <map>
#include <regex>
#include <system_error>

#include <fmt/core.h>

#include "common/cmsis.h"

namespace utvm::cli {
namespace fs = std::filesystem;

namespace {

constexpr const char* kReinstall =
    "reinstall utvm (sudo apt-get install --reinstall utvm, or `cmake --install` of your build)";

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// The files device/MANIFEST lists (one relative path a line) that are not under `device`;
// nullopt when the manifest itself is missing.
std::optional<std::vector<std::string>> missing_device_files(const fs::path& device) {
  std::ifstream in(device / "MANIFEST");
  if (!in) return std::nullopt;
  std::vector<std::string> missing;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (!is_file(device / line)) missing.push_back(line);
  }
  return missing;
}

// "X.Y.Z" from a Zephyr VERSION file (VERSION_MAJOR = 3 ...), empty when unreadable.
std::string zephyr_version(const fs::path& file) {
  std::ifstream in(file);
  static const std::regex kLine(R"(\s*(VERSION_MAJOR|VERSION_MINOR|PATCHLEVEL)\s*=\s*(\d+)\s*)");
  std::map<std::string, std::string> v;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kLine)) v[m[1]] = m[2];
  }
  if (!v.count("VERSION_MAJOR") || !v.count("VERSION_MINOR")) return "";
  return fmt::format("{}.{}.{}", v["VERSION_MAJOR"], v["VERSION_MINOR"],
                     v.count("PATCHLEVEL") ? v["PATCHLEVEL"] : "0");
}

}  // namespace

std::vector<TreeCheck> check_data_dir(const fs::path& data,
                                      const std::vector<std::string>& platforms) {
  std::vector<TreeCheck> out;
  if (!is_dir(data)) {
    out.push_back({"data directory", "broken", data.string() + " does not exist", kReinstall});
    return out;
  }
  for (const auto& name : platforms) {
    const fs::path launch = data / "platforms" / name / "launch_microtvm_api_server.sh";
    if (is_file(launch)) {
      out.push_back({"platform " + name, "ok", launch.parent_path().string(), ""});
    } else {
      out.push_back({"platform " + name, "broken", launch.string() + " is missing", kReinstall});
    }
  }
  const fs::path device = data / "device";
  if (auto missing = missing_device_files(device); !missing) {
    out.push_back(
        {"device runtime", "broken", (device / "MANIFEST").string() + " is missing", kReinstall});
  } else if (!missing->empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing->size() && i < 5; ++i)
      list += (i ? ", " : "") + (*missing)[i];
    if (missing->size() > 5) list += fmt::format(" and {} more", missing->size() - 5);
    out.push_back(
        {"device runtime", "broken",
         fmt::format("{} file(s) missing under {}: {}", missing->size(), device.string(), list),
         kReinstall});
  } else {
    out.push_back({"device runtime", "ok", device.string(), ""});
  }
  const fs::path example = data / "examples" / "example_mlp.tar";
  if (is_file(example)) {
    out.push_back({"example model", "ok", example.string(), ""});
  } else {
    out.push_back(
        {"example model", "warning", example.string() + " is missing",
         "only `make demo` and the README's examples use it; " + std::string(kReinstall)});
  }
  return out;
}

TreeCheck check_zephyr_tree(const fs::path& base, const std::string& from) {
  TreeCheck c{"Zephyr tree", "ok", "", ""};
  if (base.empty()) {
    c.status = "skipped";
    c.detail = "no tree given";
    c.fix =
        "pass --zephyr-base DIR or set $ZEPHYR_BASE to check the tree the zephyr platform "
        "will build with";
    return c;
  }
  const std::string where = fmt::format("{} ({})", base.string(), from);
  if (!is_dir(base)) {
    c.status = "broken";
    c.detail = where + " is not a directory";
    c.fix = "point it at a Zephyr tree: the folder with VERSION, e.g. <west workspace>/zephyr";
    return c;
  }
  const std::string version = zephyr_version(base / "VERSION");
  if (version.empty()) {
    c.status = "broken";
    c.detail = where + " has no readable VERSION file: not a Zephyr tree";
    c.fix = "point it at the zephyr folder of a west workspace (the one holding VERSION)";
    return c;
  }
  for (const char* need :
       {"share/zephyr-package/cmake/ZephyrConfig.cmake", "cmake/modules/zephyr_default.cmake"}) {
    if (!is_file(base / need)) {
      c.status = "broken";
      c.detail = fmt::format("Zephyr {} at {} lacks {}", version, where, need);
      c.fix = "use a complete Zephyr tree (Zephyr 3.0 or later; `west update` restores one)";
      return c;
    }
  }
  const fs::path modules = base.parent_path() / "modules";
  c.detail = fmt::format("Zephyr {} at {}{}", version, where,
                         is_dir(modules) ? ", modules in " + modules.string() : "");
  return c;
}

TreeCheck check_cmsis_tree(const fs::path& root, const std::string& from) {
  TreeCheck c{"CMSIS", "ok", "", ""};
  if (root.empty()) {
    c.status = "skipped";
    c.detail = "no tree given";
    c.fix =
        "pass --cmsis-path DIR or set $CMSIS_PATH to check it (models compiled with "
        "--target=cmsis-nn need one)";
    return c;
  }
  const std::string where = fmt::format("{} ({})", root.string(), from);
  auto tree = utvm::platforms::detect_cmsis_layout(root);
  if (!tree) {
    c.status = "broken";
    c.detail = where + " is not a CMSIS tree";
    c.fix =
        "give the folder that holds CMSIS/Core/Include and CMSIS-NN/Include (TVM's layout), "
        "CMSIS/NN/Include (CMSIS_5), or a CMSIS-NN checkout's Include/ and Source/";
    return c;
  }
  c.detail = fmt::format("{} layout at {}, {} CMSIS-NN source files", tree->layout, where,
                         tree->nn_sources.size());
  if (tree->nn_include.empty()) {
    c.status = "warning";
    c.detail = fmt::format("{} layout at {}: no CMSIS-NN", tree->layout, where);
    c.fix = "models compiled with --target=cmsis-nn need CMSIS-NN beside CMSIS (CMSIS-NN/)";
  }
  return c;
}

}  // namespace utvm::cli
