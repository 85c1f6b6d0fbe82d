"""Build a neural network from nn layers, look inside it, then optimize its parameters with train and
test loops over shuffled mini-batches.

In the style of PyTorch's beginner tutorials "Build the Neural Network" and "Optimizing Model
Parameters", on seeded synthetic data (three noisy clusters seen as 4x4 "images"). Weights start from
seeded NumPy values, the epochs shuffle with a NumPy permutation and the model is float64, so that two
frameworks can be compared tightly.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

RESULTS = {}
rng = np.random.default_rng(4)

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
if torch.cuda.is_available():
    device = "cuda"
print(f"Using {device} device")
RESULTS["device"] = str(torch.device(device))


######################################################################
# Define the Class
# ----------------
class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(4*4, 32),
            nn.ReLU(),
            nn.Linear(32, 32),
            nn.ReLU(),
            nn.Linear(32, 3),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def seeded_weights(model):
    # The same starting weights in every framework: one NumPy draw per parameter, in order.
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(torch.tensor(rng.uniform(-0.25, 0.25, tuple(param.shape))))
    return model


model = seeded_weights(NeuralNetwork().to(torch.float64).to(device))
print(model)

X = torch.tensor(rng.random((1, 4, 4)), device=device)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}")
RESULTS["softmax of one image"] = pred_probab.detach().numpy()
RESULTS["predicted class"] = y_pred.item()

######################################################################
# Model Layers
# ------------
input_image = torch.tensor(rng.random((3, 4, 4)))
print(input_image.size())

flatten = nn.Flatten()
flat_image = flatten(input_image)
print(flat_image.size())
RESULTS["flat_image size"] = tuple(flat_image.size())
RESULTS["Flatten(0, 1) size"] = tuple(nn.Flatten(0, 1)(input_image).size())

layer1 = nn.Linear(in_features=4*4, out_features=20).to(torch.float64)
seeded_weights(layer1)
hidden1 = layer1(flat_image)
print(hidden1.size())

print(f"Before ReLU: {hidden1}\n\n")
hidden1 = nn.ReLU()(hidden1)
print(f"After ReLU: {hidden1}")
RESULTS["hidden1 after ReLU"] = hidden1.detach().numpy()

seq_modules = nn.Sequential(
    flatten,
    layer1,
    nn.ReLU(),
    nn.Linear(20, 10).to(torch.float64)
)
seeded_weights(seq_modules[3])
logits = seq_modules(input_image)
softmax = nn.Softmax(dim=1)
pred_probab = softmax(logits)
RESULTS["seq_modules softmax"] = pred_probab.detach().numpy()

######################################################################
# Model Parameters
# ----------------
print(f"Model structure: {model}\n\n")

for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")
RESULTS["named parameters"] = [(name, tuple(param.size())) for name, param in model.named_parameters()]

######################################################################
# Optimizing Model Parameters: three noisy clusters, 480 to train on and 120 to test on
# ---------------------------------------------------------------------------------------
centers = rng.standard_normal((3, 4, 4))
classes = rng.integers(0, 3, 600)
images = centers[classes] + 3.0 * rng.standard_normal((600, 4, 4))
X_train, y_train = torch.tensor(images[:480]), torch.tensor(classes[:480])
test_data = TensorDataset(torch.tensor(images[480:]), torch.tensor(classes[480:]))

# Hyperparameters
learning_rate = 1e-3
batch_size = 64
epochs = 3

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
train_losses, test_losses, test_accuracies = [], [], []


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    # Set the model to training mode - important for batch normalization and dropout layers
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        # Compute prediction and loss
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        train_losses.append(loss.item())
        if batch % 4 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    # Set the model to evaluation mode - important for batch normalization and dropout layers
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0

    # Evaluating the model with torch.no_grad() ensures that no gradients are computed during test mode
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()

    test_loss /= num_batches
    correct /= size
    test_losses.append(test_loss)
    test_accuracies.append(correct)
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


test_dataloader = DataLoader(test_data, batch_size=batch_size)
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    # A new order every epoch, drawn from NumPy so that both frameworks see the same batches.
    order = rng.permutation(len(X_train))
    training_data = TensorDataset(X_train[order], y_train[order])
    train_dataloader = DataLoader(training_data, batch_size=batch_size, num_workers=2)
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")
RESULTS["train losses"] = np.array(train_losses)
RESULTS["test losses"] = np.array(test_losses)
RESULTS["test accuracies"] = np.array(test_accuracies)
RESULTS["final parameters"] = [param.detach().numpy().copy() for param in model.parameters()]
