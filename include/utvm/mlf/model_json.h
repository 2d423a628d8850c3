// The stable JSON form of a Model (`utvm info --json`), documented in docs/mlf-info-json.md.
#pragma once

#include <nlohmann/json.hpp>

#include "utvm/mlf/model.h"

namespace utvm::mlf {

inline constexpr int kInfoJsonSchemaVersion = 1;

// {"schema_version": 1, "metadata_version": N, "tvm_version", "export_datetime", "modules": [...]}
nlohmann::json model_to_json(const Model& model);

}  // namespace utvm::mlf
