from inference.face.analyze import Framing, analyze
from inference.face.avatar import Avatar, Sprite

__all__ = ["Avatar", "Framing", "Sprite", "analyze"]
