// Several modules in one firmware (generate_firmware_c): each module's code gets names of its
// own, the arena is shared, utvm_models lists them; and the renaming never touches strings or
// comments. The TVM 0.16 multi-module fixture's glue must compile as strict C99.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "c_text.h"
#include "test_util.h"
#include "utvm/codegen/executor.h"
#include "utvm/common/error.h"
#include "utvm/mlf/archive.h"
#include "utvm/mlf/model.h"

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const fs::path kMulti = fs::path(UTVM_SHARED_DIR) / "fixtures" / "tvm016" / "multi_module_aot.tar";

TEST(RenameIdentifiers, RenamesCodeOnly) {
  const std::string c =
      "static int utvm_glue_in0; /* utvm_glue_in0 */ // utvm_glue_x\n"
      "#define UTVM_GLUE_X utvm_glue_keep\n"
      "const char* n = \"utvm_glue_in0\\\"utvm_glue_a\"; char q = 'u';\n"
      "int f(void) { return utvm_glue_in0 + my_utvm_glue_in0 + utvm_glue_; }\n";
  const std::string r = utvm::codegen::detail::rename_identifiers(c, "utvm_glue_", "utvm_m1_");
  EXPECT_EQ(r,
            "static int utvm_m1_in0; /* utvm_glue_in0 */ // utvm_glue_x\n"
            "#define UTVM_GLUE_X utvm_glue_keep\n"
            "const char* n = \"utvm_glue_in0\\\"utvm_glue_a\"; char q = 'u';\n"
            "int f(void) { return utvm_m1_in0 + my_utvm_glue_in0 + utvm_m1_; }\n");
}

TEST(FirmwareC, OneModuleIsTheExecutorFile) {
  if (!fs::exists(kMulti)) GTEST_SKIP() << kMulti << " is absent (../shared not checked out)";
  const auto archive = utvm::mlf::Archive::read(kMulti);
  const auto model = utvm::mlf::load_model(archive, kMulti.string());
  const std::string one = utvm::codegen::generate_firmware_c(
      archive, std::span<const utvm::mlf::Module>(&model.modules[1], 1), {"b", std::nullopt});
  EXPECT_EQ(one, utvm::codegen::generate_executor_c(archive, model.modules[1], {"b", {}}));
  EXPECT_THAT(one, HasSubstr("const utvm_model_t* const utvm_models[1] = {&utvm_glue_model};"));
}

TEST(FirmwareC, TwoModulesGetTheirOwnNamesAndOneTable) {
  if (!fs::exists(kMulti)) GTEST_SKIP() << kMulti << " is absent (../shared not checked out)";
  const auto archive = utvm::mlf::Archive::read(kMulti);
  const auto model = utvm::mlf::load_model(archive, kMulti.string());
  ASSERT_EQ(model.modules.size(), 2u);
  const std::string c = utvm::codegen::generate_firmware_c(archive, model.modules, {"id", 512});
  EXPECT_THAT(c, HasSubstr("#include \"tvmgen_multi_io.h\""));
  EXPECT_THAT(c, HasSubstr("#include \"tvmgen_sine.h\""));
  EXPECT_THAT(c, HasSubstr("static const utvm_model_t utvm_m0_model"));
  EXPECT_THAT(c, HasSubstr("static const utvm_model_t utvm_m1_model"));
  EXPECT_THAT(c, HasSubstr("const utvm_model_t* const utvm_models[2] = {&utvm_m0_model, "
                           "&utvm_m1_model};\nconst uint16_t utvm_num_models = 2;"));
  // One arena (the option sizes it), used by both modules' runs.
  EXPECT_THAT(c, HasSubstr("static uint8_t utvm_shared_arena[512]"));
  EXPECT_THAT(c, HasSubstr("utvm_workspace_init(utvm_shared_arena, sizeof(utvm_shared_arena));"));
  EXPECT_THAT(c, Not(HasSubstr("utvm_glue_arena")));
  EXPECT_FALSE(std::regex_search(c, std::regex("\\butvm_glue_[a-z]"))) << "a name was not renamed";
  EXPECT_THAT(c, HasSubstr(".name = \"multi_io\""));
  EXPECT_THAT(c, HasSubstr("inputs.counts_i32 = utvm_m0_in1;"));

  const fs::path dir = utvm::codegen::test::scratch_dir("firmware_multi");
  utvm::mlf::extract(archive, dir / "model");
  std::string log;
  EXPECT_TRUE(utvm::codegen::test::compiles_strict(c, &log, dir / "model/codegen/host/include"))
      << log;
  fs::remove_all(dir);
}

TEST(FirmwareC, RefusesTwoSystemLibRegistries) {
  if (!fs::exists(kMulti)) GTEST_SKIP() << kMulti << " is absent (../shared not checked out)";
  const auto archive = utvm::mlf::Archive::read(kMulti);
  auto model = utvm::mlf::load_model(archive, kMulti.string());
  for (auto& m : model.modules)
    m.system_lib = true;
  try {
    utvm::codegen::generate_firmware_c(archive, model.modules, {"id", {}});
    ADD_FAILURE() << "two TVMSystemLibEntryPoint definitions were accepted";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kBadInput);
    EXPECT_THAT(std::string(e.what()),
                HasSubstr("modules 'multi_io' and 'sine' both define TVMSystemLibEntryPoint"));
  }
}

}  // namespace
