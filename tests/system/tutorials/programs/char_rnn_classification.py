"""Classifying names with a character-level RNN, in the style of PyTorch's tutorial "NLP From Scratch:
Classifying Names with a Character-Level RNN": one-hot letters (lineToTensor), an nn.RNN whose last hidden
state goes through nn.Linear and nn.LogSoftmax, NLLLoss, SGD on one name at a time, then a confusion count
and predictions for new names.

The tutorial's 20,000 names are replaced by a few dozen per language written here, weights start from
seeded NumPy values and the model is float64, so that two frameworks can be compared tightly.
"""
import numpy as np
import torch
from torch import nn

RESULTS = {}
rng = np.random.default_rng(11)

allowed_characters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;'"
n_letters = len(allowed_characters)
names = {
    "Italian": "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti".split(),
    "Japanese": "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida".split(),
    "Polish": "Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski Szymanski".split(),
    "Irish": "Murphy Kelly Sullivan Walsh Byrne Ryan Connor Doyle Brien Lynch Murray Quinn Moore".split(),
}
all_categories = list(names)


def letterToIndex(letter):
    return allowed_characters.find(letter)


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters, dtype=torch.float64)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(CharRNN, self).__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        rnn_out, hidden = self.rnn(line_tensor)
        output = self.h2o(hidden[0])
        output = self.softmax(output)
        return output


def seeded_weights(model):
    # The same starting weights in every framework: one NumPy draw per parameter, in order.
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(param.shape))))
    return model


rnn = seeded_weights(CharRNN(n_letters, 24, len(all_categories)).to(torch.float64))
print(rnn)
RESULTS["state dict keys"] = list(rnn.state_dict())
RESULTS["lineToTensor('Jones') size"] = tuple(lineToTensor("Jones").size())


def categoryFromOutput(output):
    top_n, top_i = output.topk(1)
    category_i = top_i[0].item()
    return all_categories[category_i], category_i


RESULTS["first output"] = rnn(lineToTensor("Albert")).detach().numpy()

criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(rnn.parameters(), lr=0.05)
examples = [(name, category) for category in all_categories for name in names[category]]
losses = []
for epoch in range(6):
    total = 0.0
    for index in rng.permutation(len(examples)):
        line, category = examples[index]
        category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
        output = rnn(lineToTensor(line))
        loss = criterion(output, category_tensor)
        loss.backward()
        nn.utils.clip_grad_norm_(rnn.parameters(), 3)
        optimizer.step()
        optimizer.zero_grad()
        total += loss.item()
    losses.append(total / len(examples))
print("losses", losses)
RESULTS["epoch losses"] = losses

confusion = torch.zeros(len(all_categories), len(all_categories), dtype=torch.float64)
with torch.no_grad():
    for line, category in examples:
        guess, guess_i = categoryFromOutput(rnn(lineToTensor(line)))
        confusion[all_categories.index(category)][guess_i] += 1
RESULTS["confusion"] = confusion.numpy()
RESULTS["train accuracy"] = float(confusion.diagonal().sum().item() / len(examples))
with torch.no_grad():
    RESULTS["predictions"] = [categoryFromOutput(rnn(lineToTensor(name)))[0] for name in ("Marini", "Tanaka", "Kowal")]
print(RESULTS["train accuracy"], RESULTS["predictions"])
