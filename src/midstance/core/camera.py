"""A virtual pinhole camera over 3D keypoints: motion capture seen as a phone would see it.

Used to validate the 2D (video) path against motion-capture truth: project the trial into a side or
rear camera with perspective, resample to a video frame rate, add pixel noise and dropouts (more on
the far side of the body, which a real pose model sees worse), then run the same keypoint analysis.
Pure numpy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from midstance.core.orient import to_body_frame
from midstance.core.series import ImageKeypoints, SourceInfo, WorldKeypoints

View = Literal["left", "right", "rear", "front"]


@dataclass(frozen=True)
class VirtualCamera:
    """Camera placement relative to the runner (body frame: X forward, Y up, Z right, metres)."""

    view: View = "left"
    distance_m: float = 4.0
    height_m: float | None = None  # default: mid-hip height
    focal_px: float = 1500.0
    width_px: int = 1080
    height_px: int = 1920
    fps: float = 30.0
    noise_px: float = 0.0
    dropout_frac: float = 0.0
    far_confidence: float = 0.6
    #: camera yaw away from square-on, degrees (a camera not perpendicular to the running direction)
    yaw_deg: float = 0.0
    seed: int = 0

    def _basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Camera axes in the body frame: image right, image down, viewing direction."""
        view_dir = {
            "left": (0.0, 0.0, 1.0),
            "right": (0.0, 0.0, -1.0),
            "rear": (1.0, 0.0, 0.0),
            "front": (-1.0, 0.0, 0.0),
        }[self.view]
        z = np.array(view_dir)
        yaw = np.radians(self.yaw_deg)
        c, s = np.cos(yaw), np.sin(yaw)
        z = np.array([c * z[0] + s * z[2], 0.0, -s * z[0] + c * z[2]])
        down = np.array([0.0, -1.0, 0.0])
        right = np.cross(down, z)
        return right, down, z

    def project(self, kp: WorldKeypoints) -> ImageKeypoints:
        body = to_body_frame(kp)
        t0 = kp.time_s
        t = np.arange(0.0, t0[-1] - t0[0] + 1e-9, 1.0 / self.fps)
        pts3 = {}
        for name, p in body.points.items():
            pts3[name] = np.column_stack([np.interp(t, t0 - t0[0], p[:, k]) for k in range(3)])
        hips = 0.5 * (pts3["left_hip"] + pts3["right_hip"])
        centre = np.nanmedian(hips, axis=0)
        right, down, z = self._basis()
        cam_h = self.height_m if self.height_m is not None else float(centre[1])
        look = np.array([centre[0], cam_h, centre[2]])
        cam = look - z * self.distance_m
        rng = np.random.default_rng(self.seed)
        far_side = {"left": "right", "right": "left"}.get(self.view)
        points, conf = {}, {}
        for name, p in pts3.items():
            rel = p - cam
            xc, yc, zc = rel @ right, rel @ down, rel @ z
            u = self.focal_px * xc / zc + self.width_px / 2
            v = self.focal_px * yc / zc + self.height_px / 2
            uv = np.column_stack([u, v])
            far = far_side is not None and name.startswith(far_side)
            c = np.full(len(t), self.far_confidence if far else 0.95)
            if self.noise_px:
                uv = uv + rng.normal(0.0, self.noise_px * (1.5 if far else 1.0), uv.shape)
            if self.dropout_frac:
                drop = rng.random(len(t)) < self.dropout_frac * (2.0 if far else 1.0)
                uv[drop] = np.nan
                c[drop] = 0.0
            points[name] = uv
            conf[name] = c
        return ImageKeypoints(
            time_s=t,
            points=points,
            confidence=conf,
            source=SourceInfo(
                path=f"{kp.source.path} (virtual {self.view} camera)",
                kind="keypoints",
                fps=self.fps,
                duration_s=float(t[-1]),
                frame_count=len(t),
                width_px=self.width_px,
                height_px=self.height_px,
            ),
            width_px=self.width_px,
            height_px=self.height_px,
        )
