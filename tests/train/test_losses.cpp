// Every loss's value and per-sample dJ/dl from LibTorch's autograd, in
// float32, against the closed forms of REFERENCE.md §1 at ordinary and
// extreme logits (handed case c07).
#include "train/losses.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace gansweep {
namespace {

const std::vector<LossKind> kAllLosses{LossKind::kMinimax, LossKind::kNonSaturating,
                                       LossKind::kLeastSquares, LossKind::kWassersteinGp,
                                       LossKind::kHinge};

// Loss of one sample and its dJ/dl, by autograd on a batch of one.
std::pair<double, double> per_sample(LossKind loss, float logit) {
  auto l = torch::full({1, 1}, logit, torch::kFloat).requires_grad_(true);
  auto j = generator_loss(loss, l);
  j.backward();
  return {j.item<double>(), l.grad().item<double>()};
}

TEST(GeneratorLoss, C07NonSaturatingAtExtremeLogits) {
  // softplus(-l) and dJ/dl = -(1 - sigma(l)).
  const std::vector<std::tuple<float, double, double>> expected{
      {-200.0f, 200.0, -1.0},
      {-50.0f, 50.0, -1.0},
      {30.0f, 9.357622968840175e-14, -9.357622968840175e-14},
      {100.0f, 3.7200759760208356e-44, -3.7200759760208356e-44}};
  for (const auto& [l, loss, grad] : expected) {
    const auto [j, dj] = per_sample(LossKind::kNonSaturating, l);
    // Tiny values: absolute tolerances, since float32 may flush them to 0.
    EXPECT_NEAR(j, loss, std::max(1e-6 * std::fabs(loss), 1e-15)) << "l = " << l;
    EXPECT_NEAR(dj, grad, std::max(1e-6 * std::fabs(grad), 1e-15)) << "l = " << l;
  }
  // Exactly -1 at l = -50 and -200, the trap BCE-on-probabilities falls in.
  EXPECT_EQ(per_sample(LossKind::kNonSaturating, -50.0f).second, -1.0);
  EXPECT_EQ(per_sample(LossKind::kNonSaturating, -200.0f).second, -1.0);
}

TEST(GeneratorLoss, C07MinimaxAtExtremeLogits) {
  // -softplus(l) and dJ/dl = -sigma(l).
  const std::vector<std::tuple<float, double, double>> expected{
      {-200.0f, 0.0, 0.0},
      {-50.0f, -1.9287498479639178e-22, -1.9287498479639178e-22},
      {30.0f, -30.0, -1.0},
      {100.0f, -100.0, -1.0}};
  for (const auto& [l, loss, grad] : expected) {
    const auto [j, dj] = per_sample(LossKind::kMinimax, l);
    EXPECT_NEAR(j, loss, std::max(1e-6 * std::fabs(loss), 1e-30)) << "l = " << l;
    EXPECT_NEAR(dj, grad, std::max(1e-6 * std::fabs(grad), 1e-30)) << "l = " << l;
  }
}

TEST(GeneratorLoss, OrdinaryLogitsAllLosses) {
  for (float l : {-2.0f, -0.3f, 0.0f, 1.5f}) {
    const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(l)));
    const std::vector<std::tuple<LossKind, double, double>> expected{
        {LossKind::kMinimax, std::log(1 - p), -p},
        {LossKind::kNonSaturating, -std::log(p), -(1 - p)},
        {LossKind::kLeastSquares, 0.5 * (l - 1.0) * (l - 1.0), l - 1.0},
        {LossKind::kWassersteinGp, -l, -1.0},
        {LossKind::kHinge, -l, -1.0}};
    for (const auto& [loss, value, grad] : expected) {
      const auto [j, dj] = per_sample(loss, l);
      EXPECT_NEAR(j, value, 1e-6) << name_of(loss) << " l = " << l;
      EXPECT_NEAR(dj, grad, 1e-6) << name_of(loss) << " l = " << l;
    }
  }
}

TEST(GeneratorLoss, BatchMeanDividesTheGradientByB) {
  auto l = torch::tensor({-1.0f, 0.0f, 2.0f, -3.0f}).view({4, 1}).requires_grad_(true);
  generator_loss(LossKind::kNonSaturating, l).backward();
  for (int i = 0; i < 4; ++i) {
    const double li = l[i][0].item<double>();
    EXPECT_NEAR(l.grad()[i][0].item<double>(), -(1 - 1 / (1 + std::exp(-li))) / 4, 1e-7);
  }
}

TEST(Losses, NoNaNOrInfAnywhere) {
  const auto logits =
      torch::tensor({-1000.0f, -200.0f, -88.8f, -50.0f, 0.0f, 16.7f, 30.0f, 100.0f, 1000.0f})
          .view({-1, 1});
  for (LossKind loss : kAllLosses) {
    auto fake = logits.clone().requires_grad_(true);
    auto real = logits.flip({0}).clone().requires_grad_(true);
    auto g = generator_loss(loss, fake);
    g.backward();
    EXPECT_TRUE(std::isfinite(g.item<double>())) << name_of(loss);
    EXPECT_TRUE(torch::isfinite(fake.grad()).all().item<bool>()) << name_of(loss);
    fake.grad().zero_();
    auto d = discriminator_loss(loss, real, fake);
    d.backward();
    EXPECT_TRUE(std::isfinite(d.item<double>())) << name_of(loss);
    EXPECT_TRUE(torch::isfinite(fake.grad()).all().item<bool>()) << name_of(loss);
    EXPECT_TRUE(torch::isfinite(real.grad()).all().item<bool>()) << name_of(loss);
  }
}

TEST(DiscriminatorLoss, ClosedForms) {
  const auto lr = torch::tensor({1.0f, -0.5f}).view({2, 1});
  const auto lf = torch::tensor({-2.0f, 0.5f}).view({2, 1});
  const auto softplus = [](double x) { return std::log1p(std::exp(x)); };
  const double bce = (softplus(-1.0) + softplus(0.5)) / 2 + (softplus(-2.0) + softplus(0.5)) / 2;
  EXPECT_NEAR(discriminator_loss(LossKind::kMinimax, lr, lf).item<double>(), bce, 1e-6);
  EXPECT_NEAR(discriminator_loss(LossKind::kNonSaturating, lr, lf).item<double>(), bce, 1e-6);
  EXPECT_NEAR(discriminator_loss(LossKind::kLeastSquares, lr, lf).item<double>(),
              0.5 * (0.0 + 2.25) / 2 + 0.5 * (4.0 + 0.25) / 2, 1e-6);
  EXPECT_NEAR(discriminator_loss(LossKind::kWassersteinGp, lr, lf).item<double>(),
              (-2.0 + 0.5) / 2 - (1.0 - 0.5) / 2, 1e-6);
  EXPECT_NEAR(discriminator_loss(LossKind::kHinge, lr, lf).item<double>(),
              (0.0 + 1.5) / 2 + (0.0 + 1.5) / 2, 1e-6);
}

TEST(GradientPenalty, LinearCriticHasAConstantInputGradient) {
  // D(x) = w . x: grad_x D = w for every sample, so the penalty is
  // (||w|| - 1)^2 = 16 for w = (3, 4), and its gradient in w is
  // 2 (||w|| - 1) w / ||w|| = (4.8, 6.4).
  auto w = torch::tensor({3.0f, 4.0f}).requires_grad_(true);
  const auto critic = [&](const torch::Tensor& x) { return x.matmul(w).unsqueeze(1); };
  const auto real = torch::randn({5, 2});
  const auto fake = torch::randn({5, 2});
  const auto mix = torch::rand({5});
  auto penalty = gradient_penalty(critic, real, fake, mix);
  EXPECT_NEAR(penalty.item<double>(), 16.0, 1e-4);
  penalty.backward();
  EXPECT_NEAR(w.grad()[0].item<double>(), 4.8, 1e-4);
  EXPECT_NEAR(w.grad()[1].item<double>(), 6.4, 1e-4);
}

}  // namespace
}  // namespace gansweep
