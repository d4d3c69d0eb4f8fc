from inference.render.renderer import Renderer

__all__ = ["Renderer"]
