from inference.audio.load import SPEECH_SAMPLE_RATE, AudioClip, AudioFile, iter_audio_chunks, load_audio

__all__ = ["SPEECH_SAMPLE_RATE", "AudioClip", "AudioFile", "iter_audio_chunks", "load_audio"]
