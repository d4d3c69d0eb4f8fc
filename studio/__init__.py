"""Avatar Studio's desktop app (PySide6) and command line. Depends on `inference`, never the reverse."""
