"""A layered (Sugiyama-style) layout of a directed acyclic graph, without recursion.

1. Layers: each node's longest path to a sink (the output), so the output is on the bottom row and a
   leaf sits right above the op that uses it.
2. An edge spanning several rows gets a dummy point per row crossed, so every segment joins adjacent rows.
3. Order in each row: barycentre sweeps (a node moves to the mean position of its neighbours in the row
   above, then below), keeping the order with the fewest crossings.
4. Coordinates: nodes are pulled towards the mean x of their neighbours, the overlaps removed by an
   isotonic regression (pool adjacent violators), so each row stays in order with a gap between boxes.

Every step is a loop over rows and edges: a chain of thousands of ops lays out in well under a second.
"""
from dataclasses import dataclass

ORDER_SWEEPS = 6
PLACE_SWEEPS = 8
DUMMY_WIDTH = 10


@dataclass
class Layout:
    """boxes: (x, y, width, height) per node, its top-left corner; routes: per edge, the points of its
    line from the bottom of its source to the top of its target; width, height: of the whole picture."""
    boxes: list
    routes: list
    width: int
    height: int


def layered_layout(sizes, edges, margin=20, row_gap=56, node_gap=24):
    """Lay out nodes of the given (width, height) joined by edges (source, target), sources above targets."""
    n = len(sizes)
    rank = _ranks(n, edges)
    widths = [w for w, _ in sizes]
    chains = []  # per edge: the vertices it passes, dummies included
    for source, target in edges:
        chain = [source]
        for r in range(rank[source] + 1, rank[target]):
            rank.append(r)
            widths.append(DUMMY_WIDTH)
            chain.append(len(rank) - 1)
        chain.append(target)
        chains.append(chain)
    rows = _order(rank, chains)
    up, down = _neighbours(len(rank), chains)
    x = _place(rows, widths, up, down, node_gap)
    shift = margin - min((x[v] - widths[v] / 2 for v in range(len(rank))), default=0)
    x = [value + shift for value in x]
    row_heights = [max((sizes[v][1] for v in row if v < n), default=0) for row in rows]
    row_top, top = [], margin
    for height in row_heights:
        row_top.append(top)
        top += height + row_gap
    boxes = []
    for v in range(n):
        w, h = sizes[v]
        y = row_top[rank[v]] + (row_heights[rank[v]] - h) / 2
        boxes.append((round(x[v] - w / 2), round(y), w, h))
    routes = _routes(chains, boxes, x, rank, row_top, row_heights, n)
    width = max((b[0] + b[2] for b in boxes), default=0) + margin
    width = max([width] + [round(x[v] + DUMMY_WIDTH) + margin for v in range(n, len(rank))])
    height = (top - row_gap + margin) if rows else 2 * margin
    return Layout(boxes, routes, int(width), int(height))


def _ranks(n, edges):
    """Row of each node, counted from the top: (longest path from any node to a sink) minus its own."""
    successors = [[] for _ in range(n)]
    waiting = [0] * n  # successors not yet given a distance
    predecessors = [[] for _ in range(n)]
    for source, target in edges:
        successors[source].append(target)
        predecessors[target].append(source)
        waiting[source] += 1
    distance = [0] * n  # longest path down to a sink
    ready = [v for v in range(n) if not waiting[v]]
    done = 0
    while ready:
        v = ready.pop()
        done += 1
        for u in predecessors[v]:
            distance[u] = max(distance[u], distance[v] + 1)
            waiting[u] -= 1
            if not waiting[u]:
                ready.append(u)
    if done != n:
        raise ValueError("layered_layout: the graph has a cycle; only directed acyclic graphs can be layered")
    deepest = max(distance, default=0)
    return [deepest - d for d in distance]


def _neighbours(count, chains):
    """Per vertex: its neighbours in the row above (up) and in the row below (down)."""
    up = [[] for _ in range(count)]
    down = [[] for _ in range(count)]
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            down[a].append(b)
            up[b].append(a)
    return up, down


def _order(rank, chains):
    """Rows of vertices, ordered to cut edge crossings: barycentre sweeps, the best order kept."""
    up, down = _neighbours(len(rank), chains)
    rows = [[] for _ in range(max(rank, default=-1) + 1)]
    seen = [False] * len(rank)
    for start in sorted(range(len(rank)), key=lambda v: -rank[v]):  # first order: depth first from the bottom
        stack = [start]
        while stack:
            v = stack.pop()
            if seen[v]:
                continue
            seen[v] = True
            rows[rank[v]].append(v)
            stack.extend(reversed(up[v]))
    best, best_crossings = [list(row) for row in rows], _crossings(rows, down)
    for sweep in range(ORDER_SWEEPS):
        downward = sweep % 2 == 1
        sequence = range(1, len(rows)) if downward else range(len(rows) - 2, -1, -1)
        for r in sequence:
            _sort_by_barycentre(rows, r, up if downward else down)
        crossings = _crossings(rows, down)
        if crossings < best_crossings:
            best, best_crossings = [list(row) for row in rows], crossings
    return best


def _sort_by_barycentre(rows, r, neighbours):
    """Sort row r by the mean position of each vertex's neighbours (in the adjacent row they live in)."""
    position = {}
    for row in (rows[r - 1] if r > 0 else [], rows[r + 1] if r + 1 < len(rows) else []):
        for i, v in enumerate(row):
            position[v] = i
    keys = []
    for i, v in enumerate(rows[r]):
        places = [position[u] for u in neighbours[v] if u in position]
        keys.append(sum(places) / len(places) if places else i)
    rows[r] = [v for _, _, v in sorted(zip(keys, range(len(keys)), rows[r]))]


def _crossings(rows, down):
    """How many pairs of segments cross, summed over adjacent rows (inversions, with a Fenwick tree)."""
    total = 0
    for r in range(len(rows) - 1):
        below = {v: i for i, v in enumerate(rows[r + 1])}
        targets = [below[w] for v in rows[r] for w in sorted(down[v], key=below.__getitem__)]
        tree = [0] * (len(rows[r + 1]) + 1)
        for count, t in enumerate(targets):
            i, smaller_or_equal = t + 1, 0
            while i:
                smaller_or_equal += tree[i]
                i -= i & -i
            total += count - smaller_or_equal
            i = t + 1
            while i < len(tree):
                tree[i] += 1
                i += i & -i
    return total


def _place(rows, widths, up, down, gap):
    """x of each vertex's centre: packed rows, then sweeps pulling each towards its neighbours' mean."""
    x = [0.0] * len(widths)
    for row in rows:
        left = 0.0
        for v in row:
            x[v] = left + widths[v] / 2
            left += widths[v] + gap
    for sweep in range(PLACE_SWEEPS):
        downward = sweep % 2 == 0
        sequence = range(len(rows)) if downward else range(len(rows) - 1, -1, -1)
        for r in sequence:
            row = rows[r]
            wanted = []
            for v in row:
                near = up[v] if downward else down[v]
                wanted.append(sum(x[u] for u in near) / len(near) if near else x[v])
            for v, value in zip(row, _separate(wanted, [widths[v] for v in row], gap)):
                x[v] = value
    return x


def _separate(wanted, widths, gap):
    """The positions closest to `wanted` (least squares) that keep boxes in order and `gap` apart.

    With offsets o (the least distance of each centre from the first), y = x - o must not decrease:
    an isotonic regression of wanted - o, solved by pooling adjacent violators in one pass."""
    offsets, total = [], 0.0
    for i, w in enumerate(widths):
        if i:
            total += (widths[i - 1] + w) / 2 + gap
        offsets.append(total)
    blocks = []  # [mean, count]
    for value, offset in zip(wanted, offsets):
        blocks.append([value - offset, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            last = blocks[-1]
            last[0] = (last[0] * last[1] + mean * count) / (last[1] + count)
            last[1] += count
    result = []
    for mean, count in blocks:
        result.extend([mean] * count)
    return [value + offset for value, offset in zip(result, offsets)]


def _routes(chains, boxes, x, rank, row_top, row_heights, n):
    """Points of each edge: a port on its source's bottom, straight down through each dummy's row, and a
    port on its target's top; an edge's port is spread along the side in the order of the other ends."""
    outgoing = [[] for _ in range(n)]
    incoming = [[] for _ in range(n)]
    for e, chain in enumerate(chains):
        outgoing[chain[0]].append(e)
        incoming[chain[-1]].append(e)
    start, end = {}, {}
    for v in range(n):
        bx, by, bw, bh = boxes[v]
        for ports, side, key_end, y in ((outgoing, start, 1, by + bh), (incoming, end, -2, by)):
            edges = sorted(ports[v], key=lambda e: x[chains[e][key_end]])
            for k, e in enumerate(edges):
                side[e] = (bx + bw * (k + 1) / (len(edges) + 1), y)
    routes = []
    for e, chain in enumerate(chains):
        points = [start[e]]
        for d in chain[1:-1]:
            top = row_top[rank[d]]
            points += [(x[d], top), (x[d], top + row_heights[rank[d]])]
        points.append(end[e])
        routes.append(points)
    return routes
