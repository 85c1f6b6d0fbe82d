"""Character-level recurrent networks with chainrule, in two classic forms:

    python examples/char_rnn.py lm [--steps 600 --out DIR]      # an LSTM language model, then a sample
    python examples/char_rnn.py names [--epochs 10 --model rnn]  # which language is a surname from?

lm: nn.Embedding -> nn.LSTM -> nn.Linear on the text of the Python documentation's topics (the standard-library
module pydoc_data.topics, shipped with every Python; 90% train, 10% validation). The text is cut into
--batch-size parallel streams read in order, --seq-len characters at a time; the LSTM's state is carried from
one window to the next but detached (truncated backpropagation through time), gradients are clipped with
nn.utils.clip_grad_norm_. --out DIR writes loss.csv and samples.txt.

names: the model of PyTorch's tutorial "NLP From Scratch: Classifying Names with a Character-Level RNN": names
as sequences of one-hot letters, an RNN (nn.RNN, or --model scratch: the tutorial's hand-written cell with
i2h/h2h/h2o Linear layers), LogSoftmax and NLLLoss; it prints the test accuracy of each language and the
confusion matrix. The surnames (examples/data/surnames/<Language>.txt, folded to ASCII) come from the Faker
package's locale providers (MIT licence); examples/make_surnames.py regenerates them. Names of different
lengths share a batch: each is padded with zero vectors at the end, and its hidden state after its last letter
is the one classified.
"""
import argparse
import csv
import math
import os
import string
import time

import numpy as np

import chainrule as cr
import chainrule.nn as nn
from chainrule.nn import functional as F

SURNAMES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "surnames")


# ---- lm: an LSTM language model --------------------------------------------------------------------------
class CharLSTM(nn.Module):
    def __init__(self, vocab_size, embed_size, hidden_size, num_layers, dropout):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True, dropout=dropout)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        """x (B, T) token ids, state (h, c) or None -> logits (B, T, vocab), the new state."""
        out, state = self.lstm(self.embed(x), state)
        return self.head(self.drop(out)), state


def load_text():
    from pydoc_data.topics import topics
    return "".join(topics[k] for k in sorted(topics))


def streams(ids, batch_size):
    """The text cut into batch_size equal rows read side by side (row b continues where window b stopped)."""
    n = len(ids) // batch_size
    return ids[: n * batch_size].reshape(batch_size, n)


def windows(data, seq_len):
    """Successive (x, y) windows over the streams; y is x shifted by one character."""
    for start in range(0, data.shape[1] - 1 - seq_len + 1, seq_len):
        yield cr.from_numpy(data[:, start:start + seq_len]), cr.from_numpy(data[:, start + 1:start + seq_len + 1])


def detach(state):
    """Keep the values, drop the history: backpropagation stops at the window's start."""
    return tuple(s.detach() for s in state)


@cr.no_grad()
def lm_loss(model, data, seq_len, max_windows):
    model.eval()
    state, losses = None, []
    for i, (x, y) in enumerate(windows(data, seq_len)):  # the first max_windows windows, every time
        if i == max_windows:
            break
        logits, state = model(x, state)
        losses.append(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item())
    model.train()
    return float(np.mean(losses))


@cr.no_grad()
def lm_sample(model, chars, length, temperature, prompt="\n"):
    """Feed the prompt, then sample one character at a time, feeding each back in."""
    model.eval()
    stoi = {c: i for i, c in enumerate(chars)}
    x = cr.tensor([[stoi[c] for c in prompt]])
    state, out = None, []
    for _ in range(length):
        logits, state = model(x, state)
        probs = F.softmax(logits[:, -1] / temperature, dim=-1)
        x = cr.multinomial(probs, num_samples=1)
        out.append(chars[x.item()])
    model.train()
    return prompt + "".join(out)


def run_lm(args):
    cr.manual_seed(args.seed)
    text = load_text()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    ids = np.array([stoi[c] for c in text], dtype=np.int64)
    n = int(0.9 * len(ids))
    train_data, val_data = streams(ids[:n], args.batch_size), streams(ids[n:], args.batch_size)
    model = CharLSTM(len(chars), args.embed_size, args.hidden_size, args.num_layers, args.dropout)
    optimizer = cr.optim.Adam(model.parameters(), lr=args.lr)
    print(f"LSTM: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters, "
          f"{len(chars)} characters, {train_data.shape[0]} streams of {train_data.shape[1]}")
    curve, step, state, start, step_seconds = [], 0, None, time.perf_counter(), 0.0
    batches = windows(train_data, args.seq_len)
    while True:
        if step % args.eval_interval == 0 or step == args.steps:
            train_loss, val = (lm_loss(model, d, args.seq_len, args.eval_windows) for d in (train_data, val_data))
            curve.append((step, train_loss, val, time.perf_counter() - start))
            print(f"step {step:5d}: train loss {train_loss:.4f}, val loss {val:.4f}, {curve[-1][3]:.0f} s")
        if step == args.steps:
            break
        tick = time.perf_counter()
        batch = next(batches, None)
        if batch is None:  # the end of the text: start again, from a fresh state
            batches, state = windows(train_data, args.seq_len), None
            batch = next(batches)
        x, y = batch
        state = None if state is None else detach(state)
        logits, state = model(x, state)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        step += 1
        step_seconds += time.perf_counter() - tick
    print(f"{step_seconds / max(args.steps, 1) * 1e3:.0f} ms per training step")
    sample = lm_sample(model, chars, args.sample_chars, args.temperature)
    print(f"--- sample (temperature {args.temperature}) ---\n{sample}")
    if args.out:
        write_outputs(args.out, curve, sample)
    return curve


def write_outputs(out_dir, curve, sample):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "loss.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "train_loss", "val_loss", "seconds"])
        writer.writerows([(s, f"{t:.4f}", f"{v:.4f}", f"{sec:.1f}") for s, t, v, sec in curve])
    with open(os.path.join(out_dir, "samples.txt"), "w", encoding="utf-8") as f:
        f.write(sample)


# ---- names: which language is a surname from? ------------------------------------------------------------
ALL_LETTERS = string.ascii_letters + " .,;'-"
N_LETTERS = len(ALL_LETTERS)


def load_names(folder=SURNAMES):
    """{language: [names]} from folder/<Language>.txt, in sorted order of language."""
    names = {}
    for file in sorted(os.listdir(folder)):
        if file.endswith(".txt"):
            with open(os.path.join(folder, file), encoding="ascii") as f:
                names[file[:-4]] = [line.strip() for line in f if line.strip()]
    return names


def names_to_tensor(names):
    """(max length, batch, N_LETTERS) one-hot letters, zero vectors after a name's end; and the lengths."""
    lengths = np.array([len(n) for n in names])
    onehot = np.zeros((lengths.max(), len(names), N_LETTERS), dtype=np.float32)
    for b, name in enumerate(names):
        onehot[np.arange(len(name)), b, [ALL_LETTERS.index(c) for c in name]] = 1
    return cr.from_numpy(onehot), lengths


class CharRNN(nn.Module):
    """nn.RNN over the letters; the hidden state after a name's last letter -> log-probabilities of languages."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, letters, lengths):
        out, _ = self.rnn(letters)  # (T, B, hidden): the state after every letter
        last = out[cr.from_numpy(lengths - 1), cr.arange(len(lengths))]
        return self.softmax(self.h2o(last))


class ScratchRNN(nn.Module):
    """The tutorial's hand-written recurrence: hidden = tanh(i2h(letter) + h2h(hidden)), one letter at a time."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size, hidden_size)
        self.h2h = nn.Linear(hidden_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, letters, lengths):
        hidden = letters.new_zeros(letters.shape[1], self.hidden_size)
        done = [None] * letters.shape[1]  # each name's hidden state after its last letter
        for t in range(letters.shape[0]):
            hidden = F.tanh(self.i2h(letters[t]) + self.h2h(hidden))
            for b in np.flatnonzero(lengths == t + 1):
                done[b] = hidden[b]
        return self.softmax(self.h2o(cr.stack(done)))


def split_names(names, test_fraction, rng):
    """(name, language index) pairs, shuffled, cut into train and test."""
    pairs = [(n, i) for i, lang in enumerate(names) for n in names[lang]]
    order = rng.permutation(len(pairs))
    pairs = [pairs[i] for i in order]
    n_test = int(len(pairs) * test_fraction)
    return pairs[n_test:], pairs[:n_test]


@cr.no_grad()
def predict(model, names):
    model.eval()
    letters, lengths = names_to_tensor(names)
    guesses = model(letters, lengths).argmax(dim=1).numpy()
    model.train()
    return guesses


def confusion(model, pairs, n_languages):
    """Rows: the true language, columns: the guess; counts."""
    matrix = np.zeros((n_languages, n_languages), dtype=np.int64)
    guesses = predict(model, [n for n, _ in pairs])
    np.add.at(matrix, ([lang for _, lang in pairs], guesses), 1)
    return matrix


def print_confusion(matrix, languages):
    """Each row as fractions of that language's names; the diagonal is the per-language accuracy."""
    short = [lang[:4] for lang in languages]
    print(" " * 11 + " ".join(f"{s:>4}" for s in short) + "   accuracy")
    for lang, row in zip(languages, matrix):
        fractions = row / max(row.sum(), 1)
        cells = " ".join("   ." if v == 0 else f"{v:4.2f}" for v in fractions)
        print(f"{lang:<10} {cells}   {fractions[languages.index(lang)]:.0%} of {row.sum()}")


def run_names(args):
    cr.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    names = load_names(args.data)
    languages = list(names)
    train_pairs, test_pairs = split_names(names, args.test_fraction, rng)
    kind = CharRNN if args.model == "rnn" else ScratchRNN
    model = kind(N_LETTERS, args.hidden_size, len(languages))
    optimizer = cr.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.NLLLoss()
    print(f"{len(languages)} languages, {len(train_pairs)} training and {len(test_pairs)} test names; "
          f"{kind.__name__}, hidden size {args.hidden_size}; chance: {1 / len(languages):.0%}, "
          f"ln({len(languages)}) = {math.log(len(languages)):.3f}")
    losses = []
    for epoch in range(1, args.epochs + 1):
        start, epoch_losses = time.perf_counter(), []
        order = rng.permutation(len(train_pairs))
        for i in range(0, len(order), args.batch_size):
            batch = [train_pairs[j] for j in order[i:i + args.batch_size]]
            letters, lengths = names_to_tensor([n for n, _ in batch])
            loss = criterion(model(letters, lengths), cr.tensor([lang for _, lang in batch]))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 3.0)
            optimizer.step()
            epoch_losses.append(loss.item())
        losses.append(float(np.mean(epoch_losses)))
        accuracy = np.trace(confusion(model, test_pairs, len(languages))) / len(test_pairs)
        print(f"epoch {epoch}: train loss {losses[-1]:.4f} (first batch {epoch_losses[0]:.4f}), "
              f"test accuracy {accuracy:.1%}, {time.perf_counter() - start:.1f} s")
    matrix = confusion(model, test_pairs, len(languages))
    print("\nconfusion matrix on the test names (row: true language, column: guess, as fractions of the row):")
    print_confusion(matrix, languages)
    for name in args.predict:
        guess = predict(model, [name.strip()])[0]
        print(f"{name} -> {languages[guess]}")
    return losses, matrix


# ---- command line ----------------------------------------------------------------------------------------
def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    modes = parser.add_subparsers(dest="mode", required=True)
    lm = modes.add_parser("lm", help="an LSTM character language model")
    lm.add_argument("--embed-size", type=int, default=64)
    lm.add_argument("--hidden-size", type=int, default=256)
    lm.add_argument("--num-layers", type=int, default=1)
    lm.add_argument("--dropout", type=float, default=0.0)
    lm.add_argument("--seq-len", type=int, default=64, help="truncated BPTT: characters per window")
    lm.add_argument("--batch-size", type=int, default=32)
    lm.add_argument("--steps", type=int, default=600)
    lm.add_argument("--lr", type=float, default=3e-3)
    lm.add_argument("--clip", type=float, default=1.0, help="max gradient norm")
    lm.add_argument("--eval-interval", type=int, default=100)
    lm.add_argument("--eval-windows", type=int, default=20, help="validation windows per evaluation")
    lm.add_argument("--sample-chars", type=int, default=400)
    lm.add_argument("--temperature", type=float, default=0.7)
    lm.add_argument("--seed", type=int, default=0)
    lm.add_argument("--out", help="folder for loss.csv and samples.txt")
    names = modes.add_parser("names", help="classify surnames by language")
    names.add_argument("--model", choices=("rnn", "scratch"), default="rnn",
                       help="nn.RNN, or the tutorial's hand-written i2h/h2h/h2o cell")
    names.add_argument("--hidden-size", type=int, default=128)
    names.add_argument("--epochs", type=int, default=10)
    names.add_argument("--batch-size", type=int, default=32)
    names.add_argument("--lr", type=float, default=5e-3)
    names.add_argument("--test-fraction", type=float, default=0.15)
    names.add_argument("--data", default=SURNAMES, help="a folder of <Language>.txt files, one name a line")
    names.add_argument("--seed", type=int, default=0)
    names.add_argument("--predict", nargs="*", default=["Schmidt", "Nakamura", "Rossi", "Kowalski", "Murphy"],
                       help="names to classify at the end")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    return run_lm(args) if args.mode == "lm" else run_names(args)


if __name__ == "__main__":
    main()
