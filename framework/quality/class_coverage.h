// Class coverage of generated images, the image counterpart of the toy
// data's mode coverage: which of the classifier's classes the samples fall
// into, and how evenly.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <torch/torch.h>

namespace gansweep::quality {

struct CoverageOptions {
  // A sample counts for its top class only when the classifier gives that
  // class at least this probability: noise the classifier is unsure about
  // covers nothing.
  double min_confidence = 0.5;
  // A class is covered when at least this fraction of all samples (and at
  // least one) are confident predictions of it. The default, 5%, is half of
  // a class's share when all 10 are equally frequent (50 of 1000 samples):
  // a generator that draws every class evenly covers all 10 with room to
  // spare, while the classifier's own mistakes (1000 real T-shirts are also
  // called shirts, dresses or pullovers, 1-10% each) cannot make one class
  // look like several; at 1% they count as 4.
  double min_fraction = 0.05;
};

struct ClassCoverage {
  int classes_covered = 0;
  // KL divergence of the histogram of top predictions (every sample, however
  // confident) from uniform over the classes: 0 when the classes are equally
  // frequent, log(K) when every sample is one class. Empty without samples.
  std::optional<double> class_kl;
  std::vector<std::int64_t> top_counts;  // per class: samples whose top class it is
  std::vector<std::int64_t> confident;   // per class: of those, the confident ones
};

// `probabilities`: (N, K) rows of class probabilities (softmax outputs).
ClassCoverage class_coverage(const torch::Tensor& probabilities,
                             const CoverageOptions& options = {});

}  // namespace gansweep::quality
