#include "utvm/project_api/options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "utvm/common/error.h"

namespace utvm::project_api {
namespace {

using Strings = std::vector<std::string>;

ProjectOption make(std::string name, std::string type, std::optional<Strings> required,
                   std::optional<Strings> optional, std::string help,
                   nlohmann::json default_value = nullptr, std::optional<Strings> choices = {}) {
  ProjectOption o;
  o.name = std::move(name);
  o.type = std::move(type);
  o.required = std::move(required);
  o.optional = std::move(optional);
  o.help = std::move(help);
  o.default_value = std::move(default_value);
  o.choices = std::move(choices);
  return o;
}

// A Zephyr-like option list (spec §5.3).
std::vector<ProjectOption> zephyr_like() {
  return {
      make("verbose", "bool", {}, Strings{"generate_project"}, "Run build with verbose output.",
           false),
      make("project_type", "str", Strings{"generate_project"}, {}, "Type of project to generate.",
           nullptr, Strings{"aot_standalone_demo", "host_driven", "mlperftiny"}),
      make("board", "str", Strings{"generate_project"}, {}, "Name of the board to build for.",
           nullptr, Strings{"qemu_x86", "nucleo_f746zg"}),
      make("gdbserver_port", "int", {}, Strings{"open_transport"}, "If given, port number to use.",
           nullptr),
      make("serial_number", "str", {}, Strings{"open_transport", "flash"}, "Board serial number."),
      make("west_cmd", "str", {}, Strings{"generate_project", "build", "flash", "open_transport"},
           "Path to the west tool. If given, supersedes both the zephyr_base option and "
           "ZEPHYR_BASE environment variable.",
           "/usr/bin/python3 -m west"),
      make("config_main_stack_size", "int", {}, Strings{"generate_project"},
           "Sets CONFIG_MAIN_STACK_SIZE for Zephyr board."),
      make("scale", "float", {}, Strings{"build"}, "A float option."),
      make("workspace_size_bytes", "int", {}, Strings{"generate_project"},
           "Sets the value of TVM_WORKSPACE_SIZE_BYTES.", 2097152),
  };
}

std::string error_of(const std::function<void()>& fn, ExitCode expected = ExitCode::kOption) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), expected) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

TEST(ParseOptionTokens, SplitsAndKeepsFirstSeenOrder) {
  auto got = parse_option_tokens({"board=qemu_x86", "verbose=true", "board=nucleo", "empty="});
  UserOptions want = {{"board", "nucleo"}, {"verbose", "true"}, {"empty", ""}};
  EXPECT_EQ(got, want);
}

TEST(ParseOptionTokens, RejectsTokensWithoutExactlyOneEquals) {
  EXPECT_EQ(error_of([] { parse_option_tokens({"board"}); }),
            "Invalid option format: board. Please use OPTION=VALUE.");
  EXPECT_EQ(error_of([] {
              parse_option_tokens({"ok=1", "a=b=c"});
            }),
            "Invalid option format: a=b=c. Please use OPTION=VALUE.");
}

TEST(OptionsForMethod, ViewFollowsRequiredAndOptionalLists) {
  auto opts = zephyr_like();
  auto view = options_for_method("flash", opts);
  ASSERT_EQ(view.size(), 2u);
  EXPECT_EQ(view[0].option->name, "serial_number");
  EXPECT_EQ(view[1].option->name, "west_cmd");
  EXPECT_FALSE(view[0].required);
  auto gen = options_for_method("generate_project", opts);
  ASSERT_GE(gen.size(), 3u);
  EXPECT_EQ(gen[0].option->name, "verbose");
  EXPECT_EQ(gen[0].choices, (Strings{"true", "false"}));  // bools get tvmc's choices
  EXPECT_TRUE(gen[1].required);
}

TEST(OptionsForMethod, OptionInBothListsAppearsTwice) {
  std::vector<ProjectOption> opts = {
      make("x", "str", Strings{"build"}, Strings{"build", "flash"}, "X.")};
  auto view = options_for_method("build", opts);
  ASSERT_EQ(view.size(), 2u);
  EXPECT_TRUE(view[0].required);
  EXPECT_FALSE(view[1].required);
}

TEST(ValidateOptions, RequiredMissingComesFirst) {
  auto opts = zephyr_like();
  // Both a missing required option and an invalid name: the required check wins.
  EXPECT_EQ(error_of([&] {
              validate_options("generate_project", opts,
                               {{"nonsense", "1"}, {"project_type", "host_driven"}});
            }),
            "Option 'board' is required but was not specified. Use --list-options to see all "
            "required options.");
}

TEST(ValidateOptions, InvalidNameComesBeforeChoices) {
  auto opts = zephyr_like();
  EXPECT_EQ(
      error_of([&] {
        validate_options(
            "generate_project", opts,
            {{"board", "not_a_board"}, {"project_type", "host_driven"}, {"serial_number", "123"}});
      }),
      "Option 'serial_number' is invalid. Use --list-options to see all available options.");
}

TEST(ValidateOptions, ChoiceMustBeListed) {
  auto opts = zephyr_like();
  EXPECT_EQ(error_of([&] {
              validate_options("generate_project", opts,
                               {{"board", "not_a_board"}, {"project_type", "host_driven"}});
            }),
            "Choice 'not_a_board' for option 'board' is invalid. Use --list-options to see all "
            "available choices for that option.\nvalid choices: qemu_x86, nucleo_f746zg");
  // tvmc's text first, then the valid choices and the nearest one on lines of their own.
  EXPECT_EQ(error_of([&] {
              validate_options("generate_project", opts,
                               {{"board", "qemu_x68"}, {"project_type", "host_driven"}});
            }),
            "Choice 'qemu_x68' for option 'board' is invalid. Use --list-options to see all "
            "available choices for that option.\nvalid choices: qemu_x86, nucleo_f746zg\n"
            "did you mean 'qemu_x86'?");
  EXPECT_EQ(error_of([&] {
              validate_options("generate_project", opts,
                               {{"bord", "qemu_x86"}, {"project_type", "host_driven"}});
            }),
            "Option 'board' is required but was not specified. Use --list-options to see all "
            "required options.\n'bord' was given: did you mean 'board'?");
}

TEST(ValidateOptions, BoolsAcceptOnlyLowercaseTrueFalse) {
  auto opts = zephyr_like();
  UserOptions base = {{"board", "qemu_x86"}, {"project_type", "host_driven"}};
  auto with = [&](std::string v) {
    UserOptions u = base;
    u.emplace_back("verbose", v);
    return u;
  };
  EXPECT_NO_THROW(validate_options("generate_project", opts, with("true")));
  EXPECT_NO_THROW(validate_options("generate_project", opts, with("false")));
  EXPECT_EQ(error_of([&] { validate_options("generate_project", opts, with("True")); }),
            "Choice 'True' for option 'verbose' is invalid. Use --list-options to see all "
            "available choices for that option.\nvalid choices: true, false\ndid you mean "
            "'true'?");
  EXPECT_THAT(error_of([&] { validate_options("generate_project", opts, with("1")); }),
              ::testing::HasSubstr("Choice '1' for option 'verbose'"));
}

TEST(ValidateOptions, OptionOfAnotherMethodIsInvalid) {
  auto opts = zephyr_like();
  EXPECT_EQ(error_of([&] {
              validate_options("flash", opts, {{"gdbserver_port", "1234"}});
            }),
            "Option 'gdbserver_port' is invalid. Use --list-options to see all available options.");
  EXPECT_NO_THROW(validate_options("open_transport", opts, {{"gdbserver_port", "1234"}}));
  EXPECT_NO_THROW(validate_options("flash", opts, {}));
}

TEST(ValidateOptions, EmptyChoicesRejectEveryValue) {
  // A generated Zephyr project reports project_type choices [] (spec §5.3): not null, so every
  // value fails tvmc's choice check.
  std::vector<ProjectOption> opts = {
      make("project_type", "str", {}, Strings{"build"}, "Type.", nullptr, Strings{})};
  EXPECT_THAT(error_of([&] {
                validate_options("build", opts, {{"project_type", "x"}});
              }),
              ::testing::HasSubstr("Choice 'x' for option 'project_type' is invalid."));
}

TEST(ConvertOptions, TypedModeConvertsByType) {
  auto opts = zephyr_like();
  auto j = convert_options({{"verbose", "true"},
                            {"config_main_stack_size", "4096"},
                            {"scale", "0.5"},
                            {"board", "qemu_x86"},
                            {"unknown", "7"}},
                           opts);
  EXPECT_EQ(j.dump(),
            R"({"board":"qemu_x86","config_main_stack_size":4096,"scale":0.5,"unknown":"7",)"
            R"("verbose":true})");
  EXPECT_EQ(convert_options({{"gdbserver_port", "-12"}}, opts)["gdbserver_port"], -12);
  EXPECT_EQ(convert_options({{"scale", "1e-06"}}, opts)["scale"], 1e-06);
}

TEST(ConvertOptions, StringsModeSendsEverythingAsString) {
  auto opts = zephyr_like();
  auto j = convert_options({{"verbose", "true"}, {"config_main_stack_size", "4096"}}, opts,
                           ValueMode::kStrings);
  EXPECT_EQ(j["verbose"], "true");
  EXPECT_EQ(j["config_main_stack_size"], "4096");
}

TEST(ConvertOptions, BadValuesNameTheOption) {
  auto opts = zephyr_like();
  EXPECT_EQ(error_of([&] {
              convert_options({{"config_main_stack_size", "4k"}}, opts);
            }),
            "Option 'config_main_stack_size' of type int has a value that is not an int: '4k'.");
  EXPECT_EQ(error_of([&] {
              convert_options({{"scale", "fast"}}, opts);
            }),
            "Option 'scale' of type float has a value that is not a float: 'fast'.");
  EXPECT_EQ(error_of([&] {
              convert_options({{"verbose", "yes"}}, opts);
            }),
            "Option 'verbose' of type bool has a value that is not a bool: 'yes'.");
  EXPECT_THAT(error_of([&] {
                convert_options({{"gdbserver_port", ""}}, opts);
              }),
              ::testing::HasSubstr("gdbserver_port"));
  EXPECT_THAT(error_of([&] {
                convert_options({{"scale", "nan"}}, opts);
              }),
              ::testing::HasSubstr("scale"));
}

TEST(FillDefaults, EveryAdvertisedOptionIsSentWithItsDefault) {
  auto opts = zephyr_like();
  nlohmann::json given = {{"board", "qemu_x86"}};
  auto j = fill_defaults(given, opts);
  EXPECT_EQ(j.size(), opts.size());
  EXPECT_EQ(j["board"], "qemu_x86");
  EXPECT_EQ(j["verbose"], false);
  EXPECT_TRUE(j["project_type"].is_null());
  EXPECT_EQ(j["workspace_size_bytes"], 2097152);
  EXPECT_EQ(j["west_cmd"], "/usr/bin/python3 -m west");
  EXPECT_EQ(fill_defaults(nullptr, {}), nlohmann::json::object());
  EXPECT_EQ(error_of([&] { fill_defaults(nlohmann::json::array(), opts); }),
            "project options must be a JSON object, got []");
}

TEST(ResolveOptions, ValidatesConvertsAndFills) {
  auto opts = zephyr_like();
  auto j = resolve_options("generate_project", opts,
                           parse_option_tokens({"board=qemu_x86", "project_type=host_driven",
                                                "config_main_stack_size=4096"}));
  EXPECT_EQ(j["config_main_stack_size"], 4096);
  EXPECT_EQ(j["verbose"], false);
  EXPECT_TRUE(j["serial_number"].is_null());
  EXPECT_THROW(resolve_options("generate_project", opts, {}), Error);
}

TEST(FormatOptionsHelp, MatchesTvmcExampleForFlash) {
  // spec §6.1, `tvmc micro flash /path/to/p1 zephyr --list-options`.
  EXPECT_EQ(format_options_help("flash", zephyr_like()),
            "serial_number=SERIAL_NUMBER\n"
            "  board serial number.\n"
            "\n"
            "west_cmd=WEST_CMD\n"
            "  path to the west tool. If given, supersedes both the zephyr_base option and "
            "ZEPHYR_BASE environment variable. Defaults to '/usr/bin/python3 -m west'.\n"
            "\n");
}

TEST(FormatOptionsHelp, RequiredBoolsIntsAndFalsyDefaults) {
  auto help = format_options_help("generate_project", zephyr_like());
  // Bool: {true, false}; false default not shown.
  EXPECT_THAT(help, ::testing::StartsWith("verbose={true, false}\n"
                                          "  run build with verbose output.\n\n"));
  EXPECT_THAT(help, ::testing::HasSubstr("project_type={aot_standalone_demo, host_driven, "
                                         "mlperftiny}\n  type of project to generate. (required)"));
  EXPECT_THAT(help, ::testing::HasSubstr("workspace_size_bytes=WORKSPACE_SIZE_BYTES\n  sets the "
                                         "value of TVM_WORKSPACE_SIZE_BYTES. Defaults to "
                                         "'2097152'.\n\n"));
  EXPECT_EQ(format_options_help("no_such_method", zephyr_like()), "");
}

TEST(FormatOptionsHelp, TruthyBoolDefaultPrintsLikePython) {
  std::vector<ProjectOption> opts = {
      make("use_fvp", "bool", {}, Strings{"build"}, "Use FVP.", true)};
  EXPECT_EQ(format_options_help("build", opts),
            "use_fvp={true, false}\n  use FVP. Defaults to 'True'.\n\n");
}

TEST(FormatOptionsHelp, WrapsChoicesLikeTextWrapper) {
  // Expected lines from Python's textwrap.TextWrapper(width=80 - len("board")).
  std::vector<ProjectOption> opts = {
      make("board", "str", Strings{"build"}, {}, "Name of the board.", nullptr,
           Strings{"mps2_an521", "mps3_an547", "nrf5340dk_nrf5340_cpuapp", "nucleo_f746zg",
                   "nucleo_l4r5zi", "qemu_cortex_r5", "qemu_riscv32", "qemu_riscv64", "qemu_x86",
                   "stm32f746g_disco"})};
  EXPECT_EQ(format_options_help("build", opts),
            "board={mps2_an521, mps3_an547, nrf5340dk_nrf5340_cpuapp, nucleo_f746zg,\n"
            "      nucleo_l4r5zi, qemu_cortex_r5, qemu_riscv32, qemu_riscv64, qemu_x86,\n"
            "      stm32f746g_disco}\n"
            "  name of the board. (required)\n\n");
}

TEST(FormatOptionsHelp, BreaksAtHyphensAndLongWords) {
  // Python: TextWrapper(width=20).wrap("{nrf5340dk-nrf5340-cpuapp, qemu-x86, ab-cd}") ==
  //   ['{nrf5340dk-', 'nrf5340-cpuapp,', 'qemu-x86, ab-cd}']
  std::string name(60, 'n');
  std::vector<ProjectOption> opts = {
      make(name, "str", {}, Strings{"build"}, "H.", nullptr,
           Strings{"nrf5340dk-nrf5340-cpuapp", "qemu-x86", "ab-cd"})};
  std::string pad(61, ' ');
  EXPECT_EQ(
      format_options_help("build", opts),
      name + "={nrf5340dk-\n" + pad + "nrf5340-cpuapp,\n" + pad + "qemu-x86, ab-cd}\n  h.\n\n");
  // TextWrapper(width=8).wrap("{averyverylongword, b}") == ['{averyve', 'rylongwo', 'rd, b}']
  std::string name72(72, 'm');
  std::vector<ProjectOption> opts2 = {
      make(name72, "str", {}, Strings{"build"}, "H.", nullptr, Strings{"averyverylongword", "b"})};
  std::string pad73(73, ' ');
  EXPECT_EQ(format_options_help("build", opts2),
            name72 + "={averyve\n" + pad73 + "rylongwo\n" + pad73 + "rd, b}\n  h.\n\n");
}

}  // namespace
}  // namespace utvm::project_api
