"""A LeNet-style CNN trained on MNIST-format data with chainrule, in the style of PyTorch's MNIST example.

Put the four standard IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; gzipped or not) in a folder, then:

    python examples/cnn_mnist.py FOLDER --epochs 3          # add --fashion for Fashion-MNIST

It prints the test accuracy and the time of every epoch. Nothing is downloaded.
"""
import argparse
import time

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.utils.data import DataLoader


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)  # in_channels, out_channels, kernel_size, stride
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(64 * 5 * 5, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # 28 -> 26 -> 13
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # 13 -> 11 -> 5
        x = self.dropout(cr.flatten(x, 1))
        return self.fc2(F.relu(self.fc1(x)))


def train(model, loader, optimizer):
    model.train()
    for images, labels in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()


@cr.no_grad()
def accuracy(model, dataset):
    model.eval()
    correct = 0
    for images, labels in DataLoader(dataset, batch_size=1000):
        correct += (model(images).argmax(dim=1) == labels).sum().item()
    return correct / len(dataset)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--fashion", action="store_true", help="Fashion-MNIST instead of MNIST")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    cr.manual_seed(args.seed)
    kind = cr.data.FashionMNIST if args.fashion else cr.data.MNIST
    train_set, test_set = kind(args.data_dir, train=True), kind(args.data_dir, train=False)
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    model = Net()
    optimizer = cr.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        train(model, loader, optimizer)
        seconds = time.perf_counter() - start
        print(f"epoch {epoch}: test accuracy {accuracy(model, test_set):.2%}, {seconds:.1f} s")


if __name__ == "__main__":
    main()
