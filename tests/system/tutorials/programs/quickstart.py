"""Quickstart: load data, build a model, train it, test it, save it and load it back.

In the style of PyTorch's beginner tutorial "Quickstart", on scikit-learn's 8x8 digits (no download)
instead of FashionMNIST. The weights start from seeded NumPy values and the loaders don't shuffle, so
that two frameworks can be compared; the tensors are float32 as in the tutorial.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits

RESULTS = {}

######################################################################
# Working with data
# -----------------
# 1797 images of 8x8 pixels with values 0..16: the first 1437 for training, the last 360 for testing.
digits = load_digits()
images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
labels = digits.target.astype(np.int64)
training_data = TensorDataset(torch.tensor(images[:1437]), torch.tensor(labels[:1437]))
test_data = TensorDataset(torch.tensor(images[1437:]), torch.tensor(labels[1437:]))

batch_size = 64

# Create data loaders.
train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size, num_workers=0)

for X, y in test_dataloader:
    print(f"Shape of X [N, C, H, W]: {X.shape}")
    print(f"Shape of y: {y.shape} {y.dtype}")
    RESULTS["first batch shapes"] = (tuple(X.shape), tuple(y.shape))
    RESULTS["labels are int64"] = y.dtype == torch.int64
    break
RESULTS["len(train_dataloader)"] = len(train_dataloader)
RESULTS["len(test_dataloader.dataset)"] = len(test_dataloader.dataset)

######################################################################
# Creating Models
# ---------------
device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")
RESULTS["device"] = device


# Define model
class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(8*8, 64),
            nn.ReLU(),
            nn.Linear(64, 64),
            nn.ReLU(),
            nn.Linear(64, 10)
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
print(model)
RESULTS["model repr"] = str(model)

# Start from the same weights in every framework (PyTorch's default uniform(-1/sqrt(fan_in), ...) range).
rng = np.random.default_rng(3)
with torch.no_grad():
    for layer in model.linear_relu_stack:
        if isinstance(layer, nn.Linear):
            bound = 1 / np.sqrt(layer.in_features)
            layer.weight.copy_(torch.tensor(rng.uniform(-bound, bound, tuple(layer.weight.shape))))
            layer.bias.copy_(torch.tensor(rng.uniform(-bound, bound, tuple(layer.bias.shape))))

######################################################################
# Optimizing the Model Parameters
# -------------------------------
loss_fn = nn.CrossEntropyLoss()
# The digits are few: a larger learning rate than the tutorial's 1e-3 lets five epochs learn something.
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)

train_losses = []


def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)

        # Compute prediction error
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        train_losses.append(loss.item())
        if batch % 10 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


test_losses, test_accuracies = [], []


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    test_losses.append(test_loss)
    test_accuracies.append(correct)
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


epochs = 5
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train(train_dataloader, model, loss_fn, optimizer)
    test(test_dataloader, model, loss_fn)
print("Done!")
RESULTS["train losses"] = np.array(train_losses)
RESULTS["test losses"] = np.array(test_losses)
RESULTS["test accuracies"] = np.array(test_accuracies)

######################################################################
# Saving Models
# -------------
torch.save(model.state_dict(), "model.pth")
print("Saved PyTorch Model State to model.pth")
trained = {name: value.numpy().copy() for name, value in model.state_dict().items()}
RESULTS["state_dict keys"] = list(trained)

######################################################################
# Loading Models
# --------------
model = NeuralNetwork().to(device)
model.load_state_dict(torch.load("model.pth", weights_only=True))
RESULTS["reloaded weights equal the trained ones"] = all(
    np.array_equal(value.numpy(), trained[name]) for name, value in model.state_dict().items()
)
RESULTS["last layer weight"] = model.linear_relu_stack[4].weight.detach().numpy()

classes = [str(digit) for digit in range(10)]

model.eval()
x, y = test_data[0][0], test_data[0][1]
with torch.no_grad():
    x = x.to(device)
    pred = model(x)
    predicted, actual = classes[pred[0].argmax(0)], classes[y]
    print(f'Predicted: "{predicted}", Actual: "{actual}"')
RESULTS["prediction"] = (predicted, actual)
RESULTS["logits of the first test image"] = pred.numpy()
