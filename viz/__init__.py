"""viz: pictures of what autodiff recorded and of what training does inside a network.

    import viz
    viz.draw_graph(loss, params=dict(model.named_parameters()))   # graphviz.Digraph: values, grads, shapes
    with viz.trace_modules(model):                                # group / collapse ops by module
        loss = loss_fn(model(x), y)
    viz.retain_grads(loss)                                        # keep intermediate gradients to draw them
    mon = viz.Monitor(model)                                      # per-layer activation / gradient statistics
    fig = viz.plot_activation_stats(mon)                          # matplotlib Figures

Needs the `graphviz` Python package (and Graphviz's `dot` program to render) and, for plots, matplotlib.
"""
from .graph import draw_graph
from .modules import ModuleCall, trace_modules
from .monitor import Monitor
from .plots import (
    plot_activation_histograms,
    plot_activation_stats,
    plot_gradient_histograms,
    plot_gradient_stats,
    plot_histograms,
    plot_optimizer_paths,
    plot_saturation,
    plot_training_curves,
)
from .render import FORMATS, ExecutableNotFound, GraphDigraph
from .walk import retain_grads

__all__ = ["draw_graph", "retain_grads", "trace_modules", "ModuleCall", "GraphDigraph", "ExecutableNotFound",
           "FORMATS", "Monitor", "plot_histograms", "plot_activation_histograms", "plot_gradient_histograms",
           "plot_activation_stats", "plot_saturation", "plot_gradient_stats", "plot_training_curves",
           "plot_optimizer_paths"]
