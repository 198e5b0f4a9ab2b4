"""Building a workflow DAG in Python.

    wf = Workflow("lab", executortype="python")
    gen = wf.add("gen", args=[3])
    total = wf.add("sum", after=[gen])
    graph = client.submit_workflow(wf)

A node may only depend on nodes added before it, so a builder cannot make a cycle; the server
still checks everything again (docs/workflows.md). Pure: nothing here talks to a server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from .models import Conditions, FunctionSpec, split_spec_options


@dataclass(frozen=True)
class Node:
    """A handle to a node of a ``Workflow``, to name it in ``after=[...]``."""

    name: str
    workflow_id: int

    def __str__(self) -> str:
        return self.name


class Workflow:
    """A WorkflowSpec under construction.

    Args:
        colony: the colony every node runs in.
        executortype: the default executor type of the nodes (each ``add`` may override it).
        **defaults: FunctionSpec or Conditions options every node gets unless ``add`` overrides
            them (``maxexectime=600``, ``cpu="2"``, ...).
    """

    def __init__(self, colony: str = "", executortype: str = "", **defaults: Any) -> None:
        split_spec_options(defaults)  # refuses unknown option names now, not at the first add
        self.colony = colony
        self.executortype = executortype
        self.defaults = dict(defaults)
        self._specs: List[FunctionSpec] = []
        self._names: Dict[str, Node] = {}

    def add(self, funcname: str, args: Sequence[Any] = (), kwargs: Optional[Mapping[str, Any]] = None, *,
            name: Optional[str] = None, after: Sequence[Union[Node, str]] = (), **options: Any) -> Node:
        """Adds a node running ``funcname`` and returns its handle.

        Args:
            name: the node name (unique); default ``funcname``, then ``funcname-2``, ``-3`` ...
            after: the nodes this one waits for. Their outputs, concatenated in this order,
                become this node's input (``ctx.input`` in a Python executor).
            **options: FunctionSpec or Conditions fields for this node (``executortype``,
                ``maxexectime``, ``cpu``, ``priority``, ...).

        Raises:
            ValueError: a duplicate name, or ``after`` naming a node not (yet) in this workflow.
            TypeError: an unknown option.
        """
        if not isinstance(funcname, str) or not funcname:
            raise ValueError("funcname must be a non-empty string")
        node_name = name if name is not None else self._free_name(funcname)
        if not node_name:
            raise ValueError("a node name must not be empty")
        if node_name in self._names:
            raise ValueError(f"workflow already has a node named '{node_name}'")
        dependencies: List[str] = []
        for dep in after:
            dep_name = dep.name if isinstance(dep, Node) else dep
            if isinstance(dep, Node) and dep.workflow_id != id(self):
                raise ValueError(f"node '{dep.name}' belongs to another workflow")
            if dep_name not in self._names:
                raise ValueError(f"node '{node_name}' is after '{dep_name}', which is not in this workflow; "
                                 "add a node before naming it in after=[...]")
            if dep_name in dependencies:
                raise ValueError(f"node '{node_name}' lists '{dep_name}' twice in after=[...]")
            dependencies.append(dep_name)
        merged = dict(self.defaults)
        merged.update(options)
        parts = split_spec_options(merged)
        conditions = Conditions(**parts["conditions"])
        conditions.colonyname = conditions.colonyname or self.colony
        conditions.executortype = conditions.executortype or (self.executortype if not conditions.executornames else "")
        conditions.dependencies = dependencies
        spec = FunctionSpec(funcname=funcname, args=list(args), kwargs=dict(kwargs or {}), conditions=conditions,
                            **parts["spec"])
        spec.nodename = node_name
        self._specs.append(spec)
        node = Node(node_name, id(self))
        self._names[node_name] = node
        return node

    def _free_name(self, funcname: str) -> str:
        if funcname not in self._names:
            return funcname
        n = 2
        while f"{funcname}-{n}" in self._names:
            n += 1
        return f"{funcname}-{n}"

    @property
    def nodes(self) -> List[str]:
        """Node names in the order they were added."""
        return [s.nodename for s in self._specs]

    def to_json(self) -> Dict[str, Any]:
        """The WorkflowSpec JSON ``{"colonyname", "functionspecs": [...]}``.

        Raises:
            ValueError: the workflow has no nodes.
        """
        if not self._specs:
            raise ValueError("a workflow needs at least one node: call add() first")
        return {"colonyname": self.colony, "functionspecs": [s.to_json() for s in self._specs]}

    def __len__(self) -> int:
        return len(self._specs)

    def __repr__(self) -> str:
        return f"Workflow(colony={self.colony!r}, nodes={self.nodes})"
