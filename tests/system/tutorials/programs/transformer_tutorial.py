"""Language modeling with nn.TransformerEncoder, in the style of PyTorch's tutorial "Language Modeling with
nn.Transformer": a positional-encoding buffer, TransformerEncoderLayer/TransformerEncoder with a square
subsequent mask, batchify/get_batch over one long token stream, SGD with StepLR and clip_grad_norm_, an
evaluation loop under no_grad.

The tutorial's WikiText-2 is replaced by a seeded synthetic token stream with structure to learn (a noisy
cycle), weights start from seeded NumPy values, dropout is 0 and the model is float64, so that two frameworks
can be compared tightly.
"""
import math

import numpy as np
import torch
from torch import nn

RESULTS = {}
rng = np.random.default_rng(7)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class PositionalEncoding(nn.Module):

    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float64) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model, dtype=torch.float64)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        """x: Tensor, shape ``[seq_len, batch_size, embedding_dim]``"""
        x = x + self.pe[:x.size(0)]
        return self.dropout(x)


class TransformerModel(nn.Module):

    def __init__(self, ntoken, d_model, nhead, d_hid, nlayers, dropout=0.5):
        super().__init__()
        self.model_type = "Transformer"
        self.pos_encoder = PositionalEncoding(d_model, dropout)
        encoder_layers = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
        self.transformer_encoder = nn.TransformerEncoder(encoder_layers, nlayers, enable_nested_tensor=False)
        self.embedding = nn.Embedding(ntoken, d_model)
        self.d_model = d_model
        self.linear = nn.Linear(d_model, ntoken)

    def forward(self, src, src_mask=None):
        src = self.embedding(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)
        output = self.transformer_encoder(src, src_mask)
        return self.linear(output)


def seeded_weights(model):
    # The same starting weights in every framework: one NumPy draw per matrix, in order (as init_weights's
    # uniform_(-0.1, 0.1)); LayerNorm scales 1 and biases 0, as they start.
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.dim() > 1:
                param.copy_(torch.tensor(rng.uniform(-0.1, 0.1, tuple(param.shape))))
            elif name.endswith("weight"):
                param.fill_(1.0)
            else:
                param.zero_()
    return model


def stream(length, ntokens):
    """A cycle through the vocabulary with one token in ten replaced at random."""
    tokens = np.arange(length) % ntokens
    noisy = rng.random(length) < 0.1
    tokens[noisy] = rng.integers(0, ntokens, noisy.sum())
    return torch.tensor(tokens, dtype=torch.long)


def batchify(data, bsz):
    """Divides the data into ``bsz`` separate sequences, removing extra elements that wouldn't cleanly fit."""
    seq_len = data.size(0) // bsz
    data = data[:seq_len * bsz]
    data = data.view(bsz, seq_len).t().contiguous()
    return data.to(device)


bptt = 8


def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i+seq_len]
    target = source[i+1:i+1+seq_len].reshape(-1)
    return data, target


ntokens = 11
train_data = batchify(stream(400, ntokens), 4)
val_data = batchify(stream(120, ntokens), 2)
model = seeded_weights(TransformerModel(ntokens, d_model=16, nhead=2, d_hid=32, nlayers=2, dropout=0.0)
                       .to(torch.float64).to(device))
RESULTS["parameter names"] = [name for name, _ in model.named_parameters()]
RESULTS["mask"] = nn.Transformer.generate_square_subsequent_mask(4).numpy()

criterion = nn.CrossEntropyLoss()
lr = 1.0
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)


def train(model):
    model.train()
    total_loss = 0.
    src_mask = nn.Transformer.generate_square_subsequent_mask(bptt).to(torch.float64)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data, targets = get_batch(train_data, i)
        output = model(data, src_mask[:data.size(0), :data.size(0)])
        output_flat = output.view(-1, ntokens)
        loss = criterion(output_flat, targets)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        total_loss += loss.item()
    return total_loss / (batch + 1)


def evaluate(model, eval_data):
    model.eval()
    total_loss = 0.
    src_mask = nn.Transformer.generate_square_subsequent_mask(bptt).to(torch.float64)
    with torch.no_grad():
        for i in range(0, eval_data.size(0) - 1, bptt):
            data, targets = get_batch(eval_data, i)
            seq_len = data.size(0)
            output = model(data, src_mask[:seq_len, :seq_len])
            output_flat = output.view(-1, ntokens)
            total_loss += seq_len * criterion(output_flat, targets).item()
    return total_loss / (len(eval_data) - 1)


train_losses, val_losses, lrs = [], [], []
for epoch in range(1, 4):
    train_losses.append(train(model))
    val_losses.append(evaluate(model, val_data))
    lrs.append(scheduler.get_last_lr()[0])
    print(f"| epoch {epoch:3d} | train loss {train_losses[-1]:5.2f} | valid loss {val_losses[-1]:5.2f} | "
          f"valid ppl {math.exp(val_losses[-1]):8.2f}")
    scheduler.step()
RESULTS["train losses"] = train_losses
RESULTS["valid losses"] = val_losses
RESULTS["learning rates"] = lrs
RESULTS["learned"] = val_losses[-1] < math.log(ntokens) - 0.5
RESULTS["last weight"] = model.linear.weight.detach().numpy()
