"""The embedded default: the Emu recipe end to end on the haystack world (``photogenic demo``)."""

from photogenic.demo.pipeline import DemoConfig, run_demo

__all__ = ["DemoConfig", "run_demo"]
