from inference.export.video import VideoWriter, probe_media

__all__ = ["VideoWriter", "probe_media"]
