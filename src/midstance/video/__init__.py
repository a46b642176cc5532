"""Video decoding: probe a file and read upright RGB frames with container timestamps."""

from midstance.video.decode import FrameReader, VideoInfo, iter_frames, probe, scaled_size

__all__ = ["FrameReader", "VideoInfo", "iter_frames", "probe", "scaled_size"]
