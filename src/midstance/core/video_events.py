"""Foot contacts from pose keypoints (video): stride-anchored, robust to pose-model glitches.

A pose model's foot points jitter by a few pixels and, for a frame or three at a time, jump to the
other leg. Thresholding foot height alone then finds spurious or missing contacts. Two robust
features anchor each stride instead:

* **Fore–aft swing of the foot relative to the hip.** Every stride the foot swings from its most
  forward position (end of swing, just before landing) to its most backward one (just after
  toe-off), on a treadmill and overground alike. This oscillation is large (≈ 0.7 leg lengths) and
  survives noise: its forward extremes count the strides of each foot, one per stride.
* **Initial contact: the forward turn plus the landing delay.** After its forward extreme the foot
  is pulled back (swing-leg retraction) and lands a few hundredths of a second later. The turn is a
  peak of a large signal, read to a fraction of a frame on each foot point (their median). The delay
  is one per clip, measured on the clip itself: the median, over the strides of the better-seen
  foot, of the time from the turn until the foot's lowest point comes within ``touch_level`` (1.5 %
  of leg length) of where it rests in mid-stance. Strides where the foot already skims the ground
  at its turn do not count: it still moves forwards there, so it is not loaded yet, and its height
  cannot tell when it will be. A pose model places a landing heel, blurred and
  often hidden, anywhere within a few centimetres of the ground, which scatters a contact read from
  the height of its own stride by ±2 frames; the median over a clip's strides is steady, and the
  turn then places each stride's contact. With fewer than ``min_touch_strides`` such strides (short
  clips, a foot hardly seen) the delay comes from the stance speed instead, as measured on the
  force-plate trials in ``shared/data`` (RBDS, Fukuchi et al. 2017: the foot lands a median 28 ms
  after its forward turn at 2.5 leg lengths/s and 57 ms after it at 4.7 leg lengths/s, interquartile
  ranges ±3–6 ms; ``landing_delay_s``). The delay differs between runners: on the real clip in
  ``shared/data`` the foot is back at its resting level 54 ms after the turn at 2.4 leg lengths/s,
  where the speed rule says 26 ms (docs/accuracy.md).
* **Toe-off**: the last instant before the backward extreme where the toe is still on the ground
  line (its height above the stride's own ground level, interpolated between frames).

Glitch frames (a leg's fore–aft position far from its own smooth course) are removed before either
feature is read and filled from the neighbouring frames.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import find_peaks

from midstance.core.events import Contact, Side
from midstance.core.filters import crossings, fill_gaps, finite_rows, lowpass, parabola_vertex


def glitch_frames(rel_x: np.ndarray, t: np.ndarray, leg: float, cutoff_hz: float = 5.0) -> np.ndarray:
    """Frames where a foot's fore–aft position relative to the hip leaves its smooth course by more
    than max(4 robust SDs, 8 % of leg length): pose-model jumps to the other leg. Iteratively
    re-smoothed without the frames already flagged."""
    rate = 1.0 / float(np.median(np.diff(t)))
    bad = ~np.isfinite(rel_x)
    x = rel_x.copy()
    for _ in range(3):
        filled = fill_gaps(np.where(bad, np.nan, x), t=t)
        if not np.isfinite(filled).any():
            return bad
        smooth = lowpass(np.nan_to_num(filled, nan=float(np.nanmedian(filled))), rate, cutoff_hz, t=t)
        resid = np.abs(x - smooth)
        ok = np.isfinite(resid) & ~bad
        if ok.sum() < 10:
            break
        sigma = 1.4826 * float(np.median(resid[ok]))
        new = np.isfinite(resid) & (resid > max(4 * sigma, 0.08 * leg))
        if not (new & ~bad).any():
            break
        bad |= new
    return bad & np.isfinite(rel_x)


@dataclass
class StrideContactDetector:
    """Contacts per foot from the fore–aft swing and the foot's height (image data; pixels).

    ``ic_level``/``to_level`` are heights above the ground line, as fractions of leg length (the
    foot must come down to ``ic_level`` in the stride; the toe leaves at ``to_level``);
    ``touch_level`` (fraction of leg length, None to skip) is how close to its mid-stance level the
    foot's lowest point must come for the clip's own landing delay (used when at least
    ``min_touch_strides`` strides of a foot show it); ``landing_delay`` is the fallback, the time
    from the foot's forward turn to IC at two stance speeds, as ((leg lengths/s, s), (leg lengths/s,
    s)), interpolated linearly in between and beyond. Either is kept between 0 and
    ``max_landing_delay_s``."""

    leg_length: float
    ic_level: float = 0.015
    to_level: float = 0.04
    touch_level: float | None = 0.015
    min_touch_strides: int = 4
    landing_delay: tuple[tuple[float, float], tuple[float, float]] = ((2.54, 0.0283), (4.67, 0.0575))
    max_landing_delay_s: float = 0.08
    swing_cutoff_hz: float = 4.0
    height_cutoff_hz: float | None = 8.0
    min_contact_s: float = 0.08

    contacts_: list[Contact] = field(default_factory=list)
    rejected_: list[tuple[str, float, str]] = field(default_factory=list)
    stride_s_: float = float("nan")
    clearance_: dict[str, np.ndarray] = field(default_factory=dict)
    #: the landing delay used (s) and where it came from: "clip" (touch-downs) or "stance speed"
    landing_delay_s_: float = float("nan")
    landing_delay_from_: str = ""

    def detect(
        self,
        t: np.ndarray,
        fore_aft: dict[Side, np.ndarray],
        feet: dict[Side, dict[str, np.ndarray]],
        seen: dict[Side, np.ndarray] | None = None,
        points: dict[Side, list[np.ndarray]] | None = None,
    ) -> StrideContactDetector:
        """``fore_aft``: foot minus hip along the running direction; ``feet``: per side the foot's
        points (``heel``, ``toe``, or ``ankle`` alone) as (n, 2) arrays, X forward, Y up; ``seen``: per
        side, the samples where the foot was actually seen (default: where ``fore_aft`` is finite) — a
        contact counts only while its foot is in view; ``points``: per side, each foot point's own fore–aft
        position relative to the hip (default: ``fore_aft`` alone) — the turns are read on each."""
        rate = 1.0 / float(np.median(np.diff(t)))
        swings = {}
        for side, fa in fore_aft.items():
            f = fill_gaps(fa, t=t)
            if np.isfinite(f).sum() < 10:
                continue
            swings[side] = lowpass(
                np.nan_to_num(f, nan=float(np.nanmedian(f))), rate, self.swing_cutoff_hz, t=t
            )
        self.stride_s_ = _stride_period(swings, t)
        self.contacts_ = []
        self.rejected_ = []
        self._turns: list[tuple[int, float, float]] = []
        self._touch: dict[str, list[float]] = {}
        slope = _ground_slope(swings, feet)
        for side, sw in swings.items():
            heights = {name: _height_above_stance_ground(p, sw, slope) for name, p in feet[side].items()}
            for name, h in heights.items():
                h = fill_gaps(h, t=t)
                heights[name] = lowpass(h, rate, self.height_cutoff_hz, t=t) if self.height_cutoff_hz else h
            hs = list(heights.values())
            lo = np.nanmin(np.stack(hs), axis=0) if len(hs) > 1 else hs[0]
            tt = heights.get("toe", lo)
            self.clearance_[side] = lo
            raw = fill_gaps(fore_aft[side], t=t)
            vis = seen[side] if seen is not None and side in seen else np.isfinite(fore_aft[side])
            pts = [fill_gaps(x, t=t) for x in points[side]] if points and points.get(side) else [raw]
            self._side(side, t, sw, raw, pts, lo, tt, np.asarray(vis, dtype=bool))
        # one landing delay for the clip: the runner lands alike on every stride (per-stride readings
        # differ mostly by noise)
        speeds = [v for _, _, v in self._turns if np.isfinite(v)]
        if speeds:
            delay = self._clip_landing_delay(float(np.median(speeds)) / self.leg_length)
            for k, t_fwd, _ in self._turns:
                c = self.contacts_[k]
                if c.to_s - (t_fwd + delay) >= self.min_contact_s:
                    self.contacts_[k] = Contact(c.side, t_fwd + delay, c.to_s)
        self.contacts_.sort(key=lambda c: c.ic_s)
        return self

    def _clip_landing_delay(self, speed_legs: float) -> float:
        """The clip's own delay from its touch-downs when enough strides show them, else the stance
        speed's. Of two feet, the earlier median: a foot hidden or blurred at landing looks down
        later than it is, seldom earlier."""
        medians = [float(np.median(v)) for v in self._touch.values() if len(v) >= self.min_touch_strides]
        if medians:
            self.landing_delay_from_ = "clip"
            delay = min(medians)
        else:
            self.landing_delay_from_ = "stance speed"
            delay = self.landing_delay_s(speed_legs)
        self.landing_delay_s_ = float(np.clip(delay, 0.0, self.max_landing_delay_s))
        return self.landing_delay_s_

    def landing_delay_s(self, speed_legs: float) -> float:
        """Time from the foot's forward turn to IC at a stance speed (leg lengths per second)."""
        (v0, d0), (v1, d1) = self.landing_delay
        d = d0 + (d1 - d0) * (speed_legs - v0) / (v1 - v0)
        return float(np.clip(d, 0.0, self.max_landing_delay_s))

    def _side(
        self,
        side: Side,
        t: np.ndarray,
        sw: np.ndarray,
        raw: np.ndarray,
        pts: list[np.ndarray],
        lo: np.ndarray,
        toe: np.ndarray,
        seen: np.ndarray,
    ) -> None:
        """Contacts of one foot: one per stride, between the foot's forward extreme (where the foot
        turns back; on the ground it can only move backwards relative to the hip) and its backward
        extreme (where it turns forward again; it has left the ground by then)."""
        period = self.stride_s_
        rate = 1.0 / float(np.median(np.diff(t)))
        dist = max(1, int(0.6 * period * rate)) if np.isfinite(period) else max(1, int(0.4 * rate))
        amp = float(np.nanpercentile(sw, 95) - np.nanpercentile(sw, 5))
        fwd, _ = find_peaks(sw, distance=dist, prominence=0.3 * amp)
        back, _ = find_peaks(-sw, distance=dist, prominence=0.3 * amp)
        ic_lvl, to_lvl = self.ic_level * self.leg_length, self.to_level * self.leg_length
        # a clip that starts in late swing: the first backward turn has no forward turn before it
        if (
            back.size
            and (fwd.size == 0 or back[0] < fwd[0])
            and np.isfinite(period)
            and t[back[0]] - t[0] > 0.45 * period
        ):
            fwd = np.concatenate(([0], fwd))
        for p in fwd:
            later = back[back > p]
            last = int(np.nonzero(seen)[0][-1])
            turn = p + int(np.argmin(sw[p : last + 1])) if last > p else p
            if later.size:
                q = int(later[0])
            elif p < turn < last and sw[p] - sw[turn] > 0.3 * amp:
                q = turn  # the foot turned forward just before it was lost from view
            elif np.isfinite(period) and t[last] - t[p] > 0.45 * period:
                q = last  # the clip (or the view of the foot) ends before it turns: the stance may be whole
            else:
                continue
            if np.isfinite(period) and t[q] - t[p] > 0.9 * period:
                self.rejected_.append((side, float(t[p]), "no backward extreme within the stride"))
                continue
            t_fwd = _turn_time(t, pts, p, +1)
            t_back = _turn_time(t, pts, q, -1)
            # the ground line drifts when the runner moves on the belt or the camera sees the feet
            # at another depth: each stride's own ground level is where its foot rests mid-stance
            i0, i1 = int(np.searchsorted(t, t_fwd)), int(np.searchsorted(t, t_back)) + 1
            if i1 - i0 < 3:
                continue
            base = float(np.nanpercentile(lo[i0:i1], 20))
            plateau = lo[i0:i1][lo[i0:i1] < base + 0.03 * self.leg_length]
            noise = (
                1.4826 * float(np.median(np.abs(plateau - np.median(plateau)))) if plateau.size > 2 else 0.0
            )
            ic_at = base + max(ic_lvl, 2.5 * noise)
            to_base = float(np.nanpercentile(toe[i0:i1], 20))
            to_at = to_base + max(to_lvl, 2.5 * noise)
            # the foot must come down to the ground line in this stride (at the forward turn or after it)
            downs = crossings(lo, t, ic_at, "down")
            downs = downs[(downs > t_fwd) & (downs < t_back)]
            if not (np.interp(t_fwd, t, lo) < ic_at or downs.size):
                self.rejected_.append((side, float(t[p]), "foot never comes down to the ground line"))
                continue
            speed = _stance_speed(t, raw, t_fwd, t_back)
            if p > 0 and self.touch_level is not None:
                # touch-down: the foot's lowest point back near its mid-stance level
                touch = crossings(lo, t, self.touch_level * self.leg_length, "down")
                touch = touch[(touch > t_fwd) & (touch < t_back)]
                if touch.size:
                    self._touch.setdefault(side, []).append(float(touch[0]) - t_fwd)
            if p > 0 and np.isfinite(speed):
                # landing: the forward turn plus a delay (the clip's, set once all strides are read)
                ic = t_fwd + self.landing_delay_s(speed / self.leg_length)
            elif downs.size:
                ic = float(downs[0])  # the clip starts in late swing: no forward turn to count from
            else:
                continue
            # toe-off: the last time the toe leaves the ground before the backward turn, or the first
            # after it when the toe is still down at the turn
            ups_all = crossings(toe, t, to_at, "up")
            if np.interp(t_back, t, toe) < to_at:
                ups = ups_all[(ups_all > t_back) & (ups_all < t_back + 0.3 * period)]
                to = float(ups[0]) if ups.size else None
            else:
                ups = ups_all[(ups_all > ic) & (ups_all <= t_back)]
                to = float(ups[-1]) if ups.size else None
            if to is None or to - ic < self.min_contact_s:
                self.rejected_.append((side, float(t[p]), "toe-off not found"))
                continue
            # the contact must be complete inside the recording, with the foot in view (short
            # occlusions are bridged; a foot out of the picture or lost for a quarter of it is not)
            first = int(np.nonzero(seen)[0][0])
            if ic <= t[first] + 1.0 / rate or to >= t[last] - 1.0 / rate:
                continue
            during = seen[(t >= ic) & (t <= to)]
            at_ends = seen[[int(np.argmin(np.abs(t - ic))), int(np.argmin(np.abs(t - to)))]]
            if not at_ends.all() or (during.size and np.mean(~during) > 0.25):
                self.rejected_.append((side, float(t[p]), "foot out of view during the contact"))
                continue
            if p > 0 and np.isfinite(speed):
                self._turns.append((len(self.contacts_), t_fwd, speed))
            self.contacts_.append(Contact(side, ic, to))


def _stance_speed(t: np.ndarray, x: np.ndarray, t_fwd: float, t_back: float) -> float:
    """The foot's backward speed relative to the hip in the middle half of the stretch from its
    forward to its backward turn (the ground's speed under the runner), in units of ``x`` per second."""
    a, b = t_fwd + 0.25 * (t_back - t_fwd), t_fwd + 0.75 * (t_back - t_fwd)
    m = (t >= a) & (t <= b) & np.isfinite(x)
    if m.sum() < 2:
        return float("nan")
    slope = np.polyfit(t[m], x[m], 1)[0]
    return float(-slope) if slope < 0 else float("nan")


def _extreme_time(t: np.ndarray, raw: np.ndarray, k: int, sign: int, reach: int = 3) -> float:
    """Sub-frame time of the raw signal's extreme (max for sign +1, min for −1) near sample ``k``:
    the extreme sample within ``reach`` and the parabola through it and its neighbours at their own
    times (a variable frame rate spaces them unevenly), kept within half a sample; NaN when the
    signal is missing there."""
    lo, hi = max(1, k - reach), min(len(t) - 2, k + reach)
    seg = sign * raw[lo : hi + 1]
    if not np.isfinite(seg).any():
        return float("nan")
    m = lo + int(np.nanargmax(seg))
    v = parabola_vertex(t[m - 1 : m + 2], -sign * raw[m - 1 : m + 2])
    if v is None:
        return float(t[m])
    return float(np.clip(v, 0.5 * (t[m - 1] + t[m]), 0.5 * (t[m] + t[m + 1])))


def _turn_time(t: np.ndarray, signals: list[np.ndarray], k: int, sign: int) -> float:
    """The foot's turn near sample ``k``: the median of its points' own turns (heel, toe, ankle turn
    together on the force-plate trials, within a millisecond; a pose model's glitch in one point
    then moves the turn no more than the others allow)."""
    times = [_extreme_time(t, x, k, sign) for x in signals]
    times = [v for v in times if np.isfinite(v)]
    return float(np.median(times)) if times else float(t[k])


def _stance_mask(sw: np.ndarray) -> np.ndarray:
    """Frames in the middle of a stance: the foot moving backwards relative to the hip (the swing
    signal falling) between 25 % and 75 % of the way from its forward to its backward extreme."""
    lo, hi = np.nanpercentile(sw, 5), np.nanpercentile(sw, 95)
    frac = (sw - lo) / max(hi - lo, 1e-9)
    falling = np.gradient(sw) < 0
    return falling & (frac > 0.25) & (frac < 0.75)


def _ground_slope(swings: dict[Side, np.ndarray], feet: dict[Side, dict[str, np.ndarray]]) -> float:
    """The ground line's slope in the image (camera roll), shared by both feet: fitted through the
    foot points of mid-stance frames, each point kind with its own intercept."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    groups: list[np.ndarray] = []
    for side, sw in swings.items():
        m = _stance_mask(sw)
        for p in feet[side].values():
            ok = m & finite_rows(p)
            xs.append(p[ok, 0])
            ys.append(p[ok, 1])
            groups.append(np.full(int(ok.sum()), len(groups)))
    if not xs or sum(len(x) for x in xs) < 10:
        return 0.0
    x, y, g = np.concatenate(xs), np.concatenate(ys), np.concatenate(groups)
    # remove each group's mean, then one slope through all (within-group regression)
    xc, yc = x.copy(), y.copy()
    for gid in np.unique(g):
        sel = g == gid
        xc[sel] -= np.median(x[sel])
        yc[sel] -= np.median(y[sel])
    keep = np.abs(yc) < 3 * 1.4826 * np.median(np.abs(yc)) + 1e-9
    if keep.sum() < 10 or np.ptp(xc[keep]) == 0:
        return 0.0
    slope = float(np.polyfit(xc[keep], yc[keep], 1)[0])
    return float(np.clip(slope, -0.2, 0.2))  # ±11°: beyond that the fit is not a ground line


def _height_above_stance_ground(p: np.ndarray, sw: np.ndarray, slope: float) -> np.ndarray:
    """A foot point's height above where it sits in mid-stance (robust median level), with the
    shared ground slope; glitch frames where the model put this foot on the other one do not move
    the level."""
    m = _stance_mask(sw) & finite_rows(p)
    if m.sum() < 3:
        ok = np.isfinite(p[:, 1])
        base = float(np.percentile(p[ok, 1], 5)) if ok.any() else 0.0
        return p[:, 1] - base
    level = float(np.median(p[m, 1] - slope * p[m, 0]))
    return p[:, 1] - (level + slope * p[:, 0])


def _stride_period(swings: dict[Side, np.ndarray], t: np.ndarray) -> float:
    """Stride period (s) from the autocorrelation of the fore–aft swing (the first peak past zero
    lag, between 0.4 and 2.0 s: running to slow walking)."""
    rate = 1.0 / float(np.median(np.diff(t)))
    best = []
    for sw in swings.values():
        x = sw - np.mean(sw)
        n = len(x)
        if n < int(1.0 * rate):
            continue
        ac = np.correlate(x, x, mode="full")[n - 1 :]
        ac = ac / ac[0] if ac[0] > 0 else ac
        lo, hi = int(0.4 * rate), min(n - 1, int(2.0 * rate))
        if hi <= lo:
            continue
        k = lo + int(np.argmax(ac[lo:hi]))
        if ac[k] > 0.2:
            best.append(k / rate)
    return float(np.median(best)) if best else float("nan")


@dataclass
class HeightContactDetector:
    """Contacts per foot from the foot's height alone, for rear and front views (the fore–aft swing
    runs along the camera axis there and cannot be seen). Each stride is anchored on the swing apex
    (the foot's highest point); the stance lies between two apexes, on the stride's own ground level:
    initial contact where the foot's lowest point comes down to it, toe-off where the toe leaves it."""

    leg_length: float
    ic_level: float = 0.01
    to_level: float = 0.015
    cutoff_hz: float | None = 8.0
    min_contact_s: float = 0.08

    contacts_: list[Contact] = field(default_factory=list)
    stride_s_: float = float("nan")
    clearance_: dict[str, np.ndarray] = field(default_factory=dict)

    def detect(self, t: np.ndarray, feet: dict[Side, dict[str, np.ndarray]]) -> HeightContactDetector:
        """``feet``: per side the foot points' heights (n,) (``heel``, ``toe`` or ``ankle``), up positive."""
        rate = 1.0 / float(np.median(np.diff(t)))
        lows: dict[Side, np.ndarray] = {}
        toes: dict[Side, np.ndarray] = {}
        for side, pts in feet.items():
            hs = []
            for h in pts.values():
                f = fill_gaps(h, t=t)
                if np.isfinite(f).sum() < 10:
                    continue
                f = np.nan_to_num(f, nan=float(np.nanmedian(f)))
                hs.append(lowpass(f, rate, self.cutoff_hz, t=t) if self.cutoff_hz else f)
            if not hs:
                continue
            lows[side] = np.min(np.stack(hs), axis=0)
            toes[side] = hs[-1]
        self.stride_s_ = _stride_period(lows, t)
        self.contacts_ = []
        period = self.stride_s_
        for side, lo in lows.items():
            self.clearance_[side] = lo - float(np.percentile(lo, 5))
            dist = max(1, int(0.6 * period * rate)) if np.isfinite(period) else max(1, int(0.4 * rate))
            amp = float(np.percentile(lo, 95) - np.percentile(lo, 5))
            apex, _ = find_peaks(lo, distance=dist, prominence=0.3 * amp)
            for a, b in itertools.pairwise(apex):
                if np.isfinite(period) and t[b] - t[a] > 1.5 * period:
                    continue
                tt, seg, toe_seg = t[a : b + 1], lo[a : b + 1], toes[side][a : b + 1]
                # the resting foot drifts in the image while on the ground (it moves towards or away
                # from the camera with the belt, and perspective moves its image height): the ground
                # level is a line in time through the stride's lowest samples
                base = float(np.percentile(seg, 20))
                rest = seg < base + 0.03 * self.leg_length
                if rest.sum() >= 3 and np.ptp(tt[rest]) > 0:
                    slope, icpt = np.polyfit(tt[rest], seg[rest], 1)
                else:
                    slope, icpt = 0.0, base
                level = icpt + slope * tt
                resid = seg[rest] - level[rest]
                noise = 1.4826 * float(np.median(np.abs(resid - np.median(resid)))) if rest.sum() > 2 else 0.0
                above = seg - level
                toe_above = toe_seg - (float(np.percentile(toe_seg - slope * tt, 20)) + slope * tt)
                downs = crossings(above, tt, max(self.ic_level * self.leg_length, 2.5 * noise), "down")
                ups = crossings(toe_above, tt, max(self.to_level * self.leg_length, 2.5 * noise), "up")
                if downs.size == 0 or ups.size == 0:
                    continue
                ic, to = float(downs[0]), float(ups[-1])
                if to - ic >= self.min_contact_s:
                    self.contacts_.append(Contact(side, ic, to))
        self.contacts_.sort(key=lambda c: c.ic_s)
        return self
