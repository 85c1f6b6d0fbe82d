"""A small character-level GPT trained with chainrule, written like the well-known minimal GPT scripts
(Karpathy's nanoGPT / "Let's build GPT" gpt.py): token and position embeddings, causal self-attention blocks,
LayerNorm, a GELU MLP, residual connections, weight tying, AdamW, and sampling with temperature and top-k.

Data: the text of the Python documentation's topics, which ships with every Python as the standard-library
module `pydoc_data.topics` (about 465 KB; the help() pages for statements, operators, types...). Nothing
is downloaded. Characters are the tokens; the first 90% is the training text, the last 10% the validation text.

    python examples/char_gpt.py                       # the default size: a few minutes on 2 CPU cores
    python examples/char_gpt.py --steps 2000 --n-embd 128 --n-layer 4 --out runs/gpt
    python examples/char_gpt.py --lib torch           # the very same program, run by PyTorch

The model is written once, in `define_model(cr)`, against PyTorch's API: given `chainrule` it builds a
chainrule model, given `torch` a PyTorch one (benchmarks/gpt_step.py and the tests use this to compare them).
--out DIR writes loss.csv (train and val loss every --eval-interval steps), loss.png (when matplotlib is
installed) and samples.txt.
"""
import argparse
import csv
import importlib
import math
import os
import time

import numpy as np

import chainrule as cr


def define_model(cr):
    """The GPT's classes, written against `cr`: chainrule, or torch itself (it has the same names)."""
    nn, F = cr.nn, cr.nn.functional

    class CausalSelfAttention(nn.Module):
        """n_head heads at once: each position attends to itself and the positions before it."""

        def __init__(self, config):
            super().__init__()
            assert config.n_embd % config.n_head == 0
            self.n_head, self.flash = config.n_head, config.flash
            self.query = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            self.key = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            self.value = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            self.proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            self.attn_dropout = nn.Dropout(config.dropout)
            self.resid_dropout = nn.Dropout(config.dropout)
            self.dropout = config.dropout
            size = config.block_size  # the causal mask: position t sees positions 0..t
            self.register_buffer("tril", cr.tril(cr.ones(size, size)).view(1, 1, size, size))

        def forward(self, x):
            B, T, C = x.size()  # batch, time (block), channels (n_embd)
            # (B, T, C) -> (B, n_head, T, head_size)
            q = self.query(x).view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            k = self.key(x).view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            v = self.value(x).view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            if self.flash:
                y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0,
                                                   is_causal=True)
            else:
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))  # (B, nh, T, T)
                att = att.masked_fill(self.tril[:, :, :T, :T] == 0, float("-inf"))
                att = F.softmax(att, dim=-1)
                att = self.attn_dropout(att)
                y = att @ v  # (B, nh, T, hs)
            y = y.transpose(1, 2).contiguous().view(B, T, C)  # the heads side by side again
            return self.resid_dropout(self.proj(y))

    class MLP(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
            self.gelu = nn.GELU(approximate=config.gelu)
            self.proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
            self.dropout = nn.Dropout(config.dropout)

        def forward(self, x):
            return self.dropout(self.proj(self.gelu(self.fc(x))))

    class Block(nn.Module):
        """Communication (attention) then computation (MLP), each with a pre-LayerNorm and a residual."""

        def __init__(self, config):
            super().__init__()
            self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
            self.attn = CausalSelfAttention(config)
            self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
            self.mlp = MLP(config)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            return x

    class GPT(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),  # token embeddings
                wpe=nn.Embedding(config.block_size, config.n_embd),  # position embeddings
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
            ))
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
            self.transformer.wte.weight = self.lm_head.weight  # weight tying: one matrix, two uses
            self.apply(self._init_weights)
            for name, p in self.named_parameters():  # GPT-2's scaled init of the residual projections
                if name.endswith("proj.weight"):
                    nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def forward(self, idx, targets=None):
            B, T = idx.size()
            assert T <= self.config.block_size, f"sequence of {T} tokens, block_size is {self.config.block_size}"
            pos = cr.arange(0, T, dtype=cr.long, device=idx.device)
            x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)
            if targets is None:  # generating: only the last position's logits are needed
                return self.lm_head(x[:, [-1], :]), None
            logits = self.lm_head(x)
            loss = F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))
            return logits, loss

        def configure_optimizers(self, weight_decay, learning_rate, betas):
            """AdamW; weight decay on the matrices (dim >= 2) only, not on biases and LayerNorm gains."""
            params = [p for p in self.parameters() if p.requires_grad]
            groups = [
                {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
                {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
            ]
            return cr.optim.AdamW(groups, lr=learning_rate, betas=betas)

        @cr.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
            """Extend idx (B, T) by max_new_tokens sampled tokens, one at a time."""
            for _ in range(max_new_tokens):
                idx_cond = idx if idx.size(1) <= self.config.block_size else idx[:, -self.config.block_size:]
                logits, _ = self(idx_cond)
                logits = logits[:, -1, :] / temperature
                if top_k is not None:  # keep the top_k most likely tokens only
                    v, _ = cr.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float("Inf")
                probs = F.softmax(logits, dim=-1)
                idx_next = cr.multinomial(probs, num_samples=1)
                idx = cr.cat((idx, idx_next), dim=1)
            return idx

    return GPT


# ---- data ------------------------------------------------------------------------------------------------
def load_text():
    """The Python documentation's topics, as shipped with Python (pydoc_data.topics)."""
    from pydoc_data.topics import topics
    return "".join(topics[k] for k in sorted(topics))


class CharData:
    """The text as token ids, the vocabulary (its characters, sorted), and the 90/10 train/val split."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.stoi = {ch: i for i, ch in enumerate(self.chars)}
        data = np.array([self.stoi[ch] for ch in text], dtype=np.int64)
        n = int(0.9 * len(data))
        self.train, self.val = data[:n], data[n:]

    @property
    def vocab_size(self):
        return len(self.chars)

    def encode(self, s):
        return [self.stoi[c] for c in s]

    def decode(self, ids):
        return "".join(self.chars[i] for i in ids)


def get_batch(data, block_size, batch_size, rng, lib=cr, device="cpu"):
    """batch_size random windows of the text: inputs x (B, T) and targets y, x shifted by one, on `device`."""
    ix = rng.integers(len(data) - block_size, size=batch_size)
    offsets = ix[:, None] + np.arange(block_size)
    return lib.from_numpy(data[offsets]).to(device), lib.from_numpy(data[offsets + 1]).to(device)


def estimate_loss(model, data, args, lib=cr):
    """Mean loss over args.eval_iters batches of each split (the same batches every time), in eval mode."""
    out = {}
    model.eval()
    with lib.no_grad():
        for split in ("train", "val"):
            rng = np.random.default_rng(args.seed + 1)
            batches = (get_batch(getattr(data, split), args.block_size, args.batch_size, rng, lib, args.device)
                       for _ in range(args.eval_iters))
            out[split] = float(np.mean([model(x, y)[1].item() for x, y in batches]))
    model.train()
    return out


def get_lr(step, args):
    """Linear warm-up for warmup_iters steps, then a cosine decay to lr / 10 at the last step."""
    if step < args.warmup_iters:
        return args.lr * (step + 1) / args.warmup_iters
    progress = (step - args.warmup_iters) / max(1, args.steps - args.warmup_iters)
    return args.lr / 10 + 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))) * (args.lr - args.lr / 10)


# ---- the run ---------------------------------------------------------------------------------------------
def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n-layer", type=int, default=3)
    p.add_argument("--n-head", type=int, default=4)
    p.add_argument("--n-embd", type=int, default=96)
    p.add_argument("--block-size", type=int, default=64, help="context length in characters")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--bias", action=argparse.BooleanOptionalAction, default=True,
                   help="biases in Linear and LayerNorm layers")
    p.add_argument("--flash", action="store_true", help="attention by F.scaled_dot_product_attention")
    p.add_argument("--gelu", choices=("tanh", "none"), default="tanh",
                   help="GELU's approximate=: GPT-2's tanh form, or none (exact, with erf: slower in chainrule)")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    p.add_argument("--warmup-iters", type=int, default=50)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=1.0, help="max gradient norm (0: no clipping)")
    p.add_argument("--eval-interval", type=int, default=100)
    p.add_argument("--eval-iters", type=int, default=10)
    p.add_argument("--sample-chars", type=int, default=500)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--top-k", type=int, default=20)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--lib", choices=("chainrule", "torch"), default="chainrule", help="the library that runs it")
    p.add_argument("--device", default="cpu", help="cpu, or cuda (chainrule: CuPy; torch: its own), or "
                   "array_api_strict (chainrule's CPU stand-in for a GPU)")
    p.add_argument("--out", help="folder for loss.csv, loss.png and samples.txt")
    return p.parse_args(argv)


def build(args, lib=cr, vocab_size=None):
    """The model for args (the config) in library `lib`."""
    config = argparse.Namespace(**vars(args), vocab_size=vocab_size)
    return define_model(lib)(config)


def train(args, data, lib=cr):
    """Train, printing the losses; returns the loss curve [(step, train, val, seconds)], the model, and the
    mean time of a training step in seconds (evaluations left out)."""
    lib.manual_seed(args.seed)
    model = build(args, lib, data.vocab_size).to(args.device)
    optimizer = model.configure_optimizers(args.weight_decay, args.lr, (0.9, 0.99))
    rng = np.random.default_rng(args.seed)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.lib}: {n_params / 1e6:.2f}M parameters, vocabulary of {data.vocab_size} characters, "
          f"{len(data.train)} training and {len(data.val)} validation characters")
    curve, start, step_seconds = [], time.perf_counter(), 0.0
    for step in range(args.steps + 1):
        if step % args.eval_interval == 0 or step == args.steps:
            losses = estimate_loss(model, data, args, lib)
            seconds = time.perf_counter() - start
            curve.append((step, losses["train"], losses["val"], seconds))
            print(f"step {step:5d}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}, {seconds:.0f} s")
        if step == args.steps:
            break
        tick = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = get_lr(step, args)
        x, y = get_batch(data.train, args.block_size, args.batch_size, rng, lib, args.device)
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if args.grad_clip > 0:
            lib.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        optimizer.step()
        step_seconds += time.perf_counter() - tick
    return curve, model, step_seconds / max(args.steps, 1)


def sample(model, data, args, lib=cr, prompt="\n"):
    model.eval()
    idx = lib.tensor([data.encode(prompt)], dtype=lib.long, device=args.device)
    out = model.generate(idx, args.sample_chars, temperature=args.temperature, top_k=args.top_k)
    return data.decode(out[0].tolist())


def write_outputs(out_dir, curve, text):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "loss.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "train_loss", "val_loss", "seconds"])
        writer.writerows([(s, f"{t:.4f}", f"{v:.4f}", f"{sec:.1f}") for s, t, v, sec in curve])
    with open(os.path.join(out_dir, "samples.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    steps = [row[0] for row in curve]
    plt.plot(steps, [row[1] for row in curve], label="train")
    plt.plot(steps, [row[2] for row in curve], label="val")
    plt.xlabel("step")
    plt.ylabel("cross-entropy (nats per character)")
    plt.legend()
    plt.savefig(os.path.join(out_dir, "loss.png"), dpi=100)
    plt.close()


def main(argv=None):
    args = parse(argv)
    lib = importlib.import_module(args.lib)
    data = CharData(load_text())
    curve, model, step_seconds = train(args, data, lib)
    print(f"{step_seconds * 1e3:.0f} ms per training step (forward, backward, AdamW step)")
    text = sample(model, data, args, lib)
    print(f"--- sample (temperature {args.temperature}, top-k {args.top_k}) ---\n{text}")
    if args.out:
        write_outputs(args.out, curve, text)
    return curve


if __name__ == "__main__":
    main()
