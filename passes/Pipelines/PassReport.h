//===- PassReport.h - What each pass did, for learners ----------*- C++ -*-===//
//
// Pass instrumentations that make every pass observable without a debug
// build of LLVM (whose statistics are compiled out of Debian's release
// libraries):
//   - OpCountReport prints, after each pass that changed anything, how many
//     ops of each kind it removed and created ("xf-fuse-gelu: +6 xf.gelu,
//     -18 xf.mul, ...");
//   - IRDump writes the IR after selected passes to a stream or to numbered
//     files in a directory.
//
//===----------------------------------------------------------------------===//

#ifndef XF_PASSES_PIPELINES_PASSREPORT_H
#define XF_PASSES_PIPELINES_PASSREPORT_H

#include "mlir/Pass/PassInstrumentation.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::xf {

class OpCountReport : public PassInstrumentation {
public:
  explicit OpCountReport(llvm::raw_ostream &os) : os(os) {}
  void runBeforePass(Pass *pass, Operation *op) override;
  void runAfterPass(Pass *pass, Operation *op) override;

private:
  llvm::raw_ostream &os;
  std::vector<std::map<std::string, int64_t>> stack;
};

class IRDump : public PassInstrumentation {
public:
  /// Dumps after the passes whose argument is in `passes` (all when empty),
  /// to `directory` as NN-<pass>.mlir files, or to `os` when it is empty.
  IRDump(std::vector<std::string> passes, std::string directory,
         llvm::raw_ostream &os)
      : passes(std::move(passes)), directory(std::move(directory)), os(os) {}
  void runAfterPass(Pass *pass, Operation *op) override;

private:
  std::vector<std::string> passes;
  std::string directory;
  llvm::raw_ostream &os;
  int counter = 0;
};

} // namespace mlir::xf

#endif // XF_PASSES_PIPELINES_PASSREPORT_H
