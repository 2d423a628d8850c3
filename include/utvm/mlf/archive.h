// Safe reading of Model Library Format tar archives (ustar / PAX / GNU, optionally compressed).
//
// Promises:
// - Archive::read never writes to disk and never crashes on hostile input: every problem is a
//   utvm::Error(ExitCode::kBadInput, "<archive>: <member>: ...").
// - Member names are normalised ("./a/b" -> "a/b"); absolute names, ".." components, links,
//   device/fifo entries and duplicate names are refused; member count and sizes are capped.
// - extract() is atomic: it unpacks into a temporary directory next to the destination and
//   renames it into place only when everything was written; on failure nothing is left behind.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace utvm::mlf {

// Caps applied while reading. Generous defaults; real MLFs are a few MB with < 200 members.
struct ArchiveLimits {
  std::uint64_t max_members = 10000;              // entries of any kind (dirs included)
  std::uint64_t max_total_bytes = 1ull << 30;     // sum of regular member sizes
  std::uint64_t max_member_bytes = 512ull << 20;  // one regular member
};

class Archive {
 public:
  // Reads every regular member of the tar at `tar` into memory.
  static Archive read(const std::filesystem::path& tar, const ArchiveLimits& limits = {});
  // Same, from bytes already in memory; `name_for_errors` prefixes every error message.
  static Archive from_bytes(std::string_view bytes, std::string_view name_for_errors,
                            const ArchiveLimits& limits = {});

  // Regular members by normalised name ("metadata.json", "codegen/host/src/default_lib0.c").
  const std::map<std::string, std::string>& members() const { return members_; }
  // The member's contents, or nullptr when absent.
  const std::string* find(std::string_view name) const;
  // Normalised names of the members under `dir` (e.g. "codegen/host/src"), recursively, sorted.
  std::vector<std::string> list(std::string_view dir) const;
  // Directory names seen as explicit entries or implied by member paths (sorted, no trailing /).
  const std::vector<std::string>& directories() const { return directories_; }
  // The name used in error messages (the path given to read(), or name_for_errors).
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::map<std::string, std::string> members_;
  std::vector<std::string> directories_;
};

// Normalises a tar member name; returns "" for the archive root ("./", "."). Throws
// utvm::Error(kBadInput) for absolute paths, ".." components, or backslash/NUL tricks.
std::string normalise_member_name(std::string_view raw, std::string_view archive_name);

// Extracts `tar` into `dest_dir`, which must not exist yet (its parent must). Atomic: members go
// to a temporary directory beside dest_dir that is renamed into place when complete.
void extract(const std::filesystem::path& tar, const std::filesystem::path& dest_dir,
             const ArchiveLimits& limits = {});
// Same, for an archive already read.
void extract(const Archive& archive, const std::filesystem::path& dest_dir);

}  // namespace utvm::mlf
