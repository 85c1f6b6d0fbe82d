"""Per-layer statistics of the delta-rule network, step by step (NumPy only).

    table = cr.manual.LayerTable(net)
    for step in range(100):
        net.train_step(x, target, lr=0.1)
        table.record()                      # after backward (train_step does one): z, a, delta, dW, db
    print(table)                            # step, layer, quantity, mean, std, min, max, norm
    table.plot(quantity="delta")            # a matplotlib Figure, one line per layer
    print(cr.manual.layer_table(net))       # the network as it is now, one step

Each statistic is over all the array's elements (every example of the batch): mean, std (population, as
np.std), min, max and norm (the 2-norm of the flattened array). The arrays are the ones the last forward and
backward left on net.layers[l]; W has been updated since if a step followed, the recorded arrays have not.
"""
import numpy as np

QUANTITIES = ("z", "a", "delta", "dW", "db")
STATS = ("mean", "std", "min", "max", "norm")


class Row:
    """One quantity of one layer at one step: row.step, .layer, .quantity, .mean, .std, .min, .max, .norm."""
    __slots__ = ("step", "layer", "quantity") + STATS

    def __init__(self, step, layer, quantity, *stats):
        self.step, self.layer, self.quantity = step, layer, quantity
        for name, value in zip(STATS, stats, strict=True):
            setattr(self, name, value)

    def __repr__(self):
        stats = ", ".join(f"{name}={getattr(self, name):.6g}" for name in STATS)
        return f"Row(step={self.step}, layer={self.layer!r}, quantity={self.quantity!r}, {stats})"


def statistics(array):
    """(mean, std, min, max, norm) of an array's elements, in float64."""
    values = np.asarray(array, dtype=np.float64)
    return (float(values.mean()), float(values.std()), float(values.min()), float(values.max()),
            float(np.sqrt(np.sum(values * values))))


class LayerTable:
    """LayerTable(net, quantities=('z', 'a', 'delta', 'dW', 'db')): per-layer statistics, one record() per step.

    table.rows: every Row(step, layer, quantity, mean, std, min, max, norm) recorded. Arrays a layer doesn't
    have (db without a bias; delta, dW, db before any backward) are left out.
    """

    def __init__(self, net, quantities=QUANTITIES):
        unknown = [q for q in quantities if q not in QUANTITIES]
        if unknown:
            raise ValueError(f"LayerTable: unknown quantities {unknown}; choose from {list(QUANTITIES)}")
        self.net, self.quantities, self.rows, self.steps = net, tuple(quantities), [], 0

    def record(self):
        """Add this step's rows (call after net.backward or net.train_step); returns them."""
        if self.net.layers[0].z is None:
            raise RuntimeError("LayerTable.record: the network has no values yet; call net.forward(x) and "
                               "net.backward(target) (or net.train_step) first")
        self.steps += 1
        rows = [Row(self.steps, layer.name, quantity, *statistics(getattr(layer, quantity)))
                for layer in self.net.layers for quantity in self.quantities
                if getattr(layer, quantity) is not None]
        self.rows.extend(rows)
        return rows

    def series(self, quantity, stat="norm"):
        """{layer name: [stat of quantity at step 1, 2, ...]}."""
        if stat not in STATS:
            raise ValueError(f"LayerTable: unknown stat {stat!r}; choose from {list(STATS)}")
        series = {layer.name: [] for layer in self.net.layers}
        for row in self.rows:
            if row.quantity == quantity:
                series[row.layer].append(getattr(row, stat))
        return {layer: values for layer, values in series.items() if values}

    def format(self, steps=None):
        """The table as text; steps: the step numbers to show (default: all)."""
        head = f"{'step':>4}  {'layer':>5}  {'quantity':<8}" + "".join(f"  {s:>11}" for s in STATS)
        lines = [head]
        for row in self.rows:
            if steps is None or row.step in steps:
                lines.append(f"{row.step:>4}  {row.layer:>5}  {row.quantity:<8}"
                             + "".join(f"  {getattr(row, s):>11.4e}" for s in STATS))
        return "\n".join(lines)

    __str__ = format

    def plot(self, quantity="delta", stat="norm", path=None):
        """A matplotlib Figure of one statistic of one quantity over the steps, one line per layer (log scale
        for norms); saved to path if given."""
        import matplotlib.figure

        fig = matplotlib.figure.Figure(figsize=(6.4, 4), layout="constrained")
        ax = fig.subplots()
        for layer, values in self.series(quantity, stat).items():
            ax.plot(range(1, len(values) + 1), values, marker="." if len(values) < 50 else None, label=f"layer {layer}")
        if stat == "norm":
            ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel(f"{stat} of {quantity}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
        if path is not None:
            fig.savefig(path)
        return fig


def layer_table(net, quantities=QUANTITIES):
    """A LayerTable holding one step: the arrays the network holds now."""
    table = LayerTable(net, quantities)
    table.record()
    return table
