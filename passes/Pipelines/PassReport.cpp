//===- PassReport.cpp - What each pass did, for learners ------------------===//

#include "passes/Pipelines/PassReport.h"

#include "mlir/IR/Operation.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::xf;

static std::map<std::string, int64_t> countOps(Operation *root) {
  std::map<std::string, int64_t> counts;
  root->walk([&](Operation *op) {
    if (op != root)
      ++counts[op->getName().getStringRef().str()];
  });
  return counts;
}

void OpCountReport::runBeforePass(Pass *, Operation *op) {
  stack.push_back(countOps(op));
}

void OpCountReport::runAfterPass(Pass *pass, Operation *op) {
  std::map<std::string, int64_t> before = std::move(stack.back());
  stack.pop_back();
  // Pass-manager adaptors have no flag; the passes they run report.
  if (pass->getArgument().empty())
    return;
  std::map<std::string, int64_t> after = countOps(op);
  std::vector<std::pair<int64_t, std::string>> deltas;
  for (const auto &[name, count] : after)
    if (int64_t delta = count - before[name])
      deltas.push_back({delta, name});
  for (const auto &[name, count] : before)
    if (!after.count(name) && count)
      deltas.push_back({-count, name});
  if (deltas.empty())
    return;
  // Created kinds first, then the largest removals.
  llvm::sort(deltas, [](const auto &a, const auto &b) {
    if ((a.first > 0) != (b.first > 0))
      return a.first > 0;
    return std::abs(a.first) > std::abs(b.first);
  });
  os << pass->getArgument();
  if (auto name = op->getAttrOfType<StringAttr>("sym_name"))
    os << " (@" << name.getValue() << ")";
  os << ":";
  for (auto [i, entry] : llvm::enumerate(deltas))
    os << (i ? ", " : " ") << (entry.first > 0 ? "+" : "") << entry.first
       << " " << entry.second;
  os << "\n";
}

void IRDump::runAfterPass(Pass *pass, Operation *op) {
  StringRef argument = pass->getArgument();
  if (!passes.empty() && !llvm::is_contained(passes, argument.str()))
    return;
  ++counter;
  OpPrintingFlags flags;
  flags.elideLargeElementsAttrs(16).elideLargeResourceString(64);
  if (directory.empty()) {
    os << "// -----// IR after " << argument << " //----- //\n";
    op->print(os, flags);
    os << "\n";
    return;
  }
  llvm::sys::fs::create_directories(directory);
  SmallString<256> path(directory);
  llvm::sys::path::append(path,
                          llvm::formatv("{0:d2}-{1}.mlir", counter, argument)
                              .str());
  std::error_code ec;
  llvm::raw_fd_ostream file(path, ec);
  if (ec) {
    llvm::errs() << "xfc: error: cannot write '" << path
                 << "': " << ec.message() << "\n";
    return;
  }
  op->print(file, flags);
  file << "\n";
}
