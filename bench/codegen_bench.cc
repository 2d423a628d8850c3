// codegen: the create-project-time generators. The hot path is embedding params as C byte
// initialisers (graph lowering); glue generation is a few hundred lines whatever the model.
#include <benchmark/benchmark.h>

#include "utvm/codegen/glue.h"
#include "utvm/codegen/graph.h"

namespace {

namespace mlf = utvm::mlf;

// x -> op(x, p) -> y with one float32 param of `bytes` bytes.
struct OneOpGraph {
  mlf::Module module;
  mlf::Graph graph;
  std::vector<mlf::Param> params;

  explicit OneOpGraph(int64_t bytes) {
    int64_t n = bytes / 4;
    module.name = "bench";
    module.executor = mlf::Executor::kGraph;
    module.inputs = {{"x", "x", "float32", std::vector<int64_t>{n}, static_cast<uint64_t>(bytes)}};
    graph.nodes = {
        {"null", "x", {}, {}},
        {"null", "p0", {}, {}},
        {"tvm_op",
         "k",
         {{"func_name", "k"}, {"num_inputs", "2"}, {"num_outputs", "1"}, {"flatten_data", "0"}},
         {{0, 0, 0}, {1, 0, 0}}}};
    graph.arg_nodes = {0, 1};
    graph.node_row_ptr = {0, 1, 2, 3};
    graph.heads = {{2, 0, 0}};
    graph.storage_id = {0, 1, 2};
    graph.shape = {{n}, {n}, {n}};
    graph.dltype = {"float32", "float32", "float32"};
    std::string data(static_cast<size_t>(bytes), '\0');
    for (size_t i = 0; i < data.size(); ++i)
      data[i] = static_cast<char>(i * 131 + 7);
    params = {{"p0", "float32", {n}, std::move(data)}};
  }
};

void BM_GraphLoweringParams(benchmark::State& state) {
  OneOpGraph g(state.range(0));
  utvm::codegen::GraphOptions opts;
  opts.build_id = "bench";
  size_t out_bytes = 0;
  for (auto _ : state) {
    std::string c = utvm::codegen::generate_graph_executor_c(g.module, g.graph, g.params, opts);
    out_bytes = c.size();
    benchmark::DoNotOptimize(c.data());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.counters["c_bytes"] = static_cast<double>(out_bytes);
}
BENCHMARK(BM_GraphLoweringParams)->Arg(64 << 10)->Arg(4 << 20)->Unit(benchmark::kMillisecond);

void BM_GlueGeneration(benchmark::State& state) {
  utvm::codegen::GlueModel m;
  m.module_name = "default";
  m.entry = utvm::codegen::EntryKind::kCWrapper;
  m.entry_symbol = "tvmgen_default_run";
  m.interface_header = "tvmgen_default.h";
  for (int i = 0; i < state.range(0); ++i) {
    m.inputs.push_back({"in:" + std::to_string(i), "", "int8", std::vector<int64_t>{1, 490}, 490});
    m.outputs.push_back({"out" + std::to_string(i), "", "float32", std::nullopt, 48});
  }
  m.workspace_size_bytes = 24576;
  utvm::codegen::GlueOptions opts;
  opts.build_id = "bench";
  for (auto _ : state) {
    std::string c = utvm::codegen::generate_glue_c(m, opts);
    benchmark::DoNotOptimize(c.data());
  }
}
BENCHMARK(BM_GlueGeneration)->Arg(1)->Arg(16)->Unit(benchmark::kMicrosecond);

}  // namespace
