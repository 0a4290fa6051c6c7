// How a report groups runs: by loss, learning rate and step ratio, then by
// every other setting that differs between the runs shown (a freeze point,
// a searched beta1) except the seed, so that a group's runs differ only in
// seed and its statistics are across seeds. Shared by the HTML and Markdown
// reports so they group, and pair, the same way. Torch-free.
#pragma once

#include <string>
#include <vector>

#include "query/run_table.h"

namespace gansweep::report {

// train.loss, train.lr, train.d_steps, then the other differing settings of
// `runs` in their listed order.
std::vector<std::string> grouping_settings(const query::RunTable& runs);

}  // namespace gansweep::report
