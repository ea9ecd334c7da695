"""Energy per LLM request in Wh: the EcoLogits decode method plus prefill, cache hits and utilisation.

Decode follows EcoLogits (GenAI Impact; repository genai-impact/ecologits,
docs/methodology/llm_inference.md and ecologits/impacts/llm.py, v0.9-0.11; Rincé & Banse,
"EcoLogits: Evaluating the Environmental Impacts of Generative AI", JOSS 2025,
doi:10.21105/joss.07471). Its fits come from ML.ENERGY measurements on H100 80GB:
    GPU energy per output token, per GPU   f_E = α·exp(β·B)·P_active + γ         (Wh)
    generation time per output token      f_L = a·P_active + b·B + c             (s)
    GPUs  = ceil(1.2·P_total·bits/8 / GPU memory), rounded up to a power of two
    ΔT    = min(n_out·f_L, measured request latency)
    E     = PUE · (ΔT·1.2 kW·(GPUs/8)/B  +  GPUs·n_out·f_E)
What we add where EcoLogits is weakest (docs/energy.md has the reasoning and sources):
- Prefill. EcoLogits ignores input tokens. A forward pass costs 2·P_active FLOPs per token
  (the count Epoch AI's "How much energy does ChatGPT use?", 2025, uses), run at a
  model-FLOPs utilisation (MFU) of the GPU's bf16 peak, drawing board power plus the
  host's share (EcoLogits' 1.2 kW non-GPU server power over 8 GPUs).
- Prompt-cache hits. A cached token skips the prefill matmuls; what is left is fetching
  its KV entries. `Scenario.cached_share` is the fraction of a prefill token it costs.
- Utilisation. EcoLogits fixes batch 64 and bf16 weights, so its range covers only the
  unknown model size. Each `Scenario` sets batch, weight precision, MFU, cache share,
  PUE and parameter bound together: low is every input at its favourable end, high
  every input at its unfavourable end (bounds, not a confidence interval).
- Hardware. Other GPUs than the H100 scale decode by board power and memory bandwidth
  (decode is memory-bound), prefill by bf16 peak, the GPU count by memory. Our heuristic.
Every function works on floats or numpy arrays; `energy_wh` also on polars expressions.
Figures are estimates (provenance "estimated").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

# EcoLogits fits (ecologits/impacts/llm.py): H100 80GB, ML.ENERGY leaderboard, batch <= 512.
ALPHA, BETA, GAMMA = 1.1665273170451914e-06, -0.011205921025579175, 4.052928146734005e-05
LAT_A, LAT_B, LAT_C = 6.785088094353663e-04, 3.119310311688259e-04, 1.9473717579473387e-02
MEMORY_OVERHEAD = 1.2  # EcoLogits: weights x 1.2 for KV cache and activations
SERVER_NON_GPU_W = 1200.0  # EcoLogits: AWS p5.48xlarge (8 x H100) without its GPUs, via BoaviztAPI
GPUS_PER_SERVER = 8
ECOLOGITS_BATCH = 64
ECOLOGITS_BITS = 16
LEVELS = ("low", "mid", "high")


@dataclass(frozen=True)
class Gpu:
    name: str
    memory_gb: float
    tdp_w: float
    bf16_dense_tflops: float
    hbm_tb_s: float


H100 = Gpu("H100", 80.0, 700.0, 989.0, 3.35)  # NVIDIA H100 SXM5 datasheet; EcoLogits' reference GPU


@dataclass(frozen=True)
class Scenario:
    """One end (or the middle) of the range: serving conditions chosen together."""

    level: str
    batch: int  # concurrent requests per server (EcoLogits' B)
    weight_bits: int  # 16 = bf16 (EcoLogits); 8 = FP8 serving, which halves the GPUs needed
    prefill_mfu: float  # achieved share of bf16 peak FLOP/s during prefill
    cached_share: float  # energy of a prompt-cache hit as a share of a prefill token


SCENARIOS: dict[str, Scenario] = {
    # Busy FP8 servers: batch 256 is the largest batch ML.ENERGY v3 reports for 405B FP8 runs,
    # inside the EcoLogits fit's range (<= 512). Prefill MFU 50%: big compute-bound matmuls.
    # Cache hit 1%: fetching a token's KV from host memory over PCIe (our calc, docs/energy.md).
    "low": Scenario("low", batch=256, weight_bits=8, prefill_mfu=0.50, cached_share=0.01),
    # EcoLogits' own serving assumptions (batch 64, bf16); cache hit at Anthropic's price ratio.
    "mid": Scenario("mid", batch=64, weight_bits=16, prefill_mfu=0.30, cached_share=0.10),
    # Light load: batch 32; Epoch AI's 10% utilisation; cache hit at OpenAI's 25% price ratio.
    "high": Scenario("high", batch=32, weight_bits=16, prefill_mfu=0.10, cached_share=0.25),
}


@dataclass(frozen=True)
class Range:
    """An estimate as low <= mid <= high (Wh, gCO2e, ...)."""

    low: float
    mid: float
    high: float

    def __post_init__(self) -> None:
        if not (self.low <= self.mid <= self.high):
            raise ValueError(f"range out of order: {self.low} <= {self.mid} <= {self.high} fails")

    def scaled(self, factor: float) -> "Range":
        return Range(self.low * factor, self.mid * factor, self.high * factor)


def bound(low: Any, high: Any, level: str) -> Any:
    """The low bound, the high bound, or their geometric mean for `mid`."""
    if level == "low":
        return low
    if level == "high":
        return high
    return np.sqrt(np.asarray(low, dtype=float) * np.asarray(high, dtype=float))


def gpu_count(total_b: Any, weight_bits: int = ECOLOGITS_BITS, gpu: Gpu = H100) -> np.ndarray:
    """GPUs holding the weights (EcoLogits' memory rule), rounded up to a power of two."""
    need = np.ceil(MEMORY_OVERHEAD * np.asarray(total_b, dtype=float) * weight_bits / 8 / gpu.memory_gb)
    return np.power(2.0, np.ceil(np.log2(np.maximum(need, 1.0))))


def _decode_scale(gpu: Gpu) -> tuple[float, float]:
    """Energy and time factors against the H100 fit: decode is bound by memory bandwidth."""
    time = H100.hbm_tb_s / gpu.hbm_tb_s
    return time * gpu.tdp_w / H100.tdp_w, time


def decode_gpu_wh_per_token(active_b: Any, batch: float, gpu: Gpu = H100) -> np.ndarray:
    """EcoLogits f_E: Wh per output token for one GPU."""
    energy, _ = _decode_scale(gpu)
    return (ALPHA * math.exp(BETA * batch) * np.asarray(active_b, dtype=float) + GAMMA) * energy


def decode_s_per_token(active_b: Any, batch: float, gpu: Gpu = H100) -> np.ndarray:
    """EcoLogits f_L: seconds per output token of one request."""
    _, time = _decode_scale(gpu)
    return (LAT_A * np.asarray(active_b, dtype=float) + LAT_B * batch + LAT_C) * time


def prefill_wh_per_token(active_b: Any, mfu: float, gpu: Gpu = H100) -> np.ndarray:
    """Wh per prefilled token: 2·P_active FLOPs at `mfu` of peak, at board power plus host share."""
    seconds = 2 * np.asarray(active_b, dtype=float) * 1e9 / (gpu.bf16_dense_tflops * 1e12 * mfu)
    return seconds * (gpu.tdp_w + SERVER_NON_GPU_W / GPUS_PER_SERVER) / 3600


@dataclass(frozen=True)
class Coefficients:
    """Per-model constants of one scenario; request energy is linear in them."""

    gpus: np.ndarray
    decode_wh_per_token: np.ndarray  # all GPUs of the replica
    decode_s_per_token: np.ndarray
    server_w: np.ndarray  # this request's share of the non-GPU server power while it decodes
    prefill_wh_per_token: np.ndarray
    cached_wh_per_token: np.ndarray


def coefficients(active_b: Any, total_b: Any, scenario: Scenario, gpu: Gpu = H100, embedding: Any = False) -> Coefficients:
    """Coefficients for models of the given sizes (arrays) under one scenario."""
    active = np.asarray(active_b, dtype=float)
    decodes = ~np.asarray(embedding, dtype=bool)  # an embedding model only prefills
    gpus = gpu_count(total_b, scenario.weight_bits, gpu)
    prefill = prefill_wh_per_token(active, scenario.prefill_mfu, gpu)
    return Coefficients(
        gpus=gpus,
        decode_wh_per_token=np.where(decodes, gpus * decode_gpu_wh_per_token(active, scenario.batch, gpu), 0.0),
        decode_s_per_token=np.where(decodes, decode_s_per_token(active, scenario.batch, gpu), 0.0),
        server_w=np.where(decodes, SERVER_NON_GPU_W * (gpus / GPUS_PER_SERVER) / scenario.batch, 0.0),
        prefill_wh_per_token=prefill,
        cached_wh_per_token=prefill * scenario.cached_share,
    )


def energy_wh(c: Any, pue: Any, uncached_in: Any, cached_in: Any, output: Any, latency_s: Any = None) -> Any:
    """Request energy in Wh incl. PUE. `c` holds Coefficients fields (arrays or polars expressions).

    Uncached input includes cache writes: those tokens are computed like any prompt token.
    """
    gen_s = output * c.decode_s_per_token
    if latency_s is not None:  # EcoLogits caps generation time at the measured latency
        gen_s = pl.min_horizontal(gen_s, latency_s) if isinstance(gen_s, pl.Expr) else np.fmin(gen_s, latency_s)
    it = (output * c.decode_wh_per_token + gen_s * c.server_w / 3600
          + uncached_in * c.prefill_wh_per_token + cached_in * c.cached_wh_per_token)
    return pue * it


def request_wh(
    *, active_b: tuple[float, float], total_b: tuple[float, float], uncached_in: float, cached_in: float, output: float,
    pue: tuple[float, float], latency_s: float | None = None, gpu: Gpu = H100, embedding: bool = False,
) -> Range:
    """One request's energy range in Wh (a scalar convenience over `coefficients`/`energy_wh`)."""
    out = []
    for level in LEVELS:
        c = coefficients(bound(*active_b, level), bound(*total_b, level), SCENARIOS[level], gpu, embedding)
        p = pue[0] if level == "low" else pue[1] if level == "high" else (pue[0] + pue[1]) / 2
        out.append(float(energy_wh(c, p, uncached_in, cached_in, output, latency_s)))
    return Range(*out)


def ecologits_wh(output: float, active_b: float, total_b: float, pue: float = 1.2, latency_s: float | None = None,
                 batch: int = ECOLOGITS_BATCH) -> float:
    """EcoLogits' own usage energy (bf16 H100, batch 64, no prefill), for tests and the bench."""
    s = Scenario("ecologits", batch=batch, weight_bits=ECOLOGITS_BITS, prefill_mfu=1.0, cached_share=0.0)
    return float(energy_wh(coefficients(active_b, total_b, s), pue, 0.0, 0.0, output, latency_s))
