"""Path analysis over the sequence flows of a process: step order, longest path, loops.

Each process or subprocess is a graph of its flow nodes. Loops (a send-back to an earlier
step) are back edges of a depth-first walk from the start events; without them the graph is
acyclic, and the "main path" order and the longest path are taken on that acyclic graph.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from .bpmnxml import SUBPROCESSES, flow_nodes, local


@dataclass
class FlowGraph:
    nodes: dict  # id -> element, in document order
    forward: dict[str, list[str]]  # id -> successors, back edges removed
    back_edges: list[tuple[str, str]]
    topological: list[str]  # the nodes reachable from a start event, in topological order

    @cached_property
    def reachable(self) -> set[str]:
        return set(self.topological)


def flow_graph(container) -> FlowGraph:
    """The graph of a process or subprocess element (event subprocesses left out)."""
    nodes = {
        node.get("id"): node
        for node in flow_nodes(container)
        if node.get("id") and node.get("triggeredByEvent") != "true"
    }
    edges = defaultdict(list)
    for flow in container:
        if local(flow) == "sequenceFlow" and flow.get("targetRef") in nodes:
            edges[flow.get("sourceRef")].append(flow.get("targetRef"))
    for node_id, node in nodes.items():
        if local(node) == "boundaryEvent":
            edges[node.get("attachedToRef")].append(node_id)
    starts = [i for i, node in nodes.items() if local(node) == "startEvent"]
    forward, back_edges, postorder = _depth_first(starts, edges)
    return FlowGraph(nodes, forward, back_edges, postorder[::-1])


def _depth_first(starts, edges):
    """Iterative DFS (diagrams can be deeper than Python's recursion limit)."""
    state = {}  # id -> "open" while on the stack, "done" after
    forward, back_edges, postorder = defaultdict(list), [], []
    for start in starts:
        if start in state:
            continue
        state[start] = "open"
        stack = [(start, iter(edges.get(start, ())))]
        while stack:
            node, successors = stack[-1]
            for succ in successors:
                if state.get(succ) == "open":
                    back_edges.append((node, succ))
                    continue
                forward[node].append(succ)
                if succ not in state:
                    state[succ] = "open"
                    stack.append((succ, iter(edges.get(succ, ()))))
                    break
            else:
                state[node] = "done"
                postorder.append(node)
                stack.pop()
    return forward, back_edges, postorder


def ordered_ids(container, x_of: dict[str, float]) -> list[str]:
    """Reachable flow node ids along the main path: by distance from the start (in steps),
    then left to right, then document order; a subprocess's nodes follow it."""
    graph = flow_graph(container)
    rank = dict.fromkeys(graph.topological, 0)
    for node in graph.topological:
        for succ in graph.forward[node]:
            rank[succ] = max(rank[succ], rank[node] + 1)
    position = {node_id: index for index, node_id in enumerate(graph.nodes)}
    result = []
    for node_id in sorted(rank, key=lambda i: (rank[i], x_of.get(i, 0.0), position[i])):
        result.append(node_id)
        if local(graph.nodes[node_id]) in SUBPROCESSES:
            result.extend(ordered_ids(graph.nodes[node_id], x_of))
    return result


def longest_path(container, weight: Callable) -> tuple[float, list[str]]:
    """The heaviest start-to-end path ignoring back edges: (total weight, node ids on it).

    `weight(element)` gives a node's own weight; a subprocess weighs its own longest path.
    """
    graph = flow_graph(container)
    best, following = {}, {}
    for node_id in reversed(graph.topological):
        node = graph.nodes[node_id]
        if local(node) in SUBPROCESSES:
            own, inner = longest_path(node, weight)
        else:
            own, inner = weight(node), [node_id]
        tail, nxt = 0.0, None
        for succ in graph.forward[node_id]:
            if best[succ][0] > tail or nxt is None:
                tail, nxt = best[succ][0], succ
        best[node_id] = (own + tail, inner)
        following[node_id] = nxt
    starts = [i for i in graph.topological if local(graph.nodes[i]) == "startEvent"]
    if not starts:
        return 0.0, []
    node_id = max(starts, key=lambda i: best[i][0])
    total, path = best[node_id][0], []
    while node_id is not None:
        path.extend(best[node_id][1])
        node_id = following[node_id]
    return total, path


def automatic_cycle(container, is_human: Callable) -> list[str] | None:
    """A loop made only of automatic nodes (gateways, scripts) that would spin forever
    without waiting for anyone: the ids on it, or None."""
    graph = flow_graph(container)
    automatic = [i for i in graph.nodes if i in graph.reachable and not is_human(graph.nodes[i])]
    keep = set(automatic)
    edges = {i: [s for s in graph.forward[i] if s in keep] for i in automatic}
    for source, target in graph.back_edges:
        if source in keep and target in keep:
            edges[source].append(target)
    forward, back_edges, _ = _depth_first(automatic, edges)
    if not back_edges:
        return None
    source, target = back_edges[0]
    # `target` was on the walk's stack when the edge was seen, so a forward path reaches source.
    return _forward_path(forward, target, source)


def _forward_path(forward: dict, start: str, goal: str) -> list[str]:
    stack, parents = [start], {start: None}
    while stack:
        node = stack.pop()
        if node == goal:
            break
        for succ in forward[node]:
            if succ not in parents:
                parents[succ] = node
                stack.append(succ)
    path, node = [], goal
    while node is not None:
        path.append(node)
        node = parents[node]
    return path[::-1]


def predicted_tasks(container) -> tuple[int, str | None]:
    """About how many tasks SpiffWorkflow's tree holds for this process or subprocess: it
    predicts every branch of a parallel or inclusive split to the end, each branch with its
    own copy of everything after the join, so k such splits in a row copy the rest 2^k times.
    An exclusive gateway's merge takes one branch (the largest). Returns the count and the
    first split that multiplies (None when none does)."""
    graph = flow_graph(container)
    incoming: dict[str, list[int]] = defaultdict(list)
    copies, total, first_split = {}, 0, None
    for node_id in graph.topological:
        node = graph.nodes[node_id]
        came = incoming.get(node_id) or [1]
        kind = local(node)
        copies[node_id] = (
            max(came) if kind in ("exclusiveGateway", "eventBasedGateway") else sum(came)
        )
        total += copies[node_id]
        successors = graph.forward[node_id]
        if first_split is None and len(successors) > 1 and kind in _MULTIPLYING:
            first_split = node_id
        for succ in successors:
            incoming[succ].append(copies[node_id])
    return total, (first_split if total > len(graph.topological) else None)


_MULTIPLYING = ("parallelGateway", "inclusiveGateway")
