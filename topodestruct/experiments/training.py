"""A deterministic, resumable mini-batch training loop (Adam) with per-epoch checkpoints.

Used by the trained-network experiments (Figures 3 and 4).  Determinism:

* the network is built after ``torch.manual_seed(seed)`` by the caller
  (:func:`seeded`);
* the order of the mini-batches of epoch ``e`` comes from a generator seeded
  with ``(seed, e)`` only, so it does not depend on what ran before;
* :func:`deterministic` switches on ``torch.use_deterministic_algorithms``
  (and, on CUDA, the cuBLAS workspace setting it needs);
* after every epoch a checkpoint holds the model, the optimiser and the
  torch/numpy RNG states; a run that resumes from it continues bit-identically
  on the same machine, with the same library versions and thread count.

Across machines (other CPU instruction sets, thread counts, BLAS builds,
GPUs) floating-point summation orders differ, so trained weights, and with
them losses and ranks, agree only statistically, not bit for bit.

Examples
--------
>>> import torch
>>> from torch import nn
>>> X = torch.randn(64, 3); y = X.sum(1, keepdim=True)
>>> with seeded(0):
...     net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
>>> log = train(net, X, y, nn.MSELoss(), epochs=2, batch_size=16, seed=0, progress=False)
>>> [row["epoch"] for row in log]
[1, 2]
"""
import contextlib
import os
import pathlib
import time

import numpy as np

from .._validation import check_integer

__all__ = ["sequential_mlp", "deterministic", "seeded", "epoch_seed", "train", "evaluate",
           "save_checkpoint", "load_checkpoint"]


def sequential_mlp(widths):
    """``Linear, ReLU, ..., Linear`` (no ReLU after the output layer) with torch's default init.

    >>> sequential_mlp([3, 4, 1])
    Sequential(
      (0): Linear(in_features=3, out_features=4, bias=True)
      (1): ReLU()
      (2): Linear(in_features=4, out_features=1, bias=True)
    )
    """
    from torch import nn

    widths = [check_integer(w, "width", minimum=1) for w in widths]
    if len(widths) < 2:
        raise ValueError("widths needs an input and at least one layer width")
    mods = []
    for k, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        mods.append(nn.Linear(a, b))
        if k < len(widths) - 2:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def deterministic(device="cpu"):
    """Ask torch for deterministic kernels (warn where none exists)."""
    import torch

    if str(device).startswith("cuda"):
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)


@contextlib.contextmanager
def seeded(seed):
    """Run a block under ``torch.manual_seed(seed)``, restoring the global RNG afterwards."""
    import torch

    state = torch.get_rng_state()
    torch.manual_seed(int(seed) % 2 ** 63)
    try:
        yield
    finally:
        torch.set_rng_state(state)


def epoch_seed(seed, epoch):
    """Seed of epoch ``epoch``'s batch order, a function of ``(seed, epoch)`` only.

    >>> epoch_seed(3, 1) == epoch_seed(3, 1), epoch_seed(3, 1) != epoch_seed(3, 2)
    (True, True)
    """
    state = np.random.SeedSequence([int(seed) % 2 ** 64, int(epoch)]).generate_state(2, np.uint32)
    return (int(state[0]) << 31) ^ int(state[1])


def save_checkpoint(path, **state):
    """Write ``state`` with ``torch.save`` atomically (temporary file + rename)."""
    import torch

    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path, tag=None):
    """Load a checkpoint; ValueError if it belongs to another configuration (``tag``)."""
    import torch

    state = torch.load(pathlib.Path(path), map_location="cpu", weights_only=False)
    if tag is not None and state.get("tag") != tag:
        raise ValueError(f"checkpoint {path} belongs to configuration {state.get('tag')!r}, "
                         f"not {tag!r}; remove it or use another --out")
    return state


def evaluate(model, X, y, loss_fn, batch_size=4096, classify=False):
    """Mean loss (and accuracy for ``classify``) of ``model`` on ``(X, y)`` without gradients.

    Returns
    -------
    dict
        ``{"loss": float}`` plus ``"accuracy"`` (argmax of the logits) if ``classify``.
    """
    import torch

    was_training = model.training
    model.eval()
    total, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(X), batch_size):
            out = model(X[i:i + batch_size])
            target = y[i:i + batch_size]
            total += float(loss_fn(out, target)) * len(target)
            if classify:
                correct += int((out.argmax(1) == target).sum())
    model.train(was_training)
    result = {"loss": total / len(X)}
    if classify:
        result["accuracy"] = correct / len(X)
    return result


def train(model, X, y, loss_fn, epochs, batch_size=64, lr=1e-3, seed=0, checkpoint=None,
          tag=None, on_epoch=None, progress=True, desc="epochs", batch_progress=False):
    """Train ``model`` with Adam on ``(X, y)``; resume from ``checkpoint`` if it exists.

    Parameters
    ----------
    model : torch.nn.Module
        Already on the device of ``X`` and ``y``.
    X, y : torch.Tensor
        Training inputs and targets (same device as the model).
    loss_fn : callable
        ``loss_fn(model(xb), yb)`` -> scalar tensor.
    epochs : int
        Total number of epochs (a resumed run trains the missing ones).
    batch_size : int
    lr : float
        Adam learning rate (other Adam parameters are torch's defaults).
    seed : int
        Seeds the batch order of every epoch (:func:`epoch_seed`).
    checkpoint : str or os.PathLike, optional
        File written after every epoch (and before the first one); if it
        exists, training continues from it.
    tag : str, optional
        Configuration identifier stored in and checked against the checkpoint.
    on_epoch : callable, optional
        ``on_epoch(epoch, model, info)`` after every finished epoch, before its
        checkpoint is written, and with ``epoch = 0`` before training (only when
        not resuming); ``info`` has ``train_loss`` and ``seconds``.
    progress : bool
        tqdm bar over epochs.
    desc : str
        Label of the bar.
    batch_progress : bool
        Also a bar over the mini-batches of each epoch (long epochs: progress
        shows inside the epoch, not only after it).

    Returns
    -------
    list of dict
        ``{"epoch", "train_loss", "seconds"}`` of the epochs trained by this call.
    """
    import torch
    from tqdm.auto import tqdm

    epochs = check_integer(epochs, "epochs", minimum=0)
    batch_size = check_integer(batch_size, "batch_size", minimum=1)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    start = 0
    if checkpoint is not None and pathlib.Path(checkpoint).exists():
        state = load_checkpoint(checkpoint, tag)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        np.random.set_state(state["numpy_rng"])
        if state.get("cuda_rng") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        start = int(state["epoch"])
    elif on_epoch is not None:
        on_epoch(0, model, {"train_loss": None, "seconds": 0.0})

    def save(epoch):
        if checkpoint is not None:
            save_checkpoint(checkpoint, epoch=epoch, tag=tag, model=model.state_dict(),
                            optimizer=opt.state_dict(), torch_rng=torch.get_rng_state(),
                            numpy_rng=np.random.get_state(),
                            cuda_rng=(torch.cuda.get_rng_state_all()
                                      if torch.cuda.is_available() else None))

    if start == 0:
        save(0)
    log = []
    bar = tqdm(range(start + 1, epochs + 1), initial=start, total=epochs, desc=desc,
               unit="epoch", disable=not progress, dynamic_ncols=True, leave=False)
    n = len(X)
    model.train()
    for epoch in bar:
        t0 = time.perf_counter()
        gen = torch.Generator().manual_seed(epoch_seed(seed, epoch))
        order = torch.randperm(n, generator=gen).to(X.device)
        total = torch.zeros((), dtype=torch.float64, device=X.device)
        for i in tqdm(range(0, n, batch_size), desc=f"epoch {epoch} batches", unit="batch",
                      disable=not (progress and batch_progress), leave=False,
                      dynamic_ncols=True):
            idx = order[i:i + batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.detach().to(torch.float64) * len(idx)
        info = {"epoch": epoch, "train_loss": float(total) / n,
                "seconds": time.perf_counter() - t0}
        log.append(info)
        if on_epoch is not None:
            on_epoch(epoch, model, info)
        save(epoch)
    bar.close()
    return log


def __dir__():  # dir() shows the public names only
    return __all__
