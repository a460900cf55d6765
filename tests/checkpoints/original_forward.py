"""Independent numpy forward passes of the original TF1 graphs, written from the specs.

They take the TF1 variables by their original names and RGB images in 0..255, compute in float64
except for the convolution products (float32, as the originals; it halves the time), and never
call cvgeo. TF semantics are spelled out: SAME padding pads floor(total/2) before and the
rest after; 2x2/2 SAME max-pools pad the end with -inf; l2_normalize is x / sqrt(max(sum x^2, 1e-12)).
"""

import numpy as np

CAFFE_BGR_MEANS = np.array([103.939, 116.779, 123.6])  # spec A.1: R really is 123.6
VGG_ORDER = ("conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
             "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3")  # fmt: skip


def conv2d_same(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int = 1) -> np.ndarray:
    """TF conv2d, NHWC / HWIO, padding SAME, by explicit patches (im2col)."""
    kh, kw, cin, cout = kernel.shape
    _, h, w, _ = x.shape
    out_h, out_w = -(-h // stride), -(-w // stride)
    pad_h = max((out_h - 1) * stride + kh - h, 0)
    pad_w = max((out_w - 1) * stride + kw - w, 0)
    x = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    patches = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # [B, H', W', C, kh, kw]
    patches = patches[:, : (out_h - 1) * stride + 1 : stride, : (out_w - 1) * stride + 1 : stride]
    patches = patches.transpose(0, 1, 2, 4, 5, 3).reshape(x.shape[0], out_h, out_w, kh * kw * cin)
    product = patches.astype(np.float32) @ kernel.reshape(kh * kw * cin, cout).astype(np.float32)
    return product.astype(np.float64) + bias


def max_pool_same(x: np.ndarray) -> np.ndarray:
    """2x2 stride-2 SAME max-pool: odd sides are padded at the end (with -inf)."""
    _, h, w, _ = x.shape
    x = np.pad(x, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), constant_values=-np.inf)
    b, h, w, c = x.shape
    return x.reshape(b, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def l2_normalize(x: np.ndarray, axis: int) -> np.ndarray:
    return x / np.sqrt(np.maximum((x * x).sum(axis=axis, keepdims=True), 1e-12))


def vgg16(x, convs, pools=(2, 4, 7, 10), relu_last=True):
    """Hand-built VGG16 of CVM-Net / SAFA / CrossLocate. `convs`: 13 (kernel, bias) pairs in order;
    a 2x2/2 SAME pool follows the listed conv ordinals (1-based)."""
    for ordinal, (kernel, bias) in enumerate(convs, start=1):
        x = conv2d_same(x, kernel, bias)
        if ordinal < 13 or relu_last:
            x = np.maximum(x, 0.0)
        if ordinal in pools:
            x = max_pool_same(x)
    return x


def vgg_convs(weights, branch):
    """VGG.py scopes: VGG_grd/conv1_1/{weights,biases}."""
    return [(weights[f"VGG_{branch}/{layer}/weights"], weights[f"VGG_{branch}/{layer}/biases"]) for layer in VGG_ORDER]


def caffe_bgr(images):
    return images[..., ::-1].astype(np.float64) - CAFFE_BGR_MEANS


def netvlad(features, cluster_weights, cluster_biases, cluster_weights2):
    """loupe.NetVLAD.forward as in spec A.3; returns [B, D*K] flattened d-major, globally normalised."""
    b, h, w, d = features.shape
    f = l2_normalize(features.reshape(b, h * w, d), axis=2)
    logits = f @ cluster_weights + cluster_biases
    a = np.exp(logits - logits.max(axis=2, keepdims=True))
    a /= a.sum(axis=2, keepdims=True)  # [B, N, K]
    v = np.einsum("bnk,bnd->bdk", a, f) - a.sum(axis=1)[:, None, :] * cluster_weights2  # [B, D, K]
    v = l2_normalize(v, axis=1)
    return l2_normalize(v.reshape(b, d * v.shape[2]), axis=1)


def cvm_net_i(weights, ground, aerial):
    outputs = []
    for branch, images in (("grd", ground), ("sat", aerial)):
        x = vgg16(caffe_bgr(images), vgg_convs(weights, branch))
        vlad = netvlad(x, *(weights[f"netvlad_{branch}/{n}"] for n in ("cluster_weights", "cluster_biases", "cluster_weights2")))
        fc = vlad @ weights["dim_reduction/fc1/weights"] + weights["dim_reduction/fc1/biases"]
        outputs.append(l2_normalize(fc, axis=1))
    return outputs


def cvm_net_ii(weights, ground, aerial):
    outputs = []
    for branch, images in (("grd", ground), ("sat", aerial)):
        x = vgg16(caffe_bgr(images), vgg_convs(weights, branch))
        for scope in (f"transformation_trans/{branch}_trans_conv1", "transformation_trans_shared/trans_conv1",
                      "transformation_trans_shared/trans_conv2"):  # fmt: skip
            x = np.maximum(conv2d_same(x, weights[f"{scope}/weights"], weights[f"{scope}/biases"]), 0.0)
        vlad = netvlad(x, *(weights[f"netvlad/{n}"] for n in ("cluster_weights", "cluster_biases", "cluster_weights2")))
        outputs.append(vlad @ weights["netvlad/hidden1_weights"])  # no bias, no L2 (spec A.5)
    return outputs


def safa(weights, ground, polar, pool="mean"):
    outputs = []
    for branch, images in (("grd", ground), ("sat", polar)):
        x = vgg16(caffe_bgr(images), vgg_convs(weights, branch))
        x = max_pool_same(x)  # spatial_net.py: one more SAME pool after conv5_3
        b, h, w, c = x.shape
        f = x.reshape(b, h * w, c)
        v = f.mean(axis=2) if pool == "mean" else f.max(axis=2)
        s = f"spatial_{branch}/"
        hidden = np.einsum("bi,ijd->bjd", v, weights[s + "weights1"]) + weights[s + "biases1"]
        attention = np.einsum("bjd,jid->bid", hidden, weights[s + "weights2"]) + weights[s + "biases2"]
        g = np.einsum("bic,bid->bdc", f, attention)
        outputs.append(l2_normalize(g.reshape(b, -1), axis=1))  # d-major: index d*512 + c
    return outputs


def crosslocate(weights, query, database, two_branch=False):
    outputs = []
    for images, suffix in ((query, ""), (database, "_1" if two_branch else "")):
        # VGG16.py: conv1..conv13/{kernels,biases}; TWO_BRANCH's database net is conv1_1..conv13_1.
        convs = [(weights[f"conv{n}{suffix}/kernels"], weights[f"conv{n}{suffix}/biases"]) for n in range(1, 14)]
        x = vgg16(images.astype(np.float64), convs, relu_last=False)  # raw 0..255 RGB, conv13 linear
        x = l2_normalize(x, axis=3).max(axis=(1, 2))
        outputs.append(l2_normalize(x, axis=1))
    return outputs


# --- OriCNN ---------------------------------------------------------------------------------------


def ori_ground_channels(h, w):
    """Spec B.1: yaw/pi = -1 + 2c/(W-1); pitch/pi = (r - (H-1)/2) * 2/(W-1)."""
    r, c = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    return np.stack([-1.0 + 2.0 * c / (w - 1), (r - (h - 1) / 2) * 2.0 / (w - 1)], axis=-1)


def ori_aerial_channels(s):
    """azimuth/pi with 0 at north, clockwise; (radius/(S/2) - 0.5) * 2 (issue 3's definition)."""
    r, c = np.meshgrid(np.arange(s), np.arange(s), indexing="ij")
    east, north = c - (s - 1) / 2, (s - 1) / 2 - r
    return np.stack([np.arctan2(east, north) / np.pi, (np.sqrt(east**2 + north**2) / (s / 2) - 0.5) * 2], axis=-1)


def resize_bilinear_half_pixel(x, out_h, out_w):
    """Spec B.2 step 2: sample at i*s + (s-1)/2, s = in/out, clamped to the map; bilinear."""

    def axis_weights(n_in, n_out):
        s = n_in / n_out
        src = np.clip(np.arange(n_out) * s + (s - 1) / 2, 0, n_in - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, src - lo

    _, h, w, _ = x.shape
    r0, r1, fr = axis_weights(h, out_h)
    c0, c1, fc = axis_weights(w, out_w)
    rows = x[:, r0] * (1 - fr)[None, :, None, None] + x[:, r1] * fr[None, :, None, None]
    return rows[:, :, c0] * (1 - fc)[None, None, :, None] + rows[:, :, c1] * fc[None, None, :, None]


def ori_cnn_branch(weights, prefix, x):
    """encoder_net: 7 convs 4x4/2; layers 2-7 lrelu -> conv -> BN(batch statistics, eps 1e-5)."""
    outs = []
    for k in range(1, 8):
        scope = f"{prefix}encoder_{k}/"
        if k > 1:
            x = 0.6 * x + 0.4 * np.abs(x)  # ops.lrelu(0.2) as written in the original
        x = conv2d_same(x, weights[scope + "conv2d/kernel"], weights[scope + "conv2d/bias"], stride=2)
        if k > 1:
            mean = x.mean(axis=(0, 1, 2))
            var = x.var(axis=(0, 1, 2))  # biased, as fused batch norm in training mode
            x = (x - mean) / np.sqrt(var + 1e-5) * weights[scope + "batch_normalization/gamma"]
            x = x + weights[scope + "batch_normalization/beta"]
        outs.append(x)
    e5, e6, e7 = outs[4], outs[5], outs[6]
    h, w = e7.shape[1:3]
    hyper = np.concatenate([resize_bilinear_half_pixel(e5, h, w), resize_bilinear_half_pixel(e6, h, w), e7], axis=3)
    gem = np.mean(np.maximum(hyper, 1e-6) ** 3, axis=(1, 2)) ** (1.0 / 3.0)
    return l2_normalize(gem, axis=1)


def ori_cnn(weights, ground, aerial):
    outputs = []
    for prefix, images, channels in (
        ("grd_rgbori", ground, ori_ground_channels(*ground.shape[1:3])),
        ("sat_rgbori", aerial, ori_aerial_channels(aerial.shape[1])),
    ):
        bgr = images[..., ::-1].astype(np.float64) / 255.0 * 2.0 - 1.0
        x = np.concatenate([bgr, np.broadcast_to(channels, (len(images), *channels.shape))], axis=3)
        outputs.append(ori_cnn_branch(weights, prefix, x))
    return outputs
