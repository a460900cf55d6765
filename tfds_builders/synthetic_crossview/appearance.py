"""Photometric changes and occluders applied separately to each view of a pair.

The aerial and the ground image of a pair are "captured" at different times:
each gets its own sun, colour cast, haze, blur, noise and occluders, so that a
matcher has to learn what stays the same (layout, object positions, the kind
of surface) rather than compare pixel values. Nothing here moves content: the
geometry of the pair is left as the renderer made it.
"""

from __future__ import annotations

import cv2
import numpy as np

from tfds_builders.synthetic_crossview import panorama

SEASON_CHANGE_PROB = 0.4  # chance that a parcel looks different in the other capture


def _colour_jitter(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Gain per channel, brightness, contrast, saturation and gamma on float [0, 255]."""
    img = img * rng.normal(1.0, 0.07, 3).astype(np.float32) * rng.uniform(0.75, 1.25)
    mean = img.mean()
    img = (img - mean) * rng.uniform(0.75, 1.25) + mean
    grey = img.mean(axis=-1, keepdims=True)
    img = grey + (img - grey) * rng.uniform(0.6, 1.3)
    img = 255.0 * (np.clip(img, 0, 255) / 255.0) ** rng.uniform(0.8, 1.25)
    return img


def _blur_and_noise(img: np.ndarray, rng: np.random.Generator, max_sigma: float, max_noise: float) -> np.ndarray:
    """Gaussian blur and sensor noise of random strength; returns uint8."""
    sigma = rng.uniform(0.0, max_sigma)
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    img = img + rng.standard_normal(img.shape, dtype=np.float32) * np.float32(rng.uniform(0.0, max_noise))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def change_season(
    albedo: np.ndarray, parcel: np.ndarray, rng: np.random.Generator, probability: float = SEASON_CHANGE_PROB
) -> np.ndarray:
    """Recolour some parcels of bare ground, as if the views were captured in different seasons.

    Fields are harvested or ploughed, meadows dry out: each parcel of the tile
    changes with `probability` by a random gain per channel.
    Roads and objects (parcel -1) stay as they are.
    """
    ids = np.unique(parcel[parcel >= 0])
    if ids.size == 0:
        return albedo.copy()
    gains = np.ones((ids.size, 3), np.float32)
    changed = rng.random(ids.size) < probability
    gains[changed] = rng.uniform(0.6, 1.4, (int(changed.sum()), 3))
    gain = gains[np.searchsorted(ids, np.maximum(parcel, ids[0]))]
    gain[parcel < 0] = 1.0
    return np.clip(albedo * gain, 0, 255).astype(np.uint8)


def cast_shadows(height_m: np.ndarray, mpp: float, sun_azimuth_deg: float, sun_elevation_deg: float) -> np.ndarray:
    """Bool [S, S]: ground points whose line to the sun passes below an object top.

    A point p is shadowed if some q = p + t * (unit vector towards the sun) has
    height(q) > t * tan(sun elevation). Objects outside the tile cast nothing.
    """
    s = height_m.shape[0]
    az = np.deg2rad(sun_azimuth_deg)
    towards_sun = np.array([np.sin(az), -np.cos(az)])  # (col, row) pixel direction
    slope = np.tan(np.deg2rad(sun_elevation_deg)) * mpp  # metres of rise per pixel travelled
    reach = int(np.ceil(float(height_m.max()) / slope)) if height_m.max() > 0 else 0
    shadow = np.zeros((s, s), bool)
    for t in range(1, reach + 1):
        shift = np.float32([[1, 0, -towards_sun[0] * t], [0, 1, -towards_sun[1] * t]])
        # shifted[p] = height(p + t * towards_sun)
        shifted = cv2.warpAffine(height_m, shift, (s, s), flags=cv2.INTER_NEAREST, borderValue=0.0)
        shadow |= shifted > t * slope
    return shadow & (height_m <= 0.0)


def change_aerial(aerial: np.ndarray, height_m: np.ndarray, mpp: float, rng: np.random.Generator) -> np.ndarray:
    """Aerial capture conditions: cast shadows, colour, haze, clouds, blur, noise."""
    img = aerial.astype(np.float32)
    shadow = cast_shadows(height_m, mpp, rng.uniform(0.0, 360.0), rng.uniform(30.0, 70.0))
    img *= np.where(shadow, rng.uniform(0.5, 0.75), 1.0)[..., None].astype(np.float32)
    img = _colour_jitter(img, rng)
    haze = rng.uniform(0.0, 0.25)
    img = (1 - haze) * img + haze * np.array([190, 195, 205], np.float32)
    if rng.random() < 0.2:  # clouds drifting over parts of the tile
        s = img.shape[0]
        coarse = rng.uniform(-1, 1, (5, 5)).astype(np.float32)
        alpha = np.clip(cv2.resize(coarse, (s, s), interpolation=cv2.INTER_CUBIC) * 1.5 - 0.6, 0.0, 0.65)
        img = img * (1 - alpha[..., None]) + 240.0 * alpha[..., None]
    return _blur_and_noise(img, rng, max_sigma=1.0, max_noise=5.0)


def change_ground(ground: np.ndarray, layer: np.ndarray, yaw_deg: float,
                  elevation_range_deg: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """Ground capture conditions: sun on facades, sky, haze, colour, poles, a car, blur, noise.

    yaw_deg and elevation_range_deg are the ones the panorama was rendered with.
    """
    h, w = layer.shape
    img = ground.astype(np.float32)
    # Facades facing the sun are lit: a wall seen along azimuth az faces az + 180.
    sun_az = np.deg2rad(rng.uniform(0.0, 360.0))
    face = np.deg2rad(panorama.column_azimuths(w, yaw_deg) + 180.0)
    lit = (0.7 + 0.35 * np.maximum(np.cos(face - sun_az), 0.0)).astype(np.float32)
    img = np.where((layer == panorama.OBJECT)[..., None], img * lit[None, :, None], img)
    # Overcast or clear sky; distant ground fades into haze.
    sky_tint = rng.uniform(0.8, 1.15, 3).astype(np.float32)
    if rng.random() < 0.3:
        sky_tint = np.full(3, rng.uniform(0.9, 1.1), np.float32)
        img = np.where((layer == panorama.SKY)[..., None], img.mean(-1, keepdims=True) * sky_tint, img)
    else:
        img = np.where((layer == panorama.SKY)[..., None], img * sky_tint, img)
    haze = np.array([185, 195, 210], np.float32)
    img = np.where((layer == panorama.BEYOND)[..., None], 0.5 * img + 0.5 * haze, img)
    img = _colour_jitter(img, rng)
    # Occluders: a few poles and sometimes a parked car.
    horizon = int((panorama.row_elevations(h, *elevation_range_deg) > 0.0).sum())
    for _ in range(rng.integers(0, 4)):
        c = rng.integers(0, w)
        img[max(horizon - rng.integers(1, max(2, h // 3)), 0):, c:c + rng.integers(1, 3)] = rng.uniform(20, 70)
    if rng.random() < 0.3:
        c, cw = rng.integers(0, w), rng.integers(w // 32 + 1, w // 10 + 2)
        r0 = horizon - max(1, h // 16)
        r1 = min(h, horizon + rng.integers(h // 10 + 1, h // 4 + 2))
        img[r0:r1, c:c + cw] = rng.uniform(30, 220, 3).astype(np.float32)
    return _blur_and_noise(img, rng, max_sigma=0.8, max_noise=5.0)
