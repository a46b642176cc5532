"""Synthetic running with known truth: events, midstance instants, hip–ankle offsets, knee angles.

The runner is built from analytic trajectories, so every truth value is exact:

* the mid-hip height is ``H0 − A·cos(2π (t − t_ms0) / T_step)``: its minima are the midstances;
* in stance the foot's lowest point rests on the ground (y = 0) while the foot pitches from its strike
  angle to flat and then rolls onto the toes; the ankle moves backwards relative to the hip at
  running speed, and sits ``offset`` behind the mid-hip at midstance;
* in swing the lowest point follows ``l(s) = T_swing·(a·s − …)``, a cubic leaving the ground at
  ``liftoff_mps`` and landing at ``landing_mps`` (real feet land at about 1 m/s, not softly);
* knees come from two-link inverse kinematics with Winter's thigh and shank proportions.

Noise, gaps, outliers, left/right swaps and image projection are switchable, to test the cleaning
and the video path with the same truth. Pure numpy; used by tests and benchmarks."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from midstance.core.series import ImageKeypoints, SourceInfo, WorldKeypoints

Side = Literal["left", "right"]


@dataclass(frozen=True)
class TruthStance:
    side: Side
    ic_s: float
    to_s: float
    midstance_s: float
    hip_ankle_offset_m: float
    knee_flexion_midstance_deg: float
    foot_angle_ic_deg: float


@dataclass(frozen=True)
class SyntheticTrial:
    keypoints: ImageKeypoints | WorldKeypoints
    truth: tuple[TruthStance, ...]
    leg_length_m: float
    px_per_m: float | None = None

    def complete_truth(self) -> tuple[TruthStance, ...]:
        """Stances whose IC and TO both lie inside the recording (with a little margin)."""
        t = self.keypoints.time_s
        return tuple(s for s in self.truth if s.ic_s > t[0] + 0.05 and s.to_s < t[-1] - 0.05)


@dataclass(frozen=True)
class SyntheticRunner:
    """Parameters of the synthetic runner (SI units, angles in degrees)."""

    rate_hz: float = 100.0
    duration_s: float = 10.0
    cadence_spm: float = 170.0
    contact_time_s: float = 0.25
    midstance_frac: float = 0.45
    speed_mps: float = 3.0
    setting: Literal["treadmill", "overground"] = "treadmill"
    leg_length_m: float = 0.90
    #: hip–ankle offset at midstance per side (positive = hip ahead); varied per stance by ±offset_wobble_m
    offset_m: tuple[float, float] = (0.08, 0.06)
    offset_wobble_m: float = 0.01
    hip_amplitude_m: float = 0.04
    strike_angle_deg: float = 12.0
    landing_mps: float = 1.0
    liftoff_mps: float = 2.0
    trunk_lean_deg: float = 6.0
    first_ic_s: float = 0.15
    #: pixel noise (image) or metres (world) of every point, standard deviation
    noise: float = 0.0
    #: fraction of samples dropped (NaN) per point, in runs of ``gap_len`` samples
    dropout_frac: float = 0.0
    gap_len: int = 3
    #: large outliers per point (fraction of samples)
    outlier_frac: float = 0.0
    seed: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    # --------------------------------------------------------------------- timing
    @property
    def step_s(self) -> float:
        return 60.0 / self.cadence_spm

    def stance_list(self) -> list[tuple[Side, float, float, float, float]]:
        """(side, ic, to, midstance, offset) of every stance that starts before the end."""
        out: list[tuple[Side, float, float, float, float]] = []
        k = 0
        t = self.first_ic_s - 2 * self.step_s  # start with stances before t=0 so swing is defined
        while t < self.duration_s + 2 * self.step_s:
            side: Side = "left" if k % 2 == 0 else "right"
            base = self.offset_m[0] if side == "left" else self.offset_m[1]
            off = base + self.offset_wobble_m * math.sin(1.3 * k)
            ic = t
            out.append(
                (side, ic, ic + self.contact_time_s, ic + self.midstance_frac * self.contact_time_s, off)
            )
            t += self.step_s
            k += 1
        return out

    # --------------------------------------------------------------------- geometry
    @property
    def thigh_m(self) -> float:
        return self.leg_length_m * 0.245 / 0.491

    @property
    def shank_m(self) -> float:
        return self.leg_length_m * 0.246 / 0.491

    ankle_above_sole_m: float = 0.07
    heel_back_m: float = 0.05
    toe_forward_m: float = 0.16
    push_off_deg: float = -30.0

    def _hip(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        st = self.stance_list()
        ms0 = st[0][3]
        # standing hip height with the knee at midstance flexed by ~40°: a bit below leg length
        h0 = 0.86 * self.leg_length_m + self.ankle_above_sole_m
        y = h0 - self.hip_amplitude_m * np.cos(2 * np.pi * (t - ms0) / self.step_s)
        x = self.speed_mps * t if self.setting == "overground" else 0.01 * np.sin(2 * np.pi * t / self.step_s)
        return x, y

    def _hip_x_at(self, t: float) -> float:
        return float(self._hip(np.array([t]))[0][0])

    def _foot(self, side: Side, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ankle x, lowest-point height and foot pitch (deg) of one foot over time."""
        belt = -self.speed_mps if self.setting == "treadmill" else 0.0
        stances = [s for s in self.stance_list() if s[0] == side]
        ax = np.full(t.shape, np.nan)
        low = np.zeros(t.shape)
        pitch = np.zeros(t.shape)
        tc = self.contact_time_s

        def ankle_x(st: tuple, at: np.ndarray | float) -> np.ndarray | float:
            _, _, _, ms, off = st
            return self._hip_x_at(ms) - off + belt * (at - ms)

        def pitch_stance(st: tuple, at: np.ndarray) -> np.ndarray:
            ic = st[1]
            u = (at - ic) / tc
            p = np.where(u < 0.15, self.strike_angle_deg * (1 - u / 0.15), 0.0)
            return np.where(u > 0.6, self.push_off_deg * ((u - 0.6) / 0.4) ** 2, p)

        for a, b in itertools.pairwise(stances):
            _, ic, to, _, _ = a
            m = (t >= ic) & (t < to)
            ax[m] = ankle_x(a, t[m]) if np.any(m) else ax[m]
            pitch[m] = pitch_stance(a, t[m])
            low[m] = 0.0
            # swing from this TO to the next IC of the same foot
            ic2 = b[1]
            m = (t >= to) & (t < ic2)
            if np.any(m):
                ts = ic2 - to
                s = (t[m] - to) / ts
                x0, x1 = ankle_x(a, to), ankle_x(b, ic2)
                h00, h10, h01, h11 = (
                    2 * s**3 - 3 * s**2 + 1,
                    s**3 - 2 * s**2 + s,
                    -2 * s**3 + 3 * s**2,
                    s**3 - s**2,
                )
                ax[m] = h00 * x0 + h10 * ts * belt + h01 * x1 + h11 * ts * belt
                # lowest point: leaves at liftoff_mps, lands at landing_mps (positive in between)
                low[m] = ts * (self.liftoff_mps * h10 - self.landing_mps * h11)
                pitch[m] = self.push_off_deg + (self.strike_angle_deg - self.push_off_deg) * (
                    3 * s**2 - 2 * s**3
                )
        return ax, low, pitch

    def _foot_points(self, ax: np.ndarray, low: np.ndarray, pitch: np.ndarray) -> dict[str, np.ndarray]:
        r = np.radians(pitch)
        c, s = np.cos(r), np.sin(r)

        def rel(px: float, py: float) -> tuple[np.ndarray, np.ndarray]:
            return c * px - s * py, s * px + c * py

        hx, hy = rel(-self.heel_back_m, -self.ankle_above_sole_m)
        tx, ty = rel(self.toe_forward_m, -self.ankle_above_sole_m)
        ay = low - np.minimum(hy, ty)  # the lowest of heel and toe sits at height `low`
        return {
            "ankle": np.column_stack([ax, ay]),
            "heel": np.column_stack([ax + hx, ay + hy]),
            "toe": np.column_stack([ax + tx, ay + ty]),
        }

    def _knee(self, hip: np.ndarray, ankle: np.ndarray) -> np.ndarray:
        d = ankle - hip
        dist = np.linalg.norm(d, axis=1)
        a, b = self.thigh_m, self.shank_m
        dist_c = np.clip(dist, abs(a - b) + 1e-6, a + b - 1e-9)
        # angle at the hip between hip→ankle and hip→knee (law of cosines); knee bends forward
        cos_h = (a**2 + dist_c**2 - b**2) / (2 * a * dist_c)
        ang = np.arccos(np.clip(cos_h, -1, 1))
        u = d / dist[:, None]
        # rotate hip→ankle counter-clockwise: the knee bends forward (+X) of the hip–ankle line
        rot = np.column_stack(
            [np.cos(ang) * u[:, 0] - np.sin(ang) * u[:, 1], np.sin(ang) * u[:, 0] + np.cos(ang) * u[:, 1]]
        )
        return hip + a * rot

    def world_points(self, t: np.ndarray) -> dict[str, np.ndarray]:
        """Exact 2D sagittal points (X forward, Y up) at times ``t``."""
        hx, hy = self._hip(t)
        hip = np.column_stack([hx, hy])
        pts: dict[str, np.ndarray] = {"left_hip": hip, "right_hip": hip.copy()}
        sides: tuple[Side, Side] = ("left", "right")
        for side in sides:
            ax, low, pitch = self._foot(side, t)
            for name, p in self._foot_points(ax, low, pitch).items():
                pts[f"{side}_{name}"] = p
            pts[f"{side}_knee"] = self._knee(hip, pts[f"{side}_ankle"])
        lean = math.radians(self.trunk_lean_deg)
        sh = hip + 0.5 * self.leg_length_m * np.array([math.sin(lean), math.cos(lean)])
        pts["left_shoulder"] = sh
        pts["right_shoulder"] = sh.copy()
        return pts

    def truth(self) -> tuple[TruthStance, ...]:
        out = []
        for side, ic, to, ms, off in self.stance_list():
            p = self.world_points(np.array([ms]))
            h, k, a = p[f"{side}_hip"][0], p[f"{side}_knee"][0], p[f"{side}_ankle"][0]

            def ang(d: np.ndarray) -> float:
                return math.atan2(float(d[0]), float(-d[1]))

            knee = math.degrees(ang(k - h) - ang(a - k))
            out.append(TruthStance(side, ic, to, ms, off, knee, self.strike_angle_deg))
        return tuple(out)

    # --------------------------------------------------------------------- outputs
    def _times(self) -> np.ndarray:
        n = round(self.duration_s * self.rate_hz) + 1
        return np.arange(n) / self.rate_hz

    def _corrupt(
        self, pts: dict[str, np.ndarray], scale: float, base_conf: dict[str, np.ndarray] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        rng = np.random.default_rng(self.seed)
        out, conf = {}, {}
        for name, p in pts.items():
            q = p + rng.normal(0.0, self.noise, p.shape) if self.noise else p.copy()
            c = base_conf[name].copy() if base_conf and name in base_conf else np.full(p.shape[0], 0.95)
            n = p.shape[0]
            if self.outlier_frac:
                k = rng.random(n) < self.outlier_frac
                q[k] += rng.normal(0.0, 0.3 * scale, (int(k.sum()), p.shape[1]))
                c[k] = 0.5
            if self.dropout_frac:
                starts = np.nonzero(rng.random(n) < self.dropout_frac / max(1, self.gap_len))[0]
                for s0 in starts:
                    q[s0 : s0 + self.gap_len] = np.nan
                    c[s0 : s0 + self.gap_len] = 0.0
            out[name] = q
            conf[name] = c
        return out, conf

    def world(self, three_d: bool = True) -> SyntheticTrial:
        """World keypoints in metres: 3D (Y up, X forward, Z right) or a 2D sagittal plane."""
        t = self._times()
        pts2 = self.world_points(t)
        if three_d:
            lat = {"left": -0.09, "right": 0.09}
            pts = {}
            for name, p in pts2.items():
                side = name.split("_")[0]
                z = lat.get(side, 0.0) * (1.6 if name.endswith("shoulder") else 1.0)
                pts[name] = np.column_stack([p, np.full(len(t), z)])
        else:
            pts = pts2
        pts, _ = self._corrupt(pts, self.leg_length_m)
        kp = WorldKeypoints(
            time_s=t,
            points=pts,
            source=SourceInfo(
                path="synthetic",
                kind="keypoints",
                fps=self.rate_hz,
                duration_s=float(t[-1]),
                frame_count=len(t),
            ),
            up_axis=1,
            up_sign=1.0,
        )
        return SyntheticTrial(kp, self.truth(), self.leg_length_m)

    def image(
        self,
        facing: Literal["left", "right"] = "left",
        px_per_m: float = 500.0,
        width: int = 720,
        height: int = 1280,
        roll_deg: float = 0.0,
        swap_frames: tuple[tuple[int, int], ...] = (),
        far_confidence: float = 0.7,
    ) -> SyntheticTrial:
        """Image keypoints as a level side camera would see them (optionally rolled by ``roll_deg``);
        ``swap_frames`` lists (start, stop) frame ranges where the left and right legs' labels are
        exchanged (as a pose model confuses near and far leg); the far leg gets ``far_confidence``."""
        t = self._times()
        pts2 = self.world_points(t)
        sx = 1.0 if facing == "right" else -1.0
        cx, cy = width / 2, height * 0.85
        r = math.radians(roll_deg)
        out = {}
        for name, p in pts2.items():
            x = sx * p[:, 0] * px_per_m
            y = -p[:, 1] * px_per_m
            out[name] = np.column_stack(
                [cx + math.cos(r) * x - math.sin(r) * y, cy + math.sin(r) * x + math.cos(r) * y]
            )
        # a pose model sees the near leg (the side facing the camera) better than the far one
        base_conf = {
            name: np.full(
                len(t),
                0.95 if name.startswith(facing) or not name.startswith(("left", "right")) else far_confidence,
            )
            for name in out
        }
        for a, b in swap_frames:
            for part in ("knee", "ankle", "heel", "toe"):
                ln, rn = f"left_{part}", f"right_{part}"
                out[ln][a:b], out[rn][a:b] = out[rn][a:b].copy(), out[ln][a:b].copy()
                base_conf[ln][a:b], base_conf[rn][a:b] = base_conf[rn][a:b].copy(), base_conf[ln][a:b].copy()
        pts, conf = self._corrupt(out, px_per_m * self.leg_length_m, base_conf)
        kp = ImageKeypoints(
            time_s=t,
            points=pts,
            confidence=conf,
            source=SourceInfo(
                path="synthetic",
                kind="keypoints",
                fps=self.rate_hz,
                duration_s=float(t[-1]),
                frame_count=len(t),
                width_px=width,
                height_px=height,
            ),
            width_px=width,
            height_px=height,
        )
        return SyntheticTrial(kp, self.truth(), self.leg_length_m, px_per_m)
