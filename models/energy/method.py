"""Energy per request in Wh, with ranges: the EcoLogits decode method plus prefill and cache hits.

Decode follows EcoLogits (genai-impact/ecologits, docs/methodology/llm_inference.md and
ecologits/impacts/llm.py, v0.9; Rincé & Banse, JOSS 2025, doi:10.21105/joss.07471):
    GPU energy per output token per GPU  f_E = α·exp(β·B)·P_active + γ   (Wh; H100, batch B)
    latency per output token             f_L = a·P_active + b·B + c       (s)
    GPUs  = next power of two of ceil(1.2·P_total·16/8 GB / 80 GB)
    server (non-GPU) energy = ΔT·1.2 kW·(GPUs/8)/B;  E = PUE·(E_server + GPUs·E_GPU)
Where we go past it:
- Prefill: EcoLogits ignores input tokens. We count prefill compute as 2·P_active FLOPs per
  uncached input token (the standard forward-pass count, as Epoch AI's estimate uses) on
  H100s at 989 TFLOP/s bf16 and a model-FLOPs utilisation of 30-60%, at 700 W per GPU plus
  the same non-GPU server share (150 W per GPU).
- Cache hits: a prompt-cache hit skips the prefill matmuls; what is left (reading the cached
  KV and attention over it) is taken as 10% of a prefill token (`CACHED_PREFILL_SHARE`).
- Utilisation: EcoLogits fixes the batch at 64. Real serving runs anywhere from light to
  heavy load; the range uses batch 32 (high energy) to 128 (low), and the prefill MFU range.
Every figure is (low, mid, high): low = smallest plausible model, big batch, high MFU, low
PUE; high = the opposite. Provenance: estimated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALPHA, BETA, GAMMA = 1.1665e-6, -1.1206e-2, 4.0529e-5  # EcoLogits f_E fit (Wh)
LAT_A, LAT_B, LAT_C = 6.785e-4, 3.119e-4, 1.947e-2  # EcoLogits f_L fit (s)
GPU_MEMORY_GB = 80.0
QUANT_BITS = 16
MEMORY_OVERHEAD = 1.2
SERVER_POWER_W = 1200.0  # non-GPU power of an 8xH100 server (BoaviztAPI p5.48xlarge via EcoLogits)
GPUS_PER_SERVER = 8
H100_PEAK_FLOPS = 989e12  # bf16 dense
H100_POWER_W = 700.0
CACHED_PREFILL_SHARE = 0.10
BATCH = {"low": 128, "mid": 64, "high": 32}  # "low" energy = bigger batch
PREFILL_MFU = {"low": 0.60, "mid": 0.45, "high": 0.30}
PUE = {"openai": (1.20, 1.20), "anthropic": (1.09, 1.14), "google": (1.09, 1.09), "default": (1.10, 1.20)}


@dataclass(frozen=True)
class Params:
    total_b: float  # billions
    active_b: float


def gpus_for(total_b: np.ndarray) -> np.ndarray:
    need = np.ceil(MEMORY_OVERHEAD * total_b * QUANT_BITS / 8 / GPU_MEMORY_GB)
    return np.power(2.0, np.ceil(np.log2(np.maximum(need, 1))))


def decode_wh(output_tokens: np.ndarray, active_b: np.ndarray, total_b: np.ndarray, batch: float) -> np.ndarray:
    """GPU + server energy of decoding (before PUE), EcoLogits method."""
    gpus = gpus_for(total_b)
    per_token_gpu = ALPHA * np.exp(BETA * batch) * active_b + GAMMA
    gpu = output_tokens * per_token_gpu * gpus
    seconds = output_tokens * (LAT_A * active_b + LAT_B * batch + LAT_C)
    server = seconds / 3600 * SERVER_POWER_W * (gpus / GPUS_PER_SERVER) / batch
    return gpu + server


def prefill_wh(uncached_in: np.ndarray, cached_in: np.ndarray, active_b: np.ndarray, mfu: float) -> np.ndarray:
    """Energy of the prompt's forward pass (before PUE); cache hits at a tenth of a prefill token."""
    tokens = uncached_in + CACHED_PREFILL_SHARE * cached_in
    seconds = 2 * active_b * 1e9 * tokens / (H100_PEAK_FLOPS * mfu)
    watts = H100_POWER_W + SERVER_POWER_W / GPUS_PER_SERVER
    return seconds * watts / 3600


def request_wh(
    uncached_in: np.ndarray, cached_in: np.ndarray, output_tokens: np.ndarray,
    active_low: np.ndarray, active_high: np.ndarray, total_low: np.ndarray, total_high: np.ndarray,
    pue_low: np.ndarray, pue_high: np.ndarray,
) -> dict[str, np.ndarray]:
    """Wh per request as low / mid / high arrays (vectorised over requests)."""
    active_mid = np.sqrt(active_low * active_high)
    total_mid = np.sqrt(total_low * total_high)
    out = {}
    for level, active, total, pue in (
        ("low", active_low, total_low, pue_low),
        ("mid", active_mid, total_mid, (pue_low + pue_high) / 2),
        ("high", active_high, total_high, pue_high),
    ):
        e = decode_wh(output_tokens, active, total, BATCH[level]) + prefill_wh(uncached_in, cached_in, active, PREFILL_MFU[level])
        out[level] = e * pue
    return out


def ecologits_reference_wh(output_tokens: float, active_b: float, total_b: float, pue: float = 1.2) -> float:
    """EcoLogits' own usage-energy figure (batch 64, no prefill), for comparison and tests."""
    a = np.array([output_tokens], dtype=float)
    return float(decode_wh(a, np.array([active_b]), np.array([total_b]), BATCH["mid"])[0] * pue)
