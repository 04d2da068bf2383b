"""`GraphDigraph`: a `graphviz.Digraph` whose rendering checks the format and explains a missing `dot`.

Everything that needs no Graphviz program (`.source`, `.save()`, `str(graph)`) works without it; only
rendering (`.render()`, `.pipe()`, inline display in Jupyter) runs `dot`. When `dot` is missing the
error says how to install it instead of graphviz's bare "failed to execute".
"""
from __future__ import annotations

import graphviz

FORMATS: frozenset[str] = frozenset(graphviz.FORMATS)
"""Output formats `dot` can write (as the graphviz package lists them): svg, png, pdf, ..."""

INSTALL_HINT = ("Graphviz's `dot` program was not found on PATH, so the graph cannot be rendered. "
                "Install Graphviz (the system package, not only the Python one): "
                "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS), "
                "`conda install graphviz` (conda) or see https://graphviz.org/download/. "
                "The DOT source is still available: `graph.source`, or `graph.save('graph.dot')`.")


class ExecutableNotFound(graphviz.ExecutableNotFound):
    """Graphviz's `dot` is missing; the message says how to install it (a `graphviz.ExecutableNotFound`)."""

    def __init__(self, detail: str = "") -> None:
        RuntimeError.__init__(self, INSTALL_HINT + (f" ({detail})" if detail else ""))


def check_format(fmt: str | None, where: str = "format") -> str | None:
    """Return `fmt` if `dot` can write it (None passes: the graph's own format), else raise ValueError."""
    if fmt is None:
        return None
    if not isinstance(fmt, str) or fmt.lower() not in FORMATS:
        common = "svg, png, pdf"
        raise ValueError(f"unknown {where} {fmt!r}: allowed formats are {common} and "
                         f"{', '.join(sorted(FORMATS - {'svg', 'png', 'pdf'}))}")
    return fmt.lower()


class GraphDigraph(graphviz.Digraph):
    """The `graphviz.Digraph` returned by `viz.draw_graph`; renders like any Digraph (SVG, PNG, PDF, ...).

    Differences from a plain Digraph: an unknown format raises ValueError naming the allowed ones, and a
    missing `dot` program raises `viz.ExecutableNotFound` saying how to install Graphviz. In Jupyter the
    graph shows inline (SVG); without `dot` the notebook shows that hint and the DOT source instead.
    """

    def render(self, *args, format: str | None = None, **kwargs) -> str:  # noqa: A002 (graphviz's name)
        """Write the DOT source and render it with `dot`; returns the rendered file's path."""
        check_format(format)
        try:
            return super().render(*args, format=format, **kwargs)
        except graphviz.ExecutableNotFound as e:
            if isinstance(e, ExecutableNotFound):
                raise
            raise ExecutableNotFound(str(e)) from None

    def pipe(self, format: str | None = None, *args, **kwargs):  # noqa: A002
        """Render with `dot` and return the output (bytes, or str when `encoding` is given)."""
        check_format(format)
        try:
            return super().pipe(format, *args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            if isinstance(e, ExecutableNotFound):
                raise
            raise ExecutableNotFound(str(e)) from None

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs) -> dict:
        try:
            return super()._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
        except ExecutableNotFound as e:
            return {"text/plain": f"{e}\n\n{self.source}"}
