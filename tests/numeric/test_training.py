"""The trainer: loss goes down on every toy problem with every optimizer, epochs visit every
sample once, seeded runs repeat exactly, and bad settings are named."""

import numpy as np
import pytest
import torch

from numeric.datasets import make_dataset
from numeric.training import TrainConfig, Trainer, shuffled_batches, total_loss
from symbolic.spec import NetworkSpec

PROBLEMS = [  # (dataset, widths, loss)
    ("regression-1d", (1, 6, 1), "least-squares"),
    ("binary-1d", (1, 6, 1), "bernoulli"),
    ("binary-2d", (2, 6, 1), "bernoulli"),
    ("classes-3", (1, 6, 3), "categorical"),
    ("counts-1d", (1, 6, 1), "poisson"),
]
OPTIMIZERS = ["gd", "sgd", "momentum", "adam"]


def config(**kw):
    return TrainConfig(**{"progress": False, "device": "cpu", **kw})


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("dataset, widths, loss", PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_loss_decreases_on_each_toy_problem(dataset, widths, loss, optimizer):
    data = make_dataset(dataset)
    trainer = Trainer(NetworkSpec(widths, "tanh"), loss, data, config(optimizer=optimizer, epochs=15, seed=1))
    before = total_loss(trainer.model, loss, trainer.X, trainer.Y)
    result = trainer.run()
    assert result.epochs == 15 and len(result.history) == 15
    assert result.loss < 0.9 * before, (before, result.loss)


def test_normal_losses_train_too():
    data = make_dataset("regression-1d")
    for loss, widths, sigma in (("normal", (1, 4, 1), 0.5), ("heteroscedastic-normal", (1, 4, 2), None)):
        trainer = Trainer(NetworkSpec(widths, "relu"), loss, data, config(optimizer="adam", epochs=20, sigma=sigma))
        before = total_loss(trainer.model, loss, trainer.X, trainer.Y, trainer.sigma)
        assert trainer.run().loss < before


def test_shuffled_batches_is_a_partition_with_a_partial_last_batch():
    rng = np.random.default_rng(3)
    for I, B in ((10, 3), (10, 5), (7, 7), (5, 1)):
        batches = shuffled_batches(I, B, rng)
        assert [len(b) for b in batches] == [B] * (I // B) + ([I % B] if I % B else [])
        assert sorted(np.concatenate(batches).tolist()) == list(range(I))


def test_sgd_epochs_visit_every_sample_exactly_once():
    """The inputs the network actually sees, recorded by a forward hook: one permutation of
    the I samples per epoch, in ceil(I / B) batches, and different orders in different epochs."""
    I, B = 11, 4
    X = np.arange(I, dtype=float)[:, None]  # x_i = i identifies the sample
    from numeric.data import Dataset

    data = Dataset(X, np.zeros((I, 1)), "ids")
    trainer = Trainer(NetworkSpec((1, 2, 1), "relu"), "least-squares", data,
                      config(optimizer="sgd", batch_size=B, epochs=3, lr=1e-3))
    seen = []
    trainer.model.register_forward_pre_hook(lambda module, args: seen.append(args[0][:, 0].tolist()))
    trainer.run()
    seen = seen[:-1]  # the last forward is the final full-data loss
    assert len(seen) == 3 * 3 and [len(b) for b in seen[:3]] == [4, 4, 3]
    epochs = [sum(seen[3 * e:3 * e + 3], []) for e in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(I))
    assert epochs[0] != epochs[1]


def test_gd_uses_the_whole_set_in_its_order_each_step():
    data = make_dataset("regression-1d")
    trainer = Trainer(NetworkSpec((1, 2, 1), "relu"), "least-squares", data, config(optimizer="gd", epochs=2))
    seen = []
    trainer.model.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    trainer.run()
    assert len(seen) == 3 and all(torch.equal(s, trainer.X) for s in seen)


def test_seeded_runs_are_identical_and_seeds_matter():
    data = make_dataset("binary-2d")
    run = lambda seed: Trainer(NetworkSpec((2, 4, 1), "relu"), "bernoulli", data,
                               config(optimizer="adam", batch_size=7, epochs=4, seed=seed)).run().params
    a, b, c = run(5), run(5), run(6)
    assert a == b and a != c


def test_float64_on_cpu_and_float32_on_request():
    data = make_dataset("regression-1d")
    t64 = Trainer(NetworkSpec((1, 2, 1)), "least-squares", data, config(epochs=1))
    t32 = Trainer(NetworkSpec((1, 2, 1)), "least-squares", data, config(epochs=1, dtype="float32"))
    assert t64.dtype == torch.float64 and t64.X.dtype == torch.float64 and t64.device.type == "cpu"
    assert t32.dtype == torch.float32 and t32.model.beta_0.dtype == torch.float32
    assert t32.run().loss > 0


def test_batch_gradient_is_the_sum_not_the_mean():
    """One SGD step with batch = I equals phi - alpha * grad of sum_i l_i (autograd of the total)."""
    data = make_dataset("regression-1d")
    trainer = Trainer(NetworkSpec((1, 3, 1), "tanh"), "least-squares", data,
                      config(optimizer="sgd", batch_size=data.I, epochs=1, lr=0.003))
    start = {k: v.detach().clone() for k, v in trainer.model.named_parameters()}
    total = ((trainer.model(trainer.X) - trainer.Y) ** 2).sum()
    grads = dict(zip(start, torch.autograd.grad(total, list(trainer.model.parameters()))))
    trainer.run()
    for name, p in trainer.model.named_parameters():
        expected = start[name] - 0.003 * grads[name]
        assert torch.allclose(p, expected, rtol=1e-13, atol=1e-15), name


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"lr": 0.0}, "learning rate --lr must be a positive number, got 0.0"),
        ({"lr": -1.0}, "learning rate --lr must be a positive number, got -1.0"),
        ({"lr": float("nan")}, "learning rate --lr must be a positive number, got nan"),
        ({"batch_size": 0}, "batch size --batch-size must be a positive integer, got 0"),
        ({"batch_size": 41}, "batch size --batch-size 41 is larger than the data set (I = 40 samples)"),
        ({"epochs": 0}, "number of epochs --epochs must be a positive integer, got 0"),
        ({"optimizer": "gd", "batch_size": 8},
         "--optimizer gd uses the whole data set (I = 40) in each step; omit --batch-size or use --optimizer sgd for batches of 8"),
        ({"optimizer": "rmsprop"}, "unknown optimizer 'rmsprop'; choose one of gd, sgd, momentum, adam"),
        ({"checkpoint_every": 0}, "--checkpoint-every must be a positive integer, got 0 (epochs between checkpoints)"),
        ({"dtype": "float16"}, "dtype must be auto, float64 or float32, got 'float16'"),
    ],
)
def test_bad_settings_are_named(kw, message):
    with pytest.raises(ValueError) as info:
        Trainer(NetworkSpec((1, 2, 1)), "least-squares", make_dataset("regression-1d"), config(**kw))
    assert str(info.value) == message


def test_normal_loss_needs_sigma_and_data_must_be_finite():
    data = make_dataset("regression-1d")
    with pytest.raises(ValueError, match=r"the normal loss needs its standard deviation: pass --sigma S with S > 0"):
        Trainer(NetworkSpec((1, 2, 1)), "normal", data, config())
    data.X[3, 0] = np.inf
    with pytest.raises(ValueError, match="data holds NaN or infinite values"):
        Trainer(NetworkSpec((1, 2, 1)), "least-squares", data, config())
