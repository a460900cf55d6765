"""Toker et al.'s networks in PyTorch with the original's module names, for tests only (needs torch).

Written from the spec (docs: safa_toker_stn.md 3.3-3.5), not from the original code: the module
attribute names are what a checkpoint of `aysim/comingdowntoearth` holds, the computations are the
spec's. Independent of cvgeo's Keras code, so parity tests against it catch layout, padding,
normalisation and spectral-norm export mistakes.
"""

import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, kernel):
        super().__init__()
        self.pad = nn.ReflectionPad2d(kernel // 2)
        self.conv2d = spectral_norm(nn.Conv2d(cin, cout, kernel))

    def forward(self, x):
        return self.conv2d(self.pad(x))


class Attention(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.theta = spectral_norm(nn.Conv2d(ch, ch // 8, 1, bias=False))
        self.phi = spectral_norm(nn.Conv2d(ch, ch // 8, 1, bias=False))
        self.g = spectral_norm(nn.Conv2d(ch, ch // 2, 1, bias=False))
        self.o = spectral_norm(nn.Conv2d(ch // 2, ch, 1, bias=False))
        self.gamma = nn.Parameter(torch.tensor(0.0))

    def forward(self, x):
        b, c, h, w = x.shape
        queries = self.theta(x).flatten(2)  # [B, C/8, HW]
        keys = F.max_pool2d(self.phi(x), 2).flatten(2)
        values = F.max_pool2d(self.g(x), 2).flatten(2)  # [B, C/2, HW/4]
        weights = torch.softmax(queries.transpose(1, 2) @ keys, dim=-1)  # [B, HW, HW/4]
        out = (values @ weights.transpose(1, 2)).reshape(b, c // 2, h, w)
        return self.gamma * self.o(out) + x


class ResidualBlockDown(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv_r1, self.conv_r2, self.conv_l = ConvLayer(cin, cout, 3), ConvLayer(cout, cout, 3), ConvLayer(cin, cout, 1)

    def forward(self, x):
        main = F.avg_pool2d(self.conv_r2(F.relu(self.conv_r1(F.relu(x)))), 2)
        return F.avg_pool2d(self.conv_l(x), 2) + main


class ResidualBlockUp(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm_r1 = nn.InstanceNorm2d(cin, affine=True)
        self.conv_r1 = ConvLayer(cin, cout, 3)
        self.norm_r2 = nn.InstanceNorm2d(cout, affine=True)
        self.conv_r2 = ConvLayer(cout, cout, 3)
        self.conv_l = ConvLayer(cin, cout, 1)

    def forward(self, x):
        up = lambda t: F.interpolate(t, scale_factor=2, mode="nearest")  # noqa: E731
        main = self.conv_r2(F.relu(self.norm_r2(self.conv_r1(up(F.relu(self.norm_r1(x)))))))
        return self.conv_l(up(x)) + main


class ResidualBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv1, self.in1 = ConvLayer(ch, ch, 3), nn.InstanceNorm2d(ch, affine=True)
        self.conv2, self.in2 = ConvLayer(ch, ch, 3), nn.InstanceNorm2d(ch, affine=True)

    def forward(self, x):
        return self.in2(self.conv2(F.relu(self.in1(self.conv1(x))))) + x


class UnetGeneratorSkip(nn.Module):
    def __init__(self):
        super().__init__()
        self.begin_pad = nn.ReflectionPad2d(3)
        self.begin_conv = spectral_norm(nn.Conv2d(3, 32, 7))
        self.begini_e = nn.InstanceNorm2d(32, affine=True)
        for index, (cin, cout) in enumerate(((32, 64), (64, 128), (128, 256)), start=1):
            setattr(self, f"conv{index}", ResidualBlockDown(cin, cout))
            setattr(self, f"in{index}_e", nn.InstanceNorm2d(cout, affine=True))
        for index in range(1, 7):
            setattr(self, f"res{index}", ResidualBlock(256))
        self.attention2 = Attention(256)
        self.deconv3, self.in3_d = ResidualBlockUp(512, 128), nn.InstanceNorm2d(128, affine=True)
        self.deconv2, self.in2_d = ResidualBlockUp(256, 64), nn.InstanceNorm2d(64, affine=True)
        self.deconv1, self.in1_d = ResidualBlockUp(128, 64), nn.InstanceNorm2d(64, affine=True)
        self.conv_end = nn.Sequential(nn.Conv2d(64, 3, 3, padding=1), nn.Tanh())

    def forward(self, x):
        x = self.begini_e(self.begin_conv(self.begin_pad(x)))
        enc1 = self.in1_e(self.conv1(x))
        enc2 = self.in2_e(self.conv2(enc1))
        enc3 = self.in3_e(self.conv3(enc2))
        resb6 = enc3
        for index in range(1, 7):
            resb6 = getattr(self, f"res{index}")(resb6)
        y = self.in3_d(self.deconv3(torch.cat([resb6, enc3], 1)))
        y = self.attention2(torch.cat([y, enc2], 1))
        y = self.in2_d(self.deconv2(y))
        y = self.in1_d(self.deconv1(torch.cat([y, enc1], 1)))
        return self.conv_end(y), resb6


class NLayerDiscriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(
            nn.Conv2d(6, 64, 4, 2, 1), nn.LeakyReLU(0.1),
            spectral_norm(nn.Conv2d(64, 128, 4, 2, 1)), nn.LeakyReLU(0.1), Attention(128),
            spectral_norm(nn.Conv2d(128, 256, 4, 2, 1)), nn.LeakyReLU(0.1),
            spectral_norm(nn.Conv2d(256, 512, 4, 1, 1)), nn.LeakyReLU(0.1),
            nn.Conv2d(512, 1, 4, 1, 1),
        )

    def forward(self, x):
        return self.model(x)


def spatial_aware_descriptor(features, w1, b1, w2, b2):
    """SAFA's SA + aggregation + L2 on NCHW features (networks/safa.py, spec 3.5)."""
    flat = features.flatten(2)  # [B, C, HW]
    mask = flat.max(1).values
    mask = torch.einsum("bi,ijd->bjd", mask, w1) + b1
    mask = torch.einsum("bjd,jid->bid", mask, w2) + b2
    return F.normalize((flat @ mask).flatten(1), dim=1)
